// The UiO Weblogin SSO dialect (extensions.md §4.4), both generations, under its BaseURL: the psso/*
// endpoints over the one registration use case and token endpoint, and the Keycloak-style
// protocol/openid-connect/* paths forwarded to the OpenID Provider.

import type { FastifyPluginAsync } from 'fastify';
import type { AppContext } from '../../../app/context.js';
import type { OidcProvider } from '../../oidc/mount.js';
import type { VerifyAttestation } from '../../../app/uio/enroll.js';
import { noAttestation } from './attestation-input.js';
import { uioPssoRoutes } from './psso-routes.js';
import { uioOidcRoutes } from './oidc-paths.js';

export function uioRoutes(ctx: AppContext, op: OidcProvider, verifyAttestation: VerifyAttestation = noAttestation): FastifyPluginAsync {
  return async (app) => {
    await app.register(uioPssoRoutes(ctx, verifyAttestation));
    await app.register(uioOidcRoutes(ctx, op));
  };
}
