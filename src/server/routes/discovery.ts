// Discovery: OpenID configuration, JWKS (signing and enc keys) and apple-app-site-association (psso-protocol.md §2).

import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import type { AppContext } from '../../app/context.js';
import { authsrvApps } from './aasa-apps.js';

/**
 * The server's JWKS (the id_token signing key and the `use: enc` ECDH-ES key, which Fleet's extension
 * requires, extensions.md §3.3) as application/jwk-set+json; also served under each dialect's path.
 */
export async function sendJwks(ctx: AppContext, reply: FastifyReply): Promise<FastifyReply> {
  await ctx.keys.refresh();
  return reply.type('application/jwk-set+json').header('cache-control', 'public, max-age=300').send(ctx.keys.jwks());
}

export function discoveryRoutes(ctx: AppContext): FastifyPluginAsync {
  return async (app) => {
    app.get('/.well-known/openid-configuration', async (_req, reply) => {
      const u = ctx.urls;
      reply.header('cache-control', 'public, max-age=300');
      return {
        issuer: u.issuer,
        token_endpoint: u.tokenEndpoint,
        jwks_uri: u.jwksUri,
        authorization_endpoint: u.signIn,
        response_types_supported: ['id_token'],
        subject_types_supported: ['public'],
        id_token_signing_alg_values_supported: ['ES256'],
        grant_types_supported: ['urn:ietf:params:oauth:grant-type:jwt-bearer', 'refresh_token', 'password'],
        token_endpoint_auth_methods_supported: ['private_key_jwt'],
        scopes_supported: ['openid', 'offline_access', 'urn:apple:platformsso'],
        claims_supported: ['sub', 'oid', 'iss', 'aud', 'nonce', 'iat', 'exp', 'preferred_username', 'name', 'email', 'groups', 'upn'],
        // OpenPSSO extensions: what an SSO extension needs for its login configuration.
        'openpsso:nonce_endpoint': u.nonceEndpoint,
        'openpsso:key_endpoint': u.keyEndpoint,
        'openpsso:device_registration_endpoint': u.deviceRegistration,
        'openpsso:client_id': ctx.config.clientId,
        // macOS 27 web-based login (docs/web-login.md): federationUserPreauthenticationURL and the static authorizationURL.
        'openpsso:web_login_preauthentication_endpoint': u.webLoginPreauth,
        'openpsso:web_login_authorization_endpoint': u.webLoginAuthorize,
        'openpsso:authorization_scopes_supported': true,
      };
    });

    app.get('/.well-known/jwks.json', async (_req, reply) => sendJwks(ctx, reply));

    // Apple's CDN fetches this without redirects and needs application/json. The enabled extension
    // dialects add their published app ids (aasa-apps.ts).
    app.get('/.well-known/apple-app-site-association', async (_req, reply) => {
      const { webcredentialsApps } = ctx.config.aasa;
      const body: Record<string, unknown> = { authsrv: { apps: authsrvApps(ctx.config) } };
      if (webcredentialsApps.length > 0) body.webcredentials = { apps: webcredentialsApps };
      reply.type('application/json');
      return body;
    });
  };
}
