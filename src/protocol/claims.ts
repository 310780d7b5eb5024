// PSSO claim constants and small claim readers shared by request builders and verifiers (psso-protocol.md §4.2-4.4, §5.2, §7).

import { PssoError } from '../errors/psso-error.js';

export const GRANT_JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';

export const TYP = {
  loginRequest: 'platformsso-login-request+jwt',
  refreshRequest: 'platformsso-refresh-request+jwt',
  keyRequest: 'platformsso-key-request+jwt',
  loginAssertion: 'platformsso-login-assertion+jwt',
  encryptedLoginAssertion: 'platformsso-encrypted-login-assertion+jwt',
  loginResponse: 'platformsso-login-response+jwt',
  keyResponse: 'platformsso-key-response+jwt',
  /** What extensions built with the macOS 13 SDK put everywhere. */
  legacy: 'JWT',
} as const;

export const TYP_LOGIN_REQUEST = TYP.loginRequest;
export const TYP_REFRESH_REQUEST = TYP.refreshRequest;
export const TYP_KEY_REQUEST = TYP.keyRequest;
export const TYP_LOGIN_ASSERTION = TYP.loginAssertion;
export const TYP_ENCRYPTED_LOGIN_ASSERTION = TYP.encryptedLoginAssertion;
export const TYP_LOGIN_RESPONSE = TYP.loginResponse;
export const TYP_KEY_RESPONSE = TYP.keyResponse;

export const REQUIRED_SCOPES = ['openid', 'urn:apple:platformsso'] as const;
export const DEFAULT_SCOPE = 'openid offline_access urn:apple:platformsso';

/** Default request lifetime on a Mac, and what a request without exp (macOS 13 flavour) is given. */
export const REQUEST_LIFETIME_SECONDS = 300;

/** Seconds since the epoch; Apple's own examples send them as strings ("1656005132"), so accept both. */
export function numericDate(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) && v >= 0 ? v : undefined;
  if (typeof v === 'string' && /^[0-9]{1,15}$/.test(v)) return Number(v);
  return undefined;
}

export function readString(claims: Record<string, unknown>, name: string): string | undefined {
  const v = claims[name];
  return typeof v === 'string' ? v : undefined;
}

/** A string claim that must be there and non-empty, else missing_claim naming it. */
export function requireString(claims: Record<string, unknown>, name: string): string {
  const v = claims[name];
  if (typeof v !== 'string' || v.length === 0) throw new PssoError('missing_claim', name);
  return v;
}

/** Space-separated scope string to its tokens (empty list when absent or not a string). */
export function scopeList(v: unknown): string[] {
  return typeof v === 'string' ? v.split(' ').filter((s) => s.length > 0) : [];
}

/**
 * iat must not be in the future and exp not in the past, both within the skew. A missing exp
 * becomes iat+300 when `requireExp` is false: Apple's macOS 13 vector carries no exp at all.
 */
export function checkTimes(
  claims: Record<string, unknown>,
  now: number,
  skewSeconds: number,
  requireExp: boolean,
): { iat: number; exp: number } {
  const iat = numericDate(claims.iat);
  if (iat === undefined) throw new PssoError('missing_claim', 'iat');
  let exp = numericDate(claims.exp);
  if (exp === undefined) {
    if (requireExp || claims.exp !== undefined) throw new PssoError('missing_claim', 'exp');
    exp = iat + REQUEST_LIFETIME_SECONDS;
  }
  if (iat > now + skewSeconds) throw new PssoError('request_expired', 'iat is in the future');
  if (exp <= now - skewSeconds) throw new PssoError('request_expired', 'exp has passed');
  return { iat, exp };
}
