// oidc-provider settings for the UiO dialect's client (extensions.md §4.4 #2): its access tokens are
// JWTs (RFC 9068) for the resource BaseURL/psso, carrying preferred_username, because the extension
// reads the user name out of the access token without verifying it. Every other app keeps opaque
// access tokens: no resource is defaulted for them, and any resource they name is refused.

import { errors, type Configuration, type KoaContextWithOIDC } from 'oidc-provider';
import type { AppContext } from '../../app/context.js';
import { isUioClientId, uioResource } from '../../app/uio/oidc-client.js';
import { TTL } from './provider.js';

type Features = NonNullable<Configuration['features']>;

export function resourceIndicatorsFor(ctx: AppContext): NonNullable<Features['resourceIndicators']> {
  return {
    enabled: true,
    defaultResource: async (_kctx, client, oneOf) => (isUioClientId(ctx, client?.clientId) ? uioResource(ctx) : oneOf as string | undefined) as string,
    // The token endpoint uses the resource the authorization granted (the extension names none).
    useGrantedResource: async (kctx) => isUioClientId(ctx, kctx.oidc.client?.clientId),
    getResourceServerInfo: async (_kctx, resource, client) => {
      if (!isUioClientId(ctx, client.clientId) || resource !== uioResource(ctx)) throw new errors.InvalidTarget();
      // No scopes of its own: the token proves who signed in, for psso/enroll and psso/userenroll.
      return { scope: '', audience: resource, accessTokenFormat: 'jwt', accessTokenTTL: TTL.AccessToken, jwt: { sign: { alg: 'ES256' } } };
    },
  };
}

/** preferred_username and amr in the UiO client's JWT access tokens; nothing for other tokens. */
export function extraTokenClaimsFor(ctx: AppContext): NonNullable<Configuration['extraTokenClaims']> {
  return async (kctx: KoaContextWithOIDC, token) => {
    if (token.kind !== 'AccessToken' || !isUioClientId(ctx, token.clientId)) return undefined;
    const user = token.accountId ? await ctx.store.users.get(token.accountId) : null;
    if (!user) return undefined;
    const source = kctx.oidc.entities.AuthorizationCode ?? kctx.oidc.entities.RefreshToken;
    const amr = (source as { amr?: string[] } | undefined)?.amr;
    return { preferred_username: user.userPrincipalName, ...(amr ? { amr } : {}) };
  };
}
