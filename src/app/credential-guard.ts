// The one place that decides whether a secret may be checked, and counts what the check found.
// Every password, encrypted password, Secure Enclave or smart card assertion, registration password,
// interactive second factor and admin client secret goes through it, in one order:
//   account disabled or locked -> throttle (source, account) -> verify (bounded) -> count the failure.
// Lockout follows Entra's smart lockout: failures from networks the account has signed in from
// before are counted apart from failures elsewhere, so an attacker cannot lock the owner out from
// afar, and each lock in a row lasts twice as long. Counters live in the database (or whatever
// store backs it), so every server sharing it enforces the same limits.

import type { AppContext } from './context.js';
import type { User } from '../storage/ports.js';
import type { LockoutRecord, ThrottleRule } from '../storage/ports-access.js';
import { PssoError, isPssoError } from '../errors/psso-error.js';
import { parseIp } from '../policy/ip-range.js';
import type { Lane } from './password-work.js';
import { offEventLoop, type RequestSlot } from './request-slot.js';

/** Where the secret arrived: decides the refusal's shape (a Mac's token endpoint never sees 429 or 401 for these). */
export type GuardSurface = 'token_endpoint' | 'registration' | 'interactive' | 'admin_api' | 'oidc_client';

export interface GuardSubject {
  /** The organisation the account name is looked up in ('admin' for admin API clients). */
  orgId: string;
  /** The account name as typed: unknown names are throttled and locked exactly like real ones. */
  account: string;
  ipAddress: string;
  surface: GuardSurface;
  /** The user, when already looked up: a disabled account is refused before anything is checked. */
  user?: User | null;
  /**
   * Guessable secrets (passwords, codes, client secrets) take a throttle token before they are
   * checked. Device-bound assertions cannot be guessed from afar, so they only honour the lockout
   * and count failures: a Secure Enclave login costs one extra read, not two writes.
   */
  guessable: boolean;
  /** The request's admission slot: given back while a password check waits off the event loop. */
  slot?: RequestSlot | undefined;
}

/** Errors that mean "this secret was wrong", and so count towards the lockout. */
const BAD_SECRET = new Set(['invalid_credentials', 'assertion_invalid', 'certificate_untrusted', 'admin_unauthorized', 'mfa_failed', 'web_login_code_invalid', 'web_login_code_mismatch']);

export function isBadSecret(e: unknown): e is PssoError {
  return isPssoError(e) && BAD_SECRET.has(e.entry.name);
}

/**
 * Addresses are judged by network: an IPv4 /24 or IPv6 /64, as home and office routers renumber
 * within them. Anything unparsable is its own network.
 */
export function networkOf(ipAddress: string): string {
  const ip = parseIp(ipAddress);
  if (!ip) return `raw:${ipAddress.slice(0, 64)}`;
  if (ip.family === 4) return `v4:${(ip.value >> 8n).toString(16)}`;
  return `v6:${(ip.value >> 64n).toString(16)}`;
}

/** The same account whatever the case or Unicode form it was typed in. */
export const accountKey = (orgId: string, account: string): string => `acct:${orgId}:${account.normalize('NFC').toLowerCase()}`;

export function formatUnlockTime(lockedUntil: number, now: number): string {
  const secs = Math.max(1, Math.ceil((lockedUntil - now) / 1000));
  const at = new Date(lockedUntil).toISOString().replace(/\.\d{3}Z$/, 'Z').replace('T', ' ').replace('Z', ' UTC');
  const wait = secs < 120 ? `${secs} seconds` : `${Math.ceil(secs / 60)} minutes`;
  return `until ${at} (in about ${wait})`;
}

function lockedError(lockedUntil: number, now: number): PssoError {
  return new PssoError('user_locked', `locked ${formatUnlockTime(lockedUntil, now)}; try again then, or ask an administrator`,
    { lockedUntil, retryAfterSeconds: Math.max(1, Math.ceil((lockedUntil - now) / 1000)) });
}

/** The one place that shapes a "slow down" answer: 400 at a Mac's token endpoint, the usual 429 elsewhere. */
export function throttledError(surface: GuardSurface | 'admission', retryAfterMs: number, why = 'too many sign-in attempts'): PssoError {
  const retryAfterSeconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
  const name = surface === 'token_endpoint' ? 'sign_in_throttled' : 'rate_limited';
  return new PssoError(name, `${why}; try again in ${retryAfterSeconds} s`, { retryAfterSeconds });
}

/** An admitted attempt: report how the check went so the guard can count it. */
export interface GuardTicket {
  readonly familiar: boolean;
  /** The password work lane this attempt may use. */
  readonly lane: Lane;
  readonly slot: RequestSlot | undefined;
  /** Counts a failure; returns the lockout error when this failure locked the account. */
  failed(): Promise<PssoError | null>;
  /** Clears the failures of this account's class and remembers the network as familiar. */
  succeeded(): Promise<void>;
}

/** Stages 1 and 2: refuses a disabled or locked account, then takes the throttle tokens. */
export async function admit(ctx: AppContext, s: GuardSubject): Promise<GuardTicket> {
  const g = ctx.config.credentialGuard;
  const acct = accountKey(s.orgId, s.account);
  const net = networkOf(s.ipAddress);
  const refuse = (reason: string, e: PssoError): PssoError => {
    ctx.metrics.guardRefusals.inc({ reason, surface: s.surface });
    return e;
  };
  if (s.user && !s.user.enabled) throw refuse('disabled', new PssoError('user_disabled'));

  const [familiar, records] = await Promise.all([
    ctx.store.credentialGuard.isFamiliar(acct, net),
    ctx.store.lockouts.getMany([`${acct}#f`, `${acct}#u`]),
  ]);
  const lockoutKey = `${acct}#${familiar ? 'f' : 'u'}`;
  const now = ctx.clock.now();
  const record: LockoutRecord | undefined = records.find((r) => r.key === lockoutKey);
  if (record?.lockedUntil != null && record.lockedUntil > now) throw refuse('locked', lockedError(record.lockedUntil, now));

  if (s.guessable) {
    // A familiar network skips the source bucket: a second user on a Mac whose address is under
    // attack still gets in. The account bucket is per class for the same reason.
    const takes: Array<[string, ThrottleRule]> = [[`${lockoutKey}`, g.perAccount]];
    if (!familiar) takes.unshift([`src:${s.ipAddress.slice(0, 64)}`, g.perAddress]);
    for (const [key, rule] of takes) {
      const r = await ctx.store.credentialGuard.take(key, rule, now);
      if (!r.allowed) throw refuse('throttled', throttledError(s.surface, r.retryAfterMs));
    }
  }

  const hadFailures = (record?.failures ?? 0) > 0;
  return {
    familiar,
    lane: familiar ? 'priority' : 'normal',
    slot: s.slot,
    async failed() {
      const settings = await ctx.store.orgSettings.get(s.orgId).catch(() => null);
      const at = ctx.clock.now();
      const r = await ctx.store.lockouts.recordFailure(lockoutKey, at, {
        windowMs: g.lockoutWindowSeconds * 1000,
        threshold: settings?.lockoutThreshold ?? 10,
        lockMs: (settings?.lockoutSeconds ?? 60) * 1000,
        maxLockMs: Math.max(settings?.lockoutSeconds ?? 60, g.maxLockoutSeconds) * 1000,
      });
      return r.lockedUntil !== null && r.lockedUntil > at ? lockedError(r.lockedUntil, at) : null;
    },
    async succeeded() {
      // Writes only when something changes, so a steady stream of good sign-ins costs no writes.
      if (hadFailures) await ctx.store.lockouts.reset(lockoutKey);
      if (!familiar) await ctx.store.credentialGuard.markFamiliar(acct, net, ctx.clock.now());
    },
  };
}

/**
 * The whole guard around one check: `verify` resolves on a good secret and throws a bad-secret
 * error otherwise (which is counted, and may become the lockout error). Other errors pass through
 * uncounted.
 */
export async function guardSecret<T>(ctx: AppContext, s: GuardSubject, verify: (ticket: GuardTicket) => Promise<T>): Promise<T> {
  const ticket = await admit(ctx, s);
  let out: T;
  try {
    out = await verify(ticket);
  } catch (e) {
    if (isBadSecret(e)) throw (await ticket.failed()) ?? e;
    throw e;
  }
  await ticket.succeeded();
  return out;
}

/**
 * Runs an argon2id verification through the bounded queue, in the ticket's lane. It runs on the
 * thread pool, so the request gives up its admission slot while it waits and works.
 */
export function boundedVerify<T>(ctx: AppContext, ticket: GuardTicket, fn: () => Promise<T>): Promise<T> {
  return offEventLoop(ticket.slot, () => ctx.passwordWork.run(ticket.lane, fn));
}

/** An admin's unlock: clears both classes of the account's lockout. */
export async function unlockAccount(ctx: AppContext, orgId: string, account: string): Promise<void> {
  const acct = accountKey(orgId, account);
  await ctx.store.lockouts.reset(`${acct}#f`);
  await ctx.store.lockouts.reset(`${acct}#u`);
}

/** Everything the guard remembers of an account (locks, failure counts, familiar networks), for a deleted user. */
export async function forgetAccount(ctx: AppContext, orgId: string, account: string): Promise<void> {
  await unlockAccount(ctx, orgId, account);
  await ctx.store.credentialGuard.forgetAccount(accountKey(orgId, account));
}

/** The lock in force for an account, if any (either class), for admins and the doctor. */
export async function lockState(ctx: AppContext, orgId: string, account: string): Promise<LockoutRecord[]> {
  const acct = accountKey(orgId, account);
  return ctx.store.lockouts.getMany([`${acct}#f`, `${acct}#u`]);
}
