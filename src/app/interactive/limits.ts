// Throttles for interactive sign-in: token buckets per address and per account name, and the
// account lockout kept in the lockouts store (shared by every server instance).

import type { AppContext } from '../context.js';
import { PssoError } from '../../errors/psso-error.js';

export interface BucketRule {
  /** Attempts allowed at once. */
  burst: number;
  /** Attempts regained per second. */
  perSecond: number;
}

export interface SignInLimits {
  perAddress: BucketRule;
  perAccount: BucketRule;
  /** Failures are counted in windows of this length towards orgSettings.lockoutThreshold. */
  lockoutWindowSeconds: number;
}

/**
 * An office behind one NAT address may have many people signing in at 9:00, so the address bucket
 * is wide; the account bucket stays above the lockout threshold (default 10) so a user sees the
 * clearer "locked until" message before a bare 429.
 */
export const DEFAULT_LIMITS: SignInLimits = {
  perAddress: { burst: 30, perSecond: 1 },
  perAccount: { burst: 20, perSecond: 1 / 6 },
  lockoutWindowSeconds: 15 * 60,
};

interface Bucket { tokens: number; at: number }
interface LimiterState { limits: SignInLimits; buckets: Map<string, Bucket> }

/** Buckets live in memory per server: a restart forgets them, which only ever loosens a limit briefly. */
const states = new WeakMap<AppContext, LimiterState>();
const MAX_BUCKETS = 100_000;

function stateOf(ctx: AppContext): LimiterState {
  let s = states.get(ctx);
  if (!s) states.set(ctx, (s = { limits: DEFAULT_LIMITS, buckets: new Map() }));
  return s;
}

/** Lets an operator or a test tighten or loosen the limits of one running server. */
export function configureSignInLimits(ctx: AppContext, limits: Partial<SignInLimits>): void {
  const s = stateOf(ctx);
  s.limits = { ...s.limits, ...limits };
}

export function signInLimits(ctx: AppContext): SignInLimits {
  return stateOf(ctx).limits;
}

/** Takes one token or throws rate_limited with the seconds until one is back. */
export function takeToken(ctx: AppContext, key: string, rule: BucketRule): void {
  const { buckets } = stateOf(ctx);
  const now = ctx.clock.now();
  const b = buckets.get(key) ?? { tokens: rule.burst, at: now };
  // A clock set backwards (tests, NTP steps) must not mint tokens.
  const elapsed = Math.max(0, now - b.at) / 1000;
  b.tokens = Math.min(rule.burst, b.tokens + elapsed * rule.perSecond);
  b.at = Math.max(b.at, now);
  if (b.tokens < 1) {
    const retryAfterSeconds = Math.max(1, Math.ceil((1 - b.tokens) / rule.perSecond));
    throw new PssoError('rate_limited', `too many sign-in attempts; try again in ${retryAfterSeconds} s`, { retryAfterSeconds });
  }
  b.tokens -= 1;
  buckets.delete(key);
  if (buckets.size >= MAX_BUCKETS) buckets.delete(buckets.keys().next().value as string);
  buckets.set(key, b);
}

export function limitAddress(ctx: AppContext, ipAddress: string): void {
  takeToken(ctx, `ip:${ipAddress}`, signInLimits(ctx).perAddress);
}

export function limitAccount(ctx: AppContext, orgId: string, username: string): void {
  takeToken(ctx, `acct:${orgId}:${username.toLowerCase()}`, signInLimits(ctx).perAccount);
}

/**
 * Keyed by the typed account name, not the user id: an unknown name locks exactly like a real one,
 * so lockout answers do not reveal which accounts exist.
 */
export function lockoutKey(orgId: string, username: string): string {
  return `signin:${orgId}:${username.toLowerCase()}`;
}

export function formatUnlockTime(lockedUntil: number, now: number): string {
  const secs = Math.max(1, Math.ceil((lockedUntil - now) / 1000));
  const at = new Date(lockedUntil).toISOString().replace(/\.\d{3}Z$/, 'Z').replace('T', ' ').replace('Z', ' UTC');
  const wait = secs < 120 ? `${secs} seconds` : `${Math.ceil(secs / 60)} minutes`;
  return `until ${at} (in about ${wait})`;
}

function lockedError(lockedUntil: number, now: number): PssoError {
  return new PssoError('user_locked', `locked ${formatUnlockTime(lockedUntil, now)}; try again then, or ask an administrator`, { lockedUntil });
}

/** Throws user_locked while the account is locked. */
export async function assertNotLocked(ctx: AppContext, orgId: string, username: string): Promise<void> {
  const r = await ctx.store.lockouts.get(lockoutKey(orgId, username));
  const now = ctx.clock.now();
  if (r?.lockedUntil !== null && r?.lockedUntil !== undefined && r.lockedUntil > now) throw lockedError(r.lockedUntil, now);
}

/** Counts one failure; returns the lockout error when this failure locked the account. */
export async function countFailure(ctx: AppContext, orgId: string, username: string): Promise<PssoError | null> {
  const settings = await ctx.store.orgSettings.get(orgId);
  const now = ctx.clock.now();
  const r = await ctx.store.lockouts.recordFailure(lockoutKey(orgId, username), now, {
    windowMs: signInLimits(ctx).lockoutWindowSeconds * 1000,
    threshold: settings.lockoutThreshold,
    lockMs: settings.lockoutSeconds * 1000,
  });
  return r.lockedUntil !== null && r.lockedUntil > now ? lockedError(r.lockedUntil, now) : null;
}

export async function clearFailures(ctx: AppContext, orgId: string, username: string): Promise<void> {
  await ctx.store.lockouts.reset(lockoutKey(orgId, username));
}
