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

export interface TemporaryAccessPassRecord {
  /** Hex SHA-256 of the normalised code; the code itself is shown once and never stored. */
  codeHash: string;
  /** Epoch seconds. */
  createdAt: number;
  startAt: number;
  lifetimeInMinutes: number;
  isUsableOnce: boolean;
  /** Epoch seconds of the first successful use, or null. */
  usedAt: number | null;
}

/** Graph's methodUsabilityReason values for a pass that cannot be used. */
export type TapUnusableReason = 'Expired' | 'NotYetValid' | 'OneTimeUsed';

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
}): { code: string; record: TemporaryAccessPassRecord } {
  const lifetime = opts.lifetimeInMinutes ?? TAP_DEFAULT_LIFETIME_MINUTES;
  if (!Number.isInteger(lifetime) || lifetime < TAP_MIN_LIFETIME_MINUTES || lifetime > TAP_MAX_LIFETIME_MINUTES) {
    throw new RangeError(`lifetimeInMinutes must be an integer from ${TAP_MIN_LIFETIME_MINUTES} to ${TAP_MAX_LIFETIME_MINUTES}`);
  }
  const code = generateTemporaryAccessPass();
  return {
    code,
    record: {
      codeHash: hashTemporaryAccessPass(code),
      createdAt: opts.now,
      startAt: opts.startAt ?? opts.now,
      lifetimeInMinutes: lifetime,
      isUsableOnce: opts.isUsableOnce ?? true,
      usedAt: null,
    },
  };
}

/** Graph's isUsable/methodUsabilityReason for a stored pass at time now. */
export function temporaryAccessPassUsability(record: TemporaryAccessPassRecord, now: number):
  { isUsable: true } | { isUsable: false; reason: TapUnusableReason } {
  if (now < record.startAt) return { isUsable: false, reason: 'NotYetValid' };
  if (now >= record.startAt + record.lifetimeInMinutes * 60) return { isUsable: false, reason: 'Expired' };
  if (record.isUsableOnce && record.usedAt !== null) return { isUsable: false, reason: 'OneTimeUsed' };
  return { isUsable: true };
}

export type TapCheck = { ok: true } | { ok: false; reason: 'invalid' | TapUnusableReason };

/**
 * Checks a typed code. The code is compared first so that a wrong guess learns nothing about the
 * pass's state. On ok, the caller marks a one-time pass used with an atomic conditional update
 * (usedAt IS NULL), which is what actually stops two concurrent uses.
 */
export function checkTemporaryAccessPass(record: TemporaryAccessPassRecord, code: string, now: number): TapCheck {
  const typed = Buffer.from(hashTemporaryAccessPass(code), 'hex');
  const stored = Buffer.from(record.codeHash, 'hex');
  if (stored.length !== typed.length || !timingSafeEqual(stored, typed)) return { ok: false, reason: 'invalid' };
  const u = temporaryAccessPassUsability(record, now);
  return u.isUsable ? { ok: true } : { ok: false, reason: u.reason };
}
