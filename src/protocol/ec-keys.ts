// P-256 key conversions between ANSI X9.63 points, JWK, PEM SPKI and kids (psso-protocol.md §1, §2.4; SEC 1 §2.3.3).

import { createECDH, createHash, createPrivateKey, createPublicKey, type JsonWebKey, type KeyObject } from 'node:crypto';
import { PssoError } from '../errors/psso-error.js';
import { b64Encode, b64uDecode, b64uEncode, decodeAnyBase64 } from './base64.js';

/** A 65-byte uncompressed P-256 point, 0x04 || X || Y, as SecKeyCopyExternalRepresentation gives it. */
export type X963 = Buffer;

export interface EcPublicJwk {
  kty: 'EC';
  crv: 'P-256';
  x: string;
  y: string;
}

// DER prefix of a P-256 SubjectPublicKeyInfo; the 65-byte point follows it.
const SPKI_P256_PREFIX = Buffer.from('3059301306072a8648ce3d020106082a8648ce3d030107034200', 'hex');

/** Builds a public KeyObject from a raw point; OpenSSL rejects points that are not on the curve. */
export function publicKeyFromX963(x: Uint8Array): KeyObject {
  if (x.length !== 65 || x[0] !== 0x04) throw new PssoError('bad_public_key', 'not a 65-byte uncompressed point');
  try {
    return createPublicKey({ key: Buffer.concat([SPKI_P256_PREFIX, x]), format: 'der', type: 'spki' });
  } catch {
    throw new PssoError('bad_public_key', 'point is not on P-256');
  }
}

export function x963FromPublicKey(k: KeyObject): Buffer {
  const jwk = (k.type === 'private' ? createPublicKey(k) : k).export({ format: 'jwk' });
  if (jwk.kty !== 'EC' || jwk.crv !== 'P-256' || !jwk.x || !jwk.y) {
    throw new PssoError('bad_public_key', 'not a P-256 key');
  }
  return Buffer.concat([Buffer.from([4]), Buffer.from(jwk.x, 'base64url'), Buffer.from(jwk.y, 'base64url')]);
}

export function x963FromJwk(jwk: { kty?: unknown; crv?: unknown; x?: unknown; y?: unknown }): Buffer {
  if (jwk.kty !== 'EC' || jwk.crv !== 'P-256' || typeof jwk.x !== 'string' || typeof jwk.y !== 'string') {
    throw new PssoError('bad_public_key', 'JWK is not an EC P-256 key');
  }
  let x: Buffer;
  let y: Buffer;
  try {
    x = b64uDecode(jwk.x);
    y = b64uDecode(jwk.y);
  } catch {
    throw new PssoError('bad_public_key', 'JWK coordinates are not base64url');
  }
  if (x.length !== 32 || y.length !== 32) throw new PssoError('bad_public_key', 'JWK coordinates must be 32 bytes');
  const point = Buffer.concat([Buffer.from([4]), x, y]);
  publicKeyFromX963(point);
  return point;
}

export function jwkFromX963(x: Uint8Array): EcPublicJwk {
  if (x.length !== 65 || x[0] !== 0x04) throw new PssoError('bad_public_key', 'not a 65-byte uncompressed point');
  return { kty: 'EC', crv: 'P-256', x: b64uEncode(x.subarray(1, 33)), y: b64uEncode(x.subarray(33, 65)) };
}

/** A raw point if the bytes are one, else an SPKI DER structure; both shapes occur at registration. */
function x963FromBytes(bytes: Buffer): Buffer {
  if (bytes.length === 65 && bytes[0] === 0x04) {
    publicKeyFromX963(bytes);
    return bytes;
  }
  try {
    return x963FromPublicKey(createPublicKey({ key: bytes, format: 'der', type: 'spki' }));
  } catch {
    throw new PssoError('bad_public_key', 'neither a raw point nor a P-256 SPKI');
  }
}

/**
 * Accepts every spelling of a device key seen in vendor registration calls (§2.4): PEM SPKI, a PEM
 * label around a raw point (FLEET), base64 or base64url of a raw point (KC) or of DER SPKI, or a JWK.
 */
export function parsePublicKeyInput(input: string): Buffer {
  const text = typeof input === 'string' ? input.trim() : '';
  if (text.startsWith('{')) {
    try {
      return x963FromJwk(JSON.parse(text) as Record<string, unknown>);
    } catch (e) {
      if (e instanceof PssoError) throw e;
      throw new PssoError('bad_public_key', 'not a JSON Web Key');
    }
  }
  const pem = /^-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----$/.exec(text);
  if (text.startsWith('-----') && !pem) throw new PssoError('bad_public_key', 'broken PEM armour');
  const body = (pem ? pem[2]! : text).replace(/\s+/g, '');
  let bytes: Buffer;
  try {
    bytes = decodeAnyBase64(body);
  } catch {
    throw new PssoError('bad_public_key', 'key is not base64');
  }
  return x963FromBytes(bytes);
}

export function pemFromX963(x: Uint8Array): string {
  return publicKeyFromX963(x).export({ format: 'pem', type: 'spki' }).toString();
}

/** kid = standard padded base64 of SHA-256 over the X9.63 point (Apple "creating a login request"). */
export function kidFromX963(x: Uint8Array): string {
  return b64Encode(createHash('sha256').update(x).digest());
}

/**
 * A fresh P-256 key pair. Made with createECDH and imported as JWK rather than with
 * generateKeyPairSync: on Node 20, garbage-collecting the KeyGenJob behind a generated key while
 * that key is being exported takes a mutex the export already holds, and the process hangs for
 * good (seen under load on the token endpoint: main thread in ~KeyGenJob -> uv_mutex_lock, called
 * from ExportJWK). This path never creates a KeyGenJob.
 */
export function generateP256(): { privateKey: KeyObject; publicKey: KeyObject; x963: Buffer } {
  const ecdh = createECDH('prime256v1');
  const x963 = ecdh.generateKeys();
  // getPrivateKey drops leading zero bytes; a JWK `d` must be exactly 32 bytes.
  const d = Buffer.alloc(32);
  const raw = ecdh.getPrivateKey();
  raw.copy(d, 32 - raw.length);
  const privateKey = createPrivateKey({
    key: { kty: 'EC', crv: 'P-256', d: d.toString('base64url'), x: x963.subarray(1, 33).toString('base64url'), y: x963.subarray(33).toString('base64url') },
    format: 'jwk',
  });
  return { privateKey, publicKey: createPublicKey(privateKey), x963 };
}

/** Private key from a JWK with `d` (EC as in Apple's vector; RSA works too, for test IdP keys). */
export function privateKeyFromJwk(jwk: { kty: string; d?: string; [member: string]: unknown }): KeyObject {
  if (typeof jwk.d !== 'string') throw new PssoError('bad_public_key', 'JWK has no private part');
  try {
    return createPrivateKey({ key: jwk as JsonWebKey, format: 'jwk' });
  } catch {
    throw new PssoError('bad_public_key', 'invalid private JWK');
  }
}
