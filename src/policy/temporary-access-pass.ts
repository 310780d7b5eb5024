// Temporary access pass (after Graph's temporaryAccessPassAuthenticationMethod): a typeable one-time or time-boxed code, stored only as a hash.
import { createHash, randomInt, timingSafeEqual } from 'node:crypto';

/** No 0/O, 1/I/L or U/V look-alikes, so a code read over the phone is typed right the first time. */
export const TAP_ALPHABET = '23456789ABCDEFGHJKMNPQRSTWXYZ';
/** 12 symbols of 29: about 58 bits, ample for a short-lived code behind rate limits. */
export const TAP_LENGTH = 12;
/** Entra's limits: 10 minutes to 30 days, default one hour. */
export const TAP_MIN_LIFETIME_MINUTES = 10;
export const TAP_MAX_LIFETIME_MINUTES = 43200;
export const TAP_DEFAULT_LIFETIME_MINUTES = 60;

/**
 * What the check needs from a stored pass, in epoch seconds (the storage port keeps milliseconds;
 * the app converts at the edge). Named apart from the storage record on purpose.
 */
export interface TemporaryAccessPassState {
  /** Hex SHA-256 of the normalised code; the code itself is shown once and never stored. */
  codeHash: string;
  createdAt: number;
  startAt: number;
  expiresAt: number;
  isUsableOnce: boolean;
  /** First successful use, or null. */
  usedAt: number | null;
  revokedAt?: number | null;
}

/** Graph's methodUsabilityReason values for a pass that cannot be used. */
/** Graph's values, plus 'Revoked' for a pass an admin withdrew (Graph deletes those outright). */
export type TapUnusableReason = 'Expired' | 'NotYetValid' | 'OneTimeUsed' | 'Revoked';

/** Upper-cases and drops separators, so 'abcd-efgh jkmn' and 'ABCDEFGHJKMN' are the same code. */
export function normalizeTemporaryAccessPass(code: string): string {
  return code.replace(/[\s-]/g, '').toUpperCase();
}

export function hashTemporaryAccessPass(code: string): string {
  return createHash('sha256').update(normalizeTemporaryAccessPass(code)).digest('hex');
}

/** A random code shown in groups of four: 'K7PQ-3MXC-9TRW'. */
export function generateTemporaryAccessPass(length = TAP_LENGTH): string {
  let raw = '';
  for (let i = 0; i < length; i++) raw += TAP_ALPHABET[randomInt(TAP_ALPHABET.length)];
  return raw.match(/.{1,4}/g)!.join('-');
}

export function createTemporaryAccessPass(opts: {
  now: number;
  startAt?: number;
  lifetimeInMinutes?: number;
  isUsableOnce?: boolean;
}): { code: string; record: TemporaryAccessPassState } {
  const lifetime = opts.lifetimeInMinutes ?? TAP_DEFAULT_LIFETIME_MINUTES;
  if (!Number.isInteger(lifetime) || lifetime < TAP_MIN_LIFETIME_MINUTES || lifetime > TAP_MAX_LIFETIME_MINUTES) {
    throw new RangeError(`lifetimeInMinutes must be an integer from ${TAP_MIN_LIFETIME_MINUTES} to ${TAP_MAX_LIFETIME_MINUTES}`);
  }
  const code = generateTemporaryAccessPass();
  const startAt = opts.startAt ?? opts.now;
  return {
    code,
    record: {
      codeHash: hashTemporaryAccessPass(code),
      createdAt: opts.now,
      startAt,
      expiresAt: startAt + lifetime * 60,
      isUsableOnce: opts.isUsableOnce ?? true,
      usedAt: null,
      revokedAt: null,
    },
  };
}

/** Graph's isUsable/methodUsabilityReason for a stored pass at time now. */
export function temporaryAccessPassUsability(record: TemporaryAccessPassState, now: number):
  { isUsable: true } | { isUsable: false; reason: TapUnusableReason } {
  if (record.revokedAt !== undefined && record.revokedAt !== null) return { isUsable: false, reason: 'Revoked' };
  if (now < record.startAt) return { isUsable: false, reason: 'NotYetValid' };
  if (now >= record.expiresAt) return { isUsable: false, reason: 'Expired' };
  if (record.isUsableOnce && record.usedAt !== null) return { isUsable: false, reason: 'OneTimeUsed' };
  return { isUsable: true };
}

export type TapCheck = { ok: true } | { ok: false; reason: 'invalid' | TapUnusableReason };

/**
 * Checks a typed code. The code is compared first so that a wrong guess learns nothing about the
 * pass's state. On ok, the caller marks a one-time pass used with an atomic conditional update
 * (usedAt IS NULL), which is what actually stops two concurrent uses.
 */
export function checkTemporaryAccessPass(record: TemporaryAccessPassState, code: string, now: number): TapCheck {
  const typed = Buffer.from(hashTemporaryAccessPass(code), 'hex');
  const stored = Buffer.from(record.codeHash, 'hex');
  if (stored.length !== typed.length || !timingSafeEqual(stored, typed)) return { ok: false, reason: 'invalid' };
  const u = temporaryAccessPassUsability(record, now);
  return u.isUsable ? { ok: true } : { ok: false, reason: u.reason };
}
