// TOTP (RFC 6238 over RFC 4226 HOTP): HMAC-SHA-1, 6 digits, 30-second steps, ±1 step window, reuse refused.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { base32Decode, base32Encode } from './base32.js';

export const TOTP_PERIOD_SECONDS = 30;
export const TOTP_DIGITS = 6;
/** Steps accepted either side of now: one step absorbs typical phone clock drift and typing time. */
export const TOTP_WINDOW = 1;

/** 20 random bytes (160 bits, RFC 4226 §4's recommended length for SHA-1), base32-encoded. */
export function generateTotpSecret(): string {
  return base32Encode(randomBytes(20));
}

function secretBytes(secret: string | Uint8Array): Uint8Array {
  if (typeof secret !== 'string') return secret;
  const bytes = base32Decode(secret);
  if (bytes === null || bytes.length === 0) throw new TypeError('TOTP secret is not valid base32');
  return bytes;
}

/** The time step number for epoch seconds t (RFC 6238 §4.2, T0 = 0). */
export function totpStep(t: number): number {
  return Math.floor(t / TOTP_PERIOD_SECONDS);
}

/** RFC 4226 §5.3: HMAC over the 8-byte big-endian counter, dynamic truncation, modulo 10^digits. */
export function hotp(secret: string | Uint8Array, counter: number, digits = TOTP_DIGITS): string {
  const msg = Buffer.alloc(8);
  msg.writeBigUInt64BE(BigInt(counter));
  const mac = createHmac('sha1', secretBytes(secret)).update(msg).digest();
  const offset = mac[mac.length - 1]! & 0x0f;
  const bin = (mac.readUInt32BE(offset) & 0x7fffffff) % 10 ** digits;
  return bin.toString().padStart(digits, '0');
}

/** The code for epoch seconds t. Secret: base32 text or raw bytes. */
export function totpAt(secret: string | Uint8Array, t: number, digits = TOTP_DIGITS): string {
  return hotp(secret, totpStep(t), digits);
}

export type TotpVerification =
  | { ok: true; step: number }
  | { ok: false; reason: 'malformed' | 'invalid' | 'reused' };

/**
 * Checks a typed code against the steps around now. Returns the matched step, which the caller
 * stores and passes back as lastUsedStep, so a code (or an older one) cannot be replayed.
 */
export function verifyTotp(secret: string | Uint8Array, code: string, now: number, lastUsedStep?: number): TotpVerification {
  const typed = code.replace(/\s/g, '');
  if (!new RegExp(`^[0-9]{${TOTP_DIGITS}}$`).test(typed)) return { ok: false, reason: 'malformed' };
  const current = totpStep(now);
  let reused = false;
  for (let step = current - TOTP_WINDOW; step <= current + TOTP_WINDOW; step++) {
    const expected = hotp(secret, step);
    if (!timingSafeEqual(Buffer.from(expected), Buffer.from(typed))) continue;
    if (lastUsedStep !== undefined && step <= lastUsedStep) {
      reused = true;
      continue;
    }
    return { ok: true, step };
  }
  return { ok: false, reason: reused ? 'reused' : 'invalid' };
}

/** Key URI for authenticator apps (Google Authenticator "Key Uri Format"); label is "issuer:account". */
export function otpauthUri(opts: { secret: string; accountName: string; issuer: string }): string {
  const label = `${encodeURIComponent(opts.issuer)}:${encodeURIComponent(opts.accountName)}`;
  const params = new URLSearchParams({
    secret: opts.secret.replace(/=+$/, ''),
    issuer: opts.issuer,
    algorithm: 'SHA1',
    digits: String(TOTP_DIGITS),
    period: String(TOTP_PERIOD_SECONDS),
  });
  // URLSearchParams encodes spaces as '+', which some authenticator apps show literally.
  return `otpauth://totp/${label}?${params.toString().replace(/\+/g, '%20')}`;
}
