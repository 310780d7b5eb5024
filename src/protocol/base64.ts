// Strict base64 and base64url codecs plus kid canonicalisation (RFC 4648 §4/§5; psso-protocol.md §1 "Key ID").

import { PssoError } from '../errors/psso-error.js';

const B64U_RE = /^[A-Za-z0-9_-]*$/;
const B64_RE = /^[A-Za-z0-9+/]*={0,2}$/;

/** base64url without padding, as every JWS/JWE segment, apu and apv use. */
export function b64uEncode(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64url');
}

/**
 * Decodes unpadded base64url. Node's own decoder silently skips bad characters, which would let two
 * different strings stand for the same bytes, so the alphabet, the length and the canonical form are
 * all checked here.
 */
export function b64uDecode(s: string): Buffer {
  if (typeof s !== 'string' || !B64U_RE.test(s) || s.length % 4 === 1) {
    throw new PssoError('malformed_base64', 'not unpadded base64url');
  }
  const out = Buffer.from(s, 'base64url');
  // Non-zero trailing bits would decode to the same bytes as the canonical string: refuse them.
  if (out.toString('base64url') !== s) throw new PssoError('malformed_base64', 'non-canonical base64url');
  return out;
}

/** Standard base64 with padding (kids, other_publickey, key, key_context). */
export function b64Encode(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64');
}

/** Decodes standard base64, padded or not; anything else (url alphabet, bad padding, junk) throws. */
export function b64Decode(s: string): Buffer {
  if (typeof s !== 'string' || !B64_RE.test(s)) throw new PssoError('malformed_base64', 'not standard base64');
  const body = s.replace(/=+$/, '');
  if (body.length % 4 === 1) throw new PssoError('malformed_base64', 'impossible base64 length');
  // Padding, when present, must be exactly what the body length calls for.
  if (body.length !== s.length && s.length % 4 !== 0) throw new PssoError('malformed_base64', 'bad base64 padding');
  const out = Buffer.from(body, 'base64');
  if (out.toString('base64').replace(/=+$/, '') !== body) {
    throw new PssoError('malformed_base64', 'non-canonical base64');
  }
  return out;
}

/** Decodes either alphabet, with or without padding; for lenient inputs such as admin-pasted keys. */
export function decodeAnyBase64(s: string): Buffer {
  const mapped = s.replace(/-/g, '+').replace(/_/g, '/');
  return b64Decode(mapped);
}

/**
 * Brings a kid to its one canonical spelling: standard padded base64 of 32 bytes. Extensions upload
 * kids as base64url without padding (FLEET) while headers carry padded standard base64, so both must
 * name the same device. Returns null when the value is not 32 bytes of base64 in either alphabet.
 */
export function canonicaliseKid(kid: string): string | null {
  if (typeof kid !== 'string' || kid.length === 0) return null;
  try {
    const bytes = decodeAnyBase64(kid.replace(/=+$/, ''));
    return bytes.length === 32 ? bytes.toString('base64') : null;
  } catch {
    return null;
  }
}
