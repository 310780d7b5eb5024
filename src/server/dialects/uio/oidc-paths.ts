// UiO's Keycloak-style OpenID Connect paths (extensions.md §4.4 #1-#3, #8) served by OpenPSSO's
// OpenID Provider: authorize and token are forwarded internally (same method, query and body; a 307
// redirect of the token POST is not something every client follows), certs is the provider's JWKS.
// A Platform-SSO-Authorization header on authorize reaches the provider's SSO proof check unchanged.

import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../../app/context.js';
import { rawBodyParsers, serveProvider, type OidcProvider } from '../../oidc/mount.js';

const query = (req: FastifyRequest): string => {
  const i = req.raw.url!.indexOf('?');
  return i < 0 ? '' : req.raw.url!.slice(i);
};

export function uioOidcRoutes(ctx: AppContext, op: OidcProvider): FastifyPluginAsync {
  return async (app) => {
    // The provider parses its own bodies (the extension posts its token form unencoded).
    rawBodyParsers(app);
    const forward = (to: string) => async (req: FastifyRequest, reply: FastifyReply) => serveProvider(ctx, op, req, reply, `${to}${query(req)}`);
    app.get('/protocol/openid-connect/auth', forward('/auth'));
    app.post('/protocol/openid-connect/auth', forward('/auth'));
    app.post('/protocol/openid-connect/token', forward('/token'));
    app.get('/protocol/openid-connect/certs', async (_req, reply) => {
      await ctx.keys.refresh();
      return reply.type('application/jwk-set+json').header('cache-control', 'public, max-age=300').send(ctx.keys.jwks());
    });
  };
}
