// Compact JWE with ECDH-ES direct key agreement and A256GCM, as PSSO responses and encrypted assertions use (RFC 7516 §5, RFC 7518 §4.6; Apple "Creating a JWE login response").

import { createCipheriv, createDecipheriv, createECDH, createHash, diffieHellman, randomBytes, KeyObject } from 'node:crypto';
import { PssoError } from '../errors/psso-error.js';
import { appleStringify } from './apple-json.js';
import { b64uDecode, b64uEncode } from './base64.js';
import { concatKdfInput } from './concat-kdf.js';
import { jwkFromX963, publicKeyFromX963, x963FromJwk, x963FromPublicKey } from './ec-keys.js';
import { buildApu, parseApu } from './party-info.js';

export interface EncryptJweOptions {
  /** X9.63 point, or an already imported public key (the server caches device keys). */
  recipient: Uint8Array | KeyObject;
  plaintext: Uint8Array | string;
  typ?: string;
  kid?: string;
  apv?: Uint8Array;
  /** Exact header JSON to send (tests reproduce Apple's bytes); must name `ephemeral` in epk and apu. */
  headerJson?: string;
  headerStyle?: 'apple' | 'compact';
  ephemeral?: KeyObject;
  iv?: Buffer;
}

export interface DecryptedJwe {
  header: Record<string, unknown>;
  headerJson: string;
  plaintext: Buffer;
  apu: Buffer;
  /** The apv carried in the header, or null when the header has none (Apple's vector). */
  apv: Buffer | null;
  epkX963: Buffer;
  intermediates: { z: Buffer; kdfInput: Buffer; cek: Buffer };
}

export interface DecryptJweOptions {
  /** PartyVInfo for the KDF when the header carries no apv: the device's own copy from its request. */
  apv?: Uint8Array;
  /** 'APPLE' (default) requires apu = "APPLE"||epk; 'any' reads the label but still pins the key. */
  apuLabel?: 'APPLE' | 'any';
}

function parseObject(json: string, code: 'malformed_jws' | 'internal_error'): Record<string, unknown> {
  let v: unknown;
  try {
    v = JSON.parse(json);
  } catch {
    throw new PssoError(code, 'JWE header is not JSON');
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new PssoError(code, 'JWE header is not an object');
  return v as Record<string, unknown>;
}

/** Checks a caller-supplied header names the ephemeral key it will be encrypted with; returns its apv. */
function checkGivenHeader(header: Record<string, unknown>, epkX963: Buffer, apu: Buffer): Buffer | undefined {
  const epk = header.epk as Record<string, unknown> | undefined;
  if (header.alg !== 'ECDH-ES' || header.enc !== 'A256GCM' || !epk || !x963FromJwk(epk).equals(epkX963)) {
    throw new PssoError('internal_error', 'headerJson does not carry the ephemeral key as ECDH-ES/A256GCM epk');
  }
  if (typeof header.apu !== 'string' || !b64uDecode(header.apu).equals(apu)) {
    throw new PssoError('internal_error', 'headerJson apu does not match its epk');
  }
  return typeof header.apv === 'string' ? b64uDecode(header.apv) : undefined;
}

/**
 * Z for the response: with a fixed ephemeral key (tests, Apple's vector) through KeyObjects; otherwise
 * a one-off ECDH on raw points, which never builds a KeyObject for a key used once (cheaper, and it
 * stays clear of the Node 20 key-generation deadlock described at generateP256).
 */
function agree(recipient: Uint8Array | KeyObject, ephemeral: KeyObject | undefined): { z: Buffer; epkX963: Buffer } {
  if (ephemeral) {
    const recipientKey = recipient instanceof KeyObject ? recipient : publicKeyFromX963(recipient);
    return { z: diffieHellman({ privateKey: ephemeral, publicKey: recipientKey }), epkX963: x963FromPublicKey(ephemeral) };
  }
  const point = recipient instanceof KeyObject ? x963FromPublicKey(recipient) : Buffer.from(recipient);
  const ecdh = createECDH('prime256v1');
  const epkX963 = ecdh.generateKeys();
  try {
    return { z: ecdh.computeSecret(point), epkX963 };
  } catch {
    throw new PssoError('bad_public_key', 'recipient is not a valid P-256 point');
  }
}

export function encryptCompactJwe(opts: EncryptJweOptions): string {
  const { z, epkX963 } = agree(opts.recipient, opts.ephemeral);
  const apu = buildApu(epkX963);
  let headerJson: string;
  let apv: Buffer;
  if (opts.headerJson !== undefined) {
    headerJson = opts.headerJson;
    const headerApv = checkGivenHeader(parseObject(headerJson, 'internal_error'), epkX963, apu);
    if (headerApv && opts.apv && !headerApv.equals(Buffer.from(opts.apv))) {
      throw new PssoError('internal_error', 'headerJson apv differs from opts.apv');
    }
    // Apple's own response omits apv from the header yet still mixes the request's apv into the KDF.
    apv = headerApv ?? Buffer.from(opts.apv ?? []);
  } else {
    apv = Buffer.from(opts.apv ?? []);
    const header: Record<string, unknown> = { alg: 'ECDH-ES', enc: 'A256GCM', epk: jwkFromX963(epkX963), apu: b64uEncode(apu) };
    if (opts.apv) header.apv = b64uEncode(opts.apv);
    if (opts.typ !== undefined) header.typ = opts.typ;
    if (opts.kid !== undefined) header.kid = opts.kid;
    headerJson = opts.headerStyle === 'apple' ? appleStringify(header) : JSON.stringify(header);
  }
  const headerB64 = b64uEncode(Buffer.from(headerJson, 'utf8'));
  const cek = createHash('sha256').update(concatKdfInput(z, 'A256GCM', apu, apv)).digest();
  const iv = opts.iv ?? randomBytes(12);
  if (iv.length < 12) throw new PssoError('internal_error', 'GCM IV shorter than 96 bits');
  const cipher = createCipheriv('aes-256-gcm', cek, iv, { authTagLength: 16 });
  cipher.setAAD(Buffer.from(headerB64, 'ascii'));
  const pt = typeof opts.plaintext === 'string' ? Buffer.from(opts.plaintext, 'utf8') : opts.plaintext;
  const ct = Buffer.concat([cipher.update(pt), cipher.final()]);
  return [headerB64, '', b64uEncode(iv), b64uEncode(ct), b64uEncode(cipher.getAuthTag())].join('.');
}

function decodeSegment(s: string, what: string): Buffer {
  try {
    return b64uDecode(s);
  } catch {
    throw new PssoError('malformed_jws', `JWE ${what} is not base64url`);
  }
}

/** Decrypts fail-closed: every header field that selects the crypto is pinned before any maths. */
export function decryptCompactJwe(jwe: string, recipientPrivateKey: KeyObject, opts: DecryptJweOptions = {}): DecryptedJwe {
  const parts = typeof jwe === 'string' ? jwe.split('.') : [];
  if (parts.length !== 5) throw new PssoError('malformed_jws', 'a compact JWE has five segments');
  const [headerB64, encKey, ivB64, ctB64, tagB64] = parts as [string, string, string, string, string];
  const headerBytes = decodeSegment(headerB64, 'header');
  let headerJson: string;
  try {
    headerJson = new TextDecoder('utf-8', { fatal: true }).decode(headerBytes);
  } catch {
    throw new PssoError('malformed_jws', 'JWE header is not UTF-8');
  }
  const header = parseObject(headerJson, 'malformed_jws');
  if (header.alg !== 'ECDH-ES' || header.enc !== 'A256GCM') {
    throw new PssoError('unsupported_jwe_crypto', `JWE alg/enc ${String(header.alg)}/${String(header.enc)}`);
  }
  if (header.zip !== undefined || header.crit !== undefined) throw new PssoError('unsupported_jwe_crypto', 'zip/crit not supported');
  if (encKey !== '') throw new PssoError('malformed_jws', 'ECDH-ES direct agreement has an empty encrypted key');
  if (typeof header.epk !== 'object' || header.epk === null) throw new PssoError('malformed_jws', 'JWE header has no epk');
  const epkX963 = x963FromJwk(header.epk as Record<string, unknown>);
  if (typeof header.apu !== 'string') throw new PssoError('apv_mismatch', 'JWE header has no apu');
  const apu = decodeSegment(header.apu, 'apu');
  const apuFields = parseApu(apu);
  // The device recomputes apu from the epk; a server that sends anything else is broken or hostile.
  if (!apuFields.key.equals(epkX963) || ((opts.apuLabel ?? 'APPLE') === 'APPLE' && apuFields.label !== 'APPLE')) {
    throw new PssoError('apv_mismatch', 'apu does not embed the epk as APPLE||epk');
  }
  let headerApv: Buffer | null = null;
  if (header.apv !== undefined) {
    if (typeof header.apv !== 'string') throw new PssoError('malformed_jws', 'JWE apv is not a string');
    headerApv = decodeSegment(header.apv, 'apv');
  }
  const iv = decodeSegment(ivB64, 'IV');
  const ct = decodeSegment(ctB64, 'ciphertext');
  const tag = decodeSegment(tagB64, 'tag');
  if (iv.length < 12) throw new PssoError('malformed_jws', 'GCM IV shorter than 96 bits');
  if (tag.length !== 16) throw new PssoError('malformed_jws', 'GCM tag must be 16 bytes');
  let z: Buffer;
  try {
    z = diffieHellman({ privateKey: recipientPrivateKey, publicKey: publicKeyFromX963(epkX963) });
  } catch {
    throw new PssoError('bad_public_key', 'ECDH with the recipient key failed (not P-256?)');
  }
  const kdfInput = concatKdfInput(z, 'A256GCM', apu, headerApv ?? Buffer.from(opts.apv ?? []));
  const cek = createHash('sha256').update(kdfInput).digest();
  let plaintext: Buffer;
  try {
    const decipher = createDecipheriv('aes-256-gcm', cek, iv, { authTagLength: 16 });
    decipher.setAAD(Buffer.from(headerB64, 'ascii'));
    decipher.setAuthTag(tag);
    plaintext = Buffer.concat([decipher.update(ct), decipher.final()]);
  } catch {
    throw new PssoError('malformed_jws', 'JWE authentication failed (wrong key, apv or tampered)');
  }
  return { header, headerJson, plaintext, apu, apv: headerApv, epkX963, intermediates: { z, kdfInput, cek } };
}

/** For encrypted embedded assertions: the apu label is read, not pinned to APPLE; its key still must be the epk. */
export function decryptEmbeddedJwe(jwe: string, recipientPrivateKey: KeyObject, opts: DecryptJweOptions = {}): DecryptedJwe {
  return decryptCompactJwe(jwe, recipientPrivateKey, { ...opts, apuLabel: 'any' });
}
