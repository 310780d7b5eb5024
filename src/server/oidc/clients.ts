// Maps a registered app (ports-apps.ts) to oidc-provider client metadata (OpenID Connect Dynamic
// Client Registration §2 names): a disabled or unknown app is no client at all.

import type { AppContext } from '../../app/context.js';
import { clientSecretOf, findApplicationByClientId } from '../../app/applications.js';
import { checkRedirectUri } from '../../protocol/redirect-uri.js';
import type { ApplicationRecord } from '../../storage/ports-apps.js';
import { UIO_APP_OBJECT_ID } from '../../app/uio/oidc-client.js';

/** The scopes an app may be granted: openid always, offline_access with refresh tokens, one per released claim set. */
export function allowedScopes(app: ApplicationRecord): string[] {
  return ['openid', ...(app.grantTypes.includes('refresh_token') ? ['offline_access'] : []), ...app.releasedClaims];
}

export async function clientMetadata(ctx: AppContext, clientId: string): Promise<Record<string, unknown> | undefined> {
  const app = await findApplicationByClientId(ctx, clientId);
  if (!app || !app.enabled) return undefined;
  return toClientMetadata(ctx, app);
}

export function toClientMetadata(ctx: AppContext, app: ApplicationRecord): Record<string, unknown> {
  // Custom schemes name an app on a device (RFC 8252 §7.1): oidc-provider accepts them only for native clients.
  // The UiO client's scheme (weblogin-sso:) is fixed by the extension, so it is native though not reverse DNS.
  const native = app.id === UIO_APP_OBJECT_ID || [...app.redirectUris, ...app.postLogoutRedirectUris].some((u) => {
    const c = checkRedirectUri(u, app.clientType);
    return c.ok && c.kind === 'custom-scheme';
  });
  const secret = app.tokenEndpointAuthMethod === 'client_secret_basic' || app.tokenEndpointAuthMethod === 'client_secret_post' ? clientSecretOf(ctx, app) : null;
  return {
    client_id: app.appId,
    client_name: app.displayName,
    application_type: native ? 'native' : 'web',
    token_endpoint_auth_method: app.tokenEndpointAuthMethod,
    ...(secret !== null ? { client_secret: secret } : {}),
    ...(app.tokenEndpointAuthMethod === 'private_key_jwt' && app.jwks ? { jwks: app.jwks } : {}),
    redirect_uris: app.redirectUris,
    post_logout_redirect_uris: app.postLogoutRedirectUris,
    grant_types: app.grantTypes,
    response_types: ['code'],
    scope: allowedScopes(app).join(' '),
    id_token_signed_response_alg: 'ES256',
  };
}
