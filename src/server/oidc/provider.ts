// Builds the OpenID Provider (panva's oidc-provider, OpenID Connect Core 1.0, RFC 6749/7636/7009/
// 7662/8252, RP-Initiated Logout 1.0) over OpenPSSO's store, keys, apps and access policy.

import './quiet-warnings.js';
import Provider, { interactionPolicy, type Configuration, type KoaContextWithOIDC } from 'oidc-provider';
import type { AppContext } from '../../app/context.js';
import { adapterFor } from './adapter.js';
import { findAccountFor, SCOPE_CLAIMS } from './accounts.js';
import { accessCheckFor, loadGrantFor } from './sso-reuse.js';
import { renderErrorPage, logoutPage, loggedOutPage } from './op-pages.js';
import { ACR_MFA, ACR_PWD } from './acr.js';
import { interactionUrlWithProof } from './sso-proof-carry.js';
import { redirectUriMatches } from '../../protocol/redirect-uri.js';
import { extraTokenClaimsFor, resourceIndicatorsFor } from './uio-resource.js';

export const OIDC_PATH = '/oidc';
export const oidcIssuer = (ctx: AppContext): string => `${ctx.config.issuer}${OIDC_PATH}`;

/** Lifetimes in seconds. Interactions match the sign-in pages' 15 minutes. */
export const TTL = {
  AccessToken: 3600,
  AuthorizationCode: 60,
  IdToken: 3600,
  Interaction: 15 * 60,
  Session: 14 * 24 * 3600,
  RefreshToken: 14 * 24 * 3600,
  Grant: 14 * 24 * 3600,
} as const;

/** The server's ES256 signing keys as private JWKs, the active one first (it signs; the others verify). */
function signingJwks(ctx: AppContext): { keys: Record<string, unknown>[] } {
  const sig = ctx.keys.list().filter((r) => r.use === 'sig')
    .sort((a, b) => (a.status === 'active' ? -1 : b.status === 'active' ? 1 : 0));
  return {
    keys: sig.map((r) => {
      const k = ctx.keys.byKid(r.kid)!;
      return { ...(k.privateKey.export({ format: 'jwk' }) as Record<string, unknown>), kid: r.kid, use: 'sig', alg: 'ES256' };
    }),
  };
}

export function buildProvider(ctx: AppContext): Provider {
  const policy = interactionPolicy.base();
  // Every authorization with a live OP session re-evaluates conditional access for the app asking
  // (sso-reuse.ts); what it decides shows here, so prompt=none gets an error instead of a page.
  for (const check of accessCheckFor()) policy.get('login')!.checks.add(check);

  const configuration: Configuration = {
    adapter: adapterFor(ctx),
    findAccount: findAccountFor(ctx),
    jwks: signingJwks(ctx) as Configuration['jwks'],
    cookies: {
      keys: ctx.master.derive('oidc-provider cookies'),
      long: { signed: true, httpOnly: true, sameSite: 'lax' },
      short: { signed: true, httpOnly: true, sameSite: 'lax' },
      names: { session: 'opsso_op_session', interaction: 'opsso_op_interaction', resume: 'opsso_op_resume' },
    },
    claims: SCOPE_CLAIMS as unknown as Configuration['claims'],
    scopes: ['openid', 'offline_access', 'email', 'profile', 'groups'],
    acrValues: [ACR_PWD, ACR_MFA],
    responseTypes: ['code'],
    subjectTypes: ['public'],
    clientAuthMethods: ['client_secret_basic', 'client_secret_post', 'private_key_jwt', 'none'],
    enabledJWA: {
      idTokenSigningAlgValues: ['ES256'],
      userinfoSigningAlgValues: ['ES256'],
      clientAuthSigningAlgValues: ['ES256', 'ES384', 'RS256', 'PS256', 'EdDSA'],
    },
    clientDefaults: { grant_types: ['authorization_code'], response_types: ['code'], id_token_signed_response_alg: 'ES256', token_endpoint_auth_method: 'client_secret_basic' },
    // RFC 9700 §2.1.1: PKCE with S256 (oidc-provider accepts no other method); required for public clients.
    pkce: { required: (_kctx, client) => client.clientAuthMethod === 'none' },
    // OAuth 2.0 Security BCP §4.14.2: every refresh rotates; a reused one revokes the whole grant.
    rotateRefreshToken: true,
    issueRefreshToken: async (_kctx, client) => client.grantTypeAllowed('refresh_token'),
    allowOmittingSingleRegisteredRedirectUri: false,
    ttl: { ...TTL },
    clockTolerance: 5,
    features: {
      devInteractions: { enabled: false },
      // An app introspects and revokes only tokens issued to it: OpenPSSO registers no separate
      // resource servers, so no client has a reason to read another app's tokens.
      introspection: { enabled: true, allowedPolicy: async (_kctx, client, token) => token.clientId === client.clientId },
      revocation: { enabled: true, allowedPolicy: async (_kctx, client, token) => token.clientId === client.clientId },
      userinfo: { enabled: true },
      rpInitiatedLogout: { enabled: true, logoutSource: logoutPage(ctx), postLogoutSuccessSource: loggedOutPage(ctx) },
      registration: { enabled: false },
      clientCredentials: { enabled: false },
      deviceFlow: { enabled: false },
      claimsParameter: { enabled: false },
      // Only the UiO dialect's client gets a resource (and JWT access tokens); see uio-resource.ts.
      resourceIndicators: resourceIndicatorsFor(ctx),
      // Not offered: discovery lists only what OpenPSSO's apps can use and the tests cover.
      dPoP: { enabled: false },
      pushedAuthorizationRequests: { enabled: false },
    },
    interactions: {
      policy,
      // A Platform SSO proof verified on this authorize request travels sealed to the interaction (sso-proof-carry.ts).
      url: (kctx: KoaContextWithOIDC, interaction) => interactionUrlWithProof(ctx, kctx.req, `${OIDC_PATH}/interaction/${interaction.uid}`, interaction.uid),
    },
    extraTokenClaims: extraTokenClaimsFor(ctx),
    loadExistingGrant: loadGrantFor(ctx),
    renderError: renderErrorPage(ctx),
  };
  const provider = new Provider(oidcIssuer(ctx), configuration);
  // Exact matching, except a registered loopback URI takes any port (RFC 8252 §7.3) for every app,
  // not only oidc-provider's native clients: the same rule the apps' registration applies.
  const Client = provider.Client.prototype as unknown as { redirectUris?: string[]; postLogoutRedirectUris?: string[] } & Record<string, unknown>;
  Client.redirectUriAllowed = function (this: typeof Client, uri: string) { return (this.redirectUris ?? []).some((r) => redirectUriMatches(r, uri)); };
  Client.postLogoutRedirectUriAllowed = function (this: typeof Client, uri: string) { return (this.postLogoutRedirectUris ?? []).some((r) => redirectUriMatches(r, uri)); };
  // oidc-provider builds its URLs from the request's origin; mount.ts sets the forwarded headers to the
  // configured issuer's origin on every request, so the provider must read them (and only they count).
  provider.proxy = true;
  return provider;
}
