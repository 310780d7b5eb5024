// Concat KDF for ECDH-ES direct key agreement with A256GCM: one SHA-256 round (RFC 7518 §4.6.2, NIST SP 800-56A §5.8.1).

import { createHash } from 'node:crypto';

function lengthPrefixed(b: Uint8Array): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(b.length);
  return Buffer.concat([len, b]);
}

/**
 * 00000001 || Z || len||"A256GCM" || len||apu || len||apv || 00000100. apu and apv are the raw
 * decoded party infos, each length-prefixed again as a whole (Apple prints 0000004E / 00000076).
 */
export function concatKdfInput(z: Buffer, enc: 'A256GCM', apu: Buffer, apv: Buffer): Buffer {
  const counter = Buffer.from([0, 0, 0, 1]);
  const suppPubInfo = Buffer.alloc(4);
  suppPubInfo.writeUInt32BE(256); // key length in bits; SuppPrivInfo is empty
  return Buffer.concat([
    counter,
    z,
    lengthPrefixed(Buffer.from(enc, 'ascii')),
    lengthPrefixed(apu),
    lengthPrefixed(apv),
    suppPubInfo,
  ]);
}

/** A 256-bit key needs exactly one SHA-256 round, so the CEK is the hash of the input. */
export function deriveCek(z: Buffer, enc: 'A256GCM', apu: Buffer, apv: Buffer): Buffer {
  return createHash('sha256').update(concatKdfInput(z, enc, apu, apv)).digest();
}
