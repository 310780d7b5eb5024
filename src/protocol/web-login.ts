// macOS 27 web-based login on the wire (web-login-macos27.md §3-§7, §9): the device-signed
// authorization request object, the callback URL, the token-exchange login claims and the
// authorization scopes. Builders (the virtual Mac) and parsers (the server) live side by side.

import type { KeyObject } from 'node:crypto';
import { PssoError } from '../errors/psso-error.js';
import { b64Encode } from './base64.js';
import { requireString, scopeList } from './claims.js';
import { signCompactJws, verifyJwsSignature, type ParsedJws } from './jws.js';

export const TYP_AUTHORIZATION_REQUEST = 'platformsso-authorization-request+jwt';
export const GRANT_TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
export const SUBJECT_TOKEN_TYPE_CODE_RESPONSE = 'urn:apple:platformsso:authorization-code-response';
export const CALLBACK_URL = 'com.apple.platformsso://callback';
const CALLBACK_SCHEME = 'com.apple.platformsso';

/** Authorization scopes (§9): Platform SSO adds exactly one of these per request when opted in. */
export const AUTH_SCOPE_PREFIX = 'urn:apple:platformsso:auth:';
export const AUTH_SCOPES = [
  'login', 'unlock', 'elevation', 'auth-prompt', 'create-user', 'password-change', 'refresh', 'setup-assistant', 'temporary-session', 'fallback',
] as const;

/**
 * The authorization scope of a request, as the full URN, or undefined. Unknown `auth:` values are
 * passed on too (a later macOS may add some); the first one wins, as Apple sends only one.
 */
export function authScopeOf(scope: string[] | string | undefined): string | undefined {
  const list = Array.isArray(scope) ? scope : scopeList(scope);
  const v = list.find((s) => s.startsWith(AUTH_SCOPE_PREFIX) && s.length > AUTH_SCOPE_PREFIX.length && s.length <= 100);
  return v;
}

/** Whitespace-deduplicated merge, first occurrence first, as Platform SSO merges scopes (§1). */
export function mergeScopes(...scopes: (string | undefined)[]): string {
  return [...new Set(scopes.flatMap((s) => scopeList(s)))].join(' ');
}

/** com.apple.platformsso://callback, the scheme in any letter case (RFC 3986 §3.1; §5 of the reference). */
export function isPlatformSsoCallback(uri: string): boolean {
  let u: URL;
  try { u = new URL(uri); } catch { return false; }
  return u.protocol.toLowerCase() === `${CALLBACK_SCHEME}:` && u.host.toLowerCase() === 'callback' && (u.pathname === '' || u.pathname === '/')
    && u.username === '' && u.password === '' && u.hash === '';
}

/** The redirect that ends the web sign-in: `com.apple.platformsso://callback?code=…&state=…`. */
export function callbackLocation(code: string, state: string): string {
  return `${CALLBACK_URL}?${new URLSearchParams({ code, state })}`;
}

/** Reads code and state from a token-exchange subject_token (the full callback URL). */
export function parseCallbackUrl(subjectToken: string): { code: string; state: string } {
  if (subjectToken.length > 4096 || !isPlatformSsoCallback(subjectToken.split('?')[0]!)) {
    throw new PssoError('subject_token_invalid', 'subject_token is not a com.apple.platformsso://callback URL');
  }
  const q = new URL(subjectToken).searchParams;
  const code = q.get('code');
  const state = q.get('state');
  if (!code || q.getAll('code').length !== 1) throw new PssoError('subject_token_invalid', 'the callback URL has no single code');
  if (!state || q.getAll('state').length !== 1) throw new PssoError('subject_token_invalid', 'the callback URL has no single state');
  return { code, state };
}

/** The authorizationRequest of a pre-authentication reply, and the claims of the signed object. */
export interface AuthorizationRequestClaims {
  client_id: string;
  nonce: string;
  redirect_uri: string;
  response_type: string;
  scope: string;
  state: string;
}

export interface BuildAuthorizationRequestOptions {
  signingKey: KeyObject;
  signingKid: string;
  /** DER device certificate(s) for x5c; the server trusts only the registered key, never x5c. */
  x5c: Uint8Array[];
  request: AuthorizationRequestClaims;
  /** The Platform SSO login scope merged in before signing (§1 URL rewriting). */
  loginScope?: string;
}

/** What the Mac posts as `request=`: header typ, alg ES256, kid, x5c; the request's own claims. */
export function buildAuthorizationRequestObject(o: BuildAuthorizationRequestOptions): string {
  const claims = { ...o.request, scope: mergeScopes(o.request.scope, o.loginScope) };
  const header = { kid: o.signingKid, x5c: o.x5c.map((c) => b64Encode(c)), typ: TYP_AUTHORIZATION_REQUEST, alg: 'ES256' };
  return signCompactJws(header, claims, o.signingKey, 'apple');
}

/**
 * Verifies a request object with the registered device signing key (found by the caller from
 * the kid) and reads its claims. alg and kid were checked by requestSigningKid before the lookup.
 */
export function verifyAuthorizationRequestObject(p: ParsedJws, signingKey: KeyObject): AuthorizationRequestClaims {
  if (!verifyJwsSignature(p, signingKey, 'ES256')) throw new PssoError('bad_signature');
  if (p.header.typ !== TYP_AUTHORIZATION_REQUEST) throw new PssoError('web_login_request_invalid', `typ ${String(p.header.typ)}`);
  if (p.header.crit !== undefined) throw new PssoError('web_login_request_invalid', 'crit header not supported');
  if (p.header.x5c !== undefined && (!Array.isArray(p.header.x5c) || !p.header.x5c.every((c) => typeof c === 'string'))) {
    throw new PssoError('web_login_request_invalid', 'x5c must be an array of base64 certificates');
  }
  const c = p.claims;
  const read = (name: keyof AuthorizationRequestClaims): string => {
    try { return requireString(c, name); } catch { throw new PssoError('web_login_request_invalid', `claim ${name} missing`); }
  };
  const out = {
    client_id: read('client_id'), nonce: read('nonce'), redirect_uri: read('redirect_uri'),
    response_type: read('response_type'), scope: read('scope'), state: read('state'),
  };
  if (out.response_type !== 'code') throw new PssoError('web_login_request_invalid', `response_type ${out.response_type}`);
  if (!isPlatformSsoCallback(out.redirect_uri)) throw new PssoError('web_login_request_mismatch', `redirect_uri ${out.redirect_uri}`);
  return out;
}

/** The three claims that make a login request a token exchange (§6). */
export function tokenExchangeClaims(callbackUrl: string): Record<string, string> {
  return { grant_type: GRANT_TOKEN_EXCHANGE, subject_token: callbackUrl, subject_token_type: SUBJECT_TOKEN_TYPE_CODE_RESPONSE };
}
