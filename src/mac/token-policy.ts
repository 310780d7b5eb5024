// Apple's token renewal rules as a pure function: when to renew, and whether by refresh or full login (psso-protocol.md §6, §11 step 4).

import type { Method } from './types.js';

/** Tokens older than this are renewed at the next OS event, even if unexpired (A-PSSO). */
export const TOKEN_MAX_AGE_MS = 4 * 3600 * 1000;
export const DEFAULT_LOGIN_FREQUENCY = 64800;
export const MIN_LOGIN_FREQUENCY = 3600;

/** The profile value as macOS applies it: unset means 18 h, and anything under 1 h is raised to 1 h. */
export function effectiveLoginFrequency(seconds: number | undefined): number {
  if (seconds === undefined || !Number.isFinite(seconds)) return DEFAULT_LOGIN_FREQUENCY;
  return Math.max(MIN_LOGIN_FREQUENCY, Math.floor(seconds));
}

export interface TokenTimes {
  received: number;
  expiration: number;
}

export type TokenFreshness = 'missing' | 'expired' | 'stale' | 'fresh';

export function tokenFreshness(now: number, tokens: TokenTimes | undefined): TokenFreshness {
  if (!tokens) return 'missing';
  if (tokens.expiration <= now) return 'expired';
  if (now - tokens.received >= TOKEN_MAX_AGE_MS) return 'stale';
  return 'fresh';
}

export interface RenewalInput {
  now: number;
  method: Method;
  tokens?: TokenTimes | undefined;
  /** Last FULL login (epoch ms); refreshes do not count. */
  lastLoginDate?: number | undefined;
  loginFrequency?: number | undefined;
  refreshEndpointURL?: string | undefined;
  force?: boolean;
}

export type RenewalAction = 'none' | 'refresh' | 'full_login';

export interface RenewalDecision {
  action: RenewalAction;
  freshness: TokenFreshness;
  /** One sentence a person can read: which path and why. */
  reason: string;
}

const hours = (ms: number) => `${(ms / 3600_000).toFixed(1)} h`;

export function decideRenewal(i: RenewalInput): RenewalDecision {
  const freshness = tokenFreshness(i.now, i.tokens);
  if (freshness === 'fresh' && !i.force) {
    return { action: 'none', freshness, reason: `SSO tokens are ${hours(i.now - i.tokens!.received)} old and unexpired; nothing to renew (renewal starts at 4 h).` };
  }
  const why = {
    missing: 'there are no SSO tokens',
    expired: 'the SSO tokens have expired',
    stale: 'the SSO tokens are more than 4 hours old',
    fresh: 'renewal was forced',
  }[freshness];
  // Secure Enclave logins need no user interaction, so macOS always does a full, silent login.
  if (i.method === 'secure_enclave') {
    return { action: 'full_login', freshness, reason: `${why}; the Secure Enclave key method always renews with a full, silent login (no refresh).` };
  }
  if (freshness === 'missing' || freshness === 'expired') {
    return { action: 'full_login', freshness, reason: `${why}; a refresh needs an unexpired refresh token, so a full login is needed.` };
  }
  if (!i.refreshEndpointURL) {
    return { action: 'full_login', freshness, reason: `${why}; refreshEndpointURL is not set, so macOS never sends a refresh request and does a full login.` };
  }
  const freq = effectiveLoginFrequency(i.loginFrequency);
  if (i.lastLoginDate === undefined) {
    return { action: 'full_login', freshness, reason: `${why}; there is no record of a full login, so a full login is needed.` };
  }
  const since = i.now - i.lastLoginDate;
  if (since >= freq * 1000) {
    return { action: 'full_login', freshness, reason: `${why}; the last full login was ${hours(since)} ago, beyond LoginFrequency (${freq} s), so a full login is needed.` };
  }
  return { action: 'refresh', freshness, reason: `${why}; the last full login was ${hours(since)} ago, within LoginFrequency (${freq} s), and refreshEndpointURL is set, so a refresh is enough.` };
}
