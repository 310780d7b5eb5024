// Compact JWS parse, verify and sign for ES256/ES384/RS256/RS384/RS512 (RFC 7515 §3.1, §5; RFC 7518 §3.3-3.4).

import { sign, verify, type KeyObject } from 'node:crypto';
import { PssoError } from '../errors/psso-error.js';
import { appleStringify } from './apple-json.js';
import { b64uDecode, b64uEncode } from './base64.js';

export type JwsAlg = 'ES256' | 'ES384' | 'RS256' | 'RS384' | 'RS512';

export interface ParsedJws {
  headerB64: string;
  payloadB64: string;
  signature: Buffer;
  /** ASCII "header.payload" exactly as received: signatures are checked over these bytes, never re-serialised JSON. */
  signingInput: string;
  headerJson: string;
  claimsJson: string;
  header: Record<string, unknown>;
  claims: Record<string, unknown>;
}

const HASH: Record<JwsAlg, string> = { ES256: 'sha256', ES384: 'sha384', RS256: 'sha256', RS384: 'sha384', RS512: 'sha512' };
// JOSE ECDSA signatures are raw r||s of fixed width, not DER (RFC 7518 §3.4).
const EC_SIG_LEN: Partial<Record<JwsAlg, number>> = { ES256: 64, ES384: 96 };
const EC_CURVE: Partial<Record<JwsAlg, string>> = { ES256: 'prime256v1', ES384: 'secp384r1' };

function decodeJsonObject(b64: string, what: string): { json: string; value: Record<string, unknown> } {
  let json: string;
  let value: unknown;
  try {
    json = new TextDecoder('utf-8', { fatal: true }).decode(b64uDecode(b64));
    value = JSON.parse(json);
  } catch {
    throw new PssoError('malformed_jws', `${what} is not base64url JSON`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new PssoError('malformed_jws', `${what} is not a JSON object`);
  }
  return { json, value: value as Record<string, unknown> };
}

export function parseCompactJws(token: string): ParsedJws {
  const parts = typeof token === 'string' ? token.split('.') : [];
  if (parts.length !== 3) throw new PssoError('malformed_jws', 'a compact JWS has three segments');
  const [headerB64, payloadB64, sigB64] = parts as [string, string, string];
  const h = decodeJsonObject(headerB64, 'JWS header');
  const c = decodeJsonObject(payloadB64, 'JWS payload');
  let signature: Buffer;
  try {
    signature = b64uDecode(sigB64);
  } catch {
    throw new PssoError('malformed_jws', 'JWS signature is not base64url');
  }
  return {
    headerB64,
    payloadB64,
    signature,
    signingInput: `${headerB64}.${payloadB64}`,
    headerJson: h.json,
    claimsJson: c.json,
    header: h.value,
    claims: c.value,
  };
}

/** True when the key's type fits the algorithm, so an RSA key never checks an "ES256" token and so on. */
function keyFitsAlg(key: KeyObject, alg: JwsAlg): boolean {
  if (alg.startsWith('RS')) return key.asymmetricKeyType === 'rsa';
  return key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === EC_CURVE[alg];
}

/** Verifies with the algorithm the caller pins; the header must name that same algorithm. */
export function verifyJwsSignature(p: ParsedJws, key: KeyObject, alg: JwsAlg): boolean {
  if (p.header.alg !== alg || !(alg in HASH) || !keyFitsAlg(key, alg)) return false;
  const ecLen = EC_SIG_LEN[alg];
  if (ecLen !== undefined && p.signature.length !== ecLen) return false;
  try {
    const input = Buffer.from(p.signingInput, 'ascii');
    if (ecLen !== undefined) return verify(HASH[alg], input, { key, dsaEncoding: 'ieee-p1363' }, p.signature);
    return verify(HASH[alg], input, key, p.signature);
  } catch {
    return false;
  }
}

/** Signs with header.alg; 'apple' style pretty-prints header and claims the way macOS does. */
export function signCompactJws(header: object, claims: object, key: KeyObject, style: 'apple' | 'compact' = 'compact'): string {
  const alg = (header as { alg?: unknown }).alg as JwsAlg;
  if (!(alg in HASH)) throw new PssoError('unsupported_algorithm', `cannot sign with ${String(alg)}`);
  if (!keyFitsAlg(key, alg)) throw new PssoError('internal_error', `key does not fit ${alg}`);
  const write = style === 'apple' ? appleStringify : (v: unknown) => JSON.stringify(v);
  const input = `${b64uEncode(Buffer.from(write(header), 'utf8'))}.${b64uEncode(Buffer.from(write(claims), 'utf8'))}`;
  const data = Buffer.from(input, 'ascii');
  const sig = EC_SIG_LEN[alg] !== undefined
    ? sign(HASH[alg], data, { key, dsaEncoding: 'ieee-p1363' })
    : sign(HASH[alg], data, key);
  return `${input}.${b64uEncode(sig)}`;
}
