// The UiO Weblogin SSO dialect (extensions.md §4.4), both generations, under its BaseURL: the psso/*
// endpoints over the one registration use case and token endpoint, and the Keycloak-style
// protocol/openid-connect/* paths forwarded to the OpenID Provider.

import type { FastifyPluginAsync } from 'fastify';
import type { AppContext } from '../../../app/context.js';
import type { OidcProvider } from '../../oidc/mount.js';
import { UIO_REDIRECT_URI, uioResource } from '../../../app/uio/oidc-client.js';
import { uioPssoRoutes } from './psso-routes.js';
import { uioOidcRoutes } from './oidc-paths.js';

export function uioRoutes(ctx: AppContext, op: OidcProvider): FastifyPluginAsync {
  return async (app) => {
    // The built-in OpenID client exists only while the dialect is on: say so where admins look.
    app.log.info({ clientId: ctx.config.extensions.uio.clientId, redirectUri: UIO_REDIRECT_URI, resource: uioResource(ctx) },
      'UiO dialect enabled: built-in public OpenID client (PKCE S256, JWT access tokens) serves its registration sign-in');
    await app.register(uioPssoRoutes(ctx));
    await app.register(uioOidcRoutes(ctx, op));
  };
}
