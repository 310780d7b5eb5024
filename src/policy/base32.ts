// RFC 4648 §6 base32 (upper-case alphabet, no padding on output), as used by otpauth:// TOTP secrets.

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

export function base32Encode(bytes: Uint8Array): string {
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (const b of bytes) {
    buffer = (buffer << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(buffer >>> (bits - 5)) & 31];
      bits -= 5;
    }
    buffer &= (1 << bits) - 1; // keep only the unread bits so the accumulator never overflows
  }
  if (bits > 0) out += ALPHABET[(buffer << (5 - bits)) & 31];
  return out;
}

/**
 * Decodes base32 as people type it from a screen: case, spaces, hyphens and trailing '=' padding are
 * tolerated. Returns null on any other character or on impossible lengths.
 */
export function base32Decode(text: string): Uint8Array | null {
  const s = text.replace(/[\s-]/g, '').replace(/=+$/, '').toUpperCase();
  // Lengths 1, 3 and 6 (mod 8) cannot come from whole bytes.
  if ([1, 3, 6].includes(s.length % 8)) return null;
  const out: number[] = [];
  let buffer = 0;
  let bits = 0;
  for (const ch of s) {
    const v = ALPHABET.indexOf(ch);
    if (v < 0) return null;
    buffer = (buffer << 5) | v;
    bits += 5;
    if (bits >= 8) {
      out.push((buffer >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
    buffer &= (1 << bits) - 1;
  }
  return Uint8Array.from(out);
}
