// The UiO dialect's OpenID client (extensions.md §4.4 #1-#2, §4.5): a built-in public client named by
// the profile's ClientID (`psso`), PKCE S256, redirect weblogin-sso://idp-login-redirect, whose
// access tokens are JWTs for one resource (the dialect's BaseURL/psso) carrying preferred_username.
// Built in rather than an `openpsso app` row because its client id is not a GUID and its scheme is
// not reverse DNS, both fixed by the extension; it exists exactly while the dialect is enabled.

import type { AppContext } from '../context.js';
import type { ApplicationRecord } from '../../storage/ports-apps.js';
import { dialectBaseUrl } from '../client-profile.js';

export const UIO_REDIRECT_URI = 'weblogin-sso://idp-login-redirect';
/** Object id of the built-in app, so sign-in rows and policies can name it. */
export const UIO_APP_OBJECT_ID = 'app_uio_weblogin';
/** oidc-provider's issuer (server/oidc/provider.ts mounts it at /oidc). */
export const oidcIssuerOf = (ctx: AppContext): string => `${ctx.config.issuer}/oidc`;

/** The resource indicator (RFC 8707) the client's access tokens are for: their `aud`. */
export function uioResource(ctx: AppContext): string {
  return `${dialectBaseUrl(ctx, 'uio')}/psso`;
}

export function isUioClientId(ctx: AppContext, clientId: string | undefined): boolean {
  return ctx.config.extensions.uio.enabled && clientId === ctx.config.extensions.uio.clientId;
}

/** The organisation the dialect serves: its configured orgId, else the only (first) organisation. */
export async function uioOrgId(ctx: AppContext): Promise<string | null> {
  const configured = ctx.config.extensions.uio.orgId;
  if (configured) return configured;
  return (await ctx.store.organisations.list())[0]?.id ?? null;
}

/** The built-in app record while the dialect is enabled; null otherwise. */
export async function uioApplication(ctx: AppContext): Promise<ApplicationRecord | null> {
  if (!ctx.config.extensions.uio.enabled) return null;
  const orgId = await uioOrgId(ctx);
  if (!orgId) return null;
  return {
    id: UIO_APP_OBJECT_ID, orgId, appId: ctx.config.extensions.uio.clientId, displayName: 'UiO Weblogin SSO extension',
    clientType: 'public', tokenEndpointAuthMethod: 'none', redirectUris: [UIO_REDIRECT_URI], postLogoutRedirectUris: [],
    grantTypes: ['authorization_code', 'refresh_token'], jwks: null, sealedSecret: null, secretKeyId: null, secretHint: null,
    secretCreatedAt: null, releasedClaims: ['profile'], enabled: true, createdAt: 0, modifiedAt: 0,
  };
}
