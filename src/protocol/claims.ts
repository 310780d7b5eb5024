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
 * How far a request's own times may stray. A Mac sends iat=now and exp=now+300 (macOS 13 sends no
 * exp); the server's clock may differ from the Mac's by up to `skewSeconds` either way.
 */
export interface RequestTimeLimits {
  /** Tolerated clock difference, applied alike to "in the future" and "in the past". */
  skewSeconds: number;
  /** How long after iat (plus the skew) a request is still taken; bounds the replay window of a captured request. */
  maxAgeSeconds: number;
  /** Longest exp - iat accepted; both come from the Mac's one clock, so no skew applies. */
  maxLifetimeSeconds: number;
}

/** The configuration defaults (config/schema.ts; a config test keeps the two in step), also used by `openpsso inspect`. */
export const DEFAULT_REQUEST_TIME_LIMITS: RequestTimeLimits = { skewSeconds: 60, maxAgeSeconds: 300, maxLifetimeSeconds: 600 };

/**
 * The times of a request or embedded assertion, each refusal with its own code so an admin can
 * tell a Mac's clock (in the future, too old, expired) from a client that builds bad times
 * (exp not after iat, lifetime too long). A missing exp becomes iat+300 when `requireExp` is
 * false: Apple's macOS 13 vector carries no exp at all. A request exactly at the skew, age or
 * lifetime limit is accepted, one second past it is not; exp itself is exclusive (RFC 7519
 * §4.1.4), so an exp exactly `skewSeconds` ago has expired.
 */
export function checkTimes(
  claims: Record<string, unknown>,
  now: number,
  limits: RequestTimeLimits,
  requireExp: boolean,
): { iat: number; exp: number } {
  const iat = numericDate(claims.iat);
  if (iat === undefined) throw new PssoError('missing_claim', 'iat');
  let exp = numericDate(claims.exp);
  if (exp === undefined) {
    if (requireExp || claims.exp !== undefined) throw new PssoError('missing_claim', 'exp');
    exp = iat + REQUEST_LIFETIME_SECONDS;
  }
  const { skewSeconds, maxAgeSeconds, maxLifetimeSeconds } = limits;
  // Shape first: these are wrong whatever the clocks say.
  if (exp <= iat) throw new PssoError('request_times_inverted', `exp ${exp} is not after iat ${iat}`);
  if (exp - iat > maxLifetimeSeconds) {
    throw new PssoError('request_lifetime_too_long', `exp - iat is ${exp - iat} s, at most ${maxLifetimeSeconds} s is accepted`);
  }
  if (iat > now + skewSeconds) throw new PssoError('request_issued_in_future', `iat is ${iat - now} s ahead of the server clock (skew ${skewSeconds} s)`);
  if (exp <= now - skewSeconds) throw new PssoError('request_expired', `exp passed ${now - exp} s ago (skew ${skewSeconds} s)`);
  if (iat < now - maxAgeSeconds - skewSeconds) {
    throw new PssoError('request_too_old', `iat is ${now - iat} s old, at most ${maxAgeSeconds} s + ${skewSeconds} s skew is accepted`);
  }
  return { iat, exp };
}
