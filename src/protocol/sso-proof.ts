// OpenPSSO's Platform SSO session proof (issue 9 item 3; docs/sso-from-the-mac.md): a compact JWS
// (RFC 7515) ES256 by the device signing key over a server nonce, bound to the user's refresh token by
// its SHA-256, carried on an app's authorize request in `Platform-SSO-Authorization: SSO-Proof <JWS>`.
// The virtual Mac's builder and the server's parser share this file, so a misreading cannot hide.

import { createHash, verify as cryptoVerify, type KeyObject } from 'node:crypto';
import { PssoError } from '../errors/psso-error.js';
import { b64uDecode, canonicaliseKid } from './base64.js';
import { numericDate } from './claims.js';
import { parseCompactJws, signCompactJws, type ParsedJws } from './jws.js';

export const SSO_PROOF_HEADER = 'platform-sso-authorization';
export const SSO_PROOF_SCHEME = 'SSO-Proof';
export const SSO_PROOF_TYP = 'platformsso-sso-proof+jwt';
/** A proof lives for one request: at most 5 minutes between iat and exp. */
export const SSO_PROOF_MAX_LIFETIME_SECONDS = 300;

/** base64url(SHA-256(refresh token)): names the token without revealing it. */
export function refreshTokenBinding(refreshToken: string): string {
  return createHash('sha256').update(refreshToken, 'utf8').digest('base64url');
}

export interface SsoProofInput {
  deviceSigningKey: KeyObject;
  /** The device signing kid as registered (standard base64 of SHA-256 of the X9.63 point). */
  kid: string;
  nonce: string;
  /** The issuer URL (the proof's aud). */
  issuer: string;
  username: string;
  refreshToken: string;
  /** Seconds since the epoch. */
  now: number;
  lifetimeSeconds?: number;
}

/** Builds the header value a Mac sends (the virtual Mac and extension authors' reference). */
export function buildSsoProof(i: SsoProofInput): string {
  const iat = Math.floor(i.now);
  const claims = {
    aud: i.issuer, sub: i.username, iat, exp: iat + (i.lifetimeSeconds ?? 60),
    request_nonce: i.nonce, rt_hash: refreshTokenBinding(i.refreshToken),
  };
  return `${SSO_PROOF_SCHEME} ${signCompactJws({ alg: 'ES256', typ: SSO_PROOF_TYP, kid: i.kid }, claims, i.deviceSigningKey)}`;
}

/** What a proof claims before anything is checked against the server's records. */
export interface ParsedSsoProof {
  jws: ParsedJws;
  /** Canonical device signing kid. */
  kid: string;
  nonce: string;
  iat: number;
  exp: number;
  aud: string;
  sub: string;
  /** SHA-256 of the refresh token, hex (as the refresh token store keeps it). */
  refreshTokenHash: string;
}

const malformed = (why: string) => new PssoError('sso_proof_malformed', why);

function stringClaim(c: Record<string, unknown>, name: string, max = 2048): string {
  const v = c[name];
  if (typeof v !== 'string' || v.length === 0) throw malformed(`claim ${name} missing or not a string`);
  if (v.length > max) throw malformed(`claim ${name} longer than ${max} characters`);
  return v;
}

/**
 * Reads the header value: one `SSO-Proof` credential (scheme case-insensitive, RFC 9110 §11.1),
 * alg ES256 and our typ, then the claims' shapes. Signature, times, audience and the records are
 * the caller's to check; alg is pinned here so none or HMAC never reach a key lookup.
 */
export function parseSsoProof(headerValue: string): ParsedSsoProof {
  const m = /^([A-Za-z0-9!#$%&'*+.^_`|~-]+) +([A-Za-z0-9_.-]+)$/.exec(headerValue.trim());
  if (!m) throw malformed(`expected "${SSO_PROOF_SCHEME} <compact JWS>"`);
  if (m[1]!.toLowerCase() !== SSO_PROOF_SCHEME.toLowerCase()) throw malformed(`scheme ${m[1]!.slice(0, 32)} is not ${SSO_PROOF_SCHEME}`);
  let jws: ParsedJws;
  try {
    jws = parseCompactJws(m[2]!);
  } catch (e) {
    throw malformed(e instanceof PssoError ? e.detail ?? e.message : 'not a compact JWS');
  }
  if (jws.header.alg !== 'ES256') throw new PssoError('unsupported_algorithm', `alg ${String(jws.header.alg).slice(0, 32)}`);
  if (jws.header.typ !== SSO_PROOF_TYP) throw malformed(`typ must be ${SSO_PROOF_TYP}`);
  if (jws.header.crit !== undefined) throw malformed('crit is not supported');
  const kid = typeof jws.header.kid === 'string' ? canonicaliseKid(jws.header.kid) : null;
  if (!kid) throw malformed('header kid missing or not a base64 SHA-256');
  const c = jws.claims;
  const iat = numericDate(c.iat);
  const exp = numericDate(c.exp);
  if (iat === undefined) throw malformed('claim iat missing or not a number');
  if (exp === undefined) throw malformed('claim exp missing or not a number');
  const rtHash = stringClaim(c, 'rt_hash', 64);
  let digest: Buffer;
  try {
    digest = b64uDecode(rtHash);
  } catch {
    throw malformed('claim rt_hash is not base64url');
  }
  if (digest.length !== 32) throw malformed('claim rt_hash is not a SHA-256 (32 bytes)');
  return {
    jws, kid, iat, exp,
    nonce: stringClaim(c, 'request_nonce', 256),
    aud: stringClaim(c, 'aud'),
    sub: stringClaim(c, 'sub', 256),
    refreshTokenHash: digest.toString('hex'),
  };
}

/**
 * The proof's time window against the server clock (seconds): exp after iat and at most 5 minutes
 * later, iat not ahead beyond the skew, exp not passed beyond it (exclusive, RFC 7519 §4.1.4).
 */
export function checkSsoProofTimes(t: { iat: number; exp: number }, now: number, skewSeconds: number): void {
  const bad = (why: string) => new PssoError('sso_proof_expired', why);
  if (t.exp <= t.iat) throw bad(`exp ${t.exp} is not after iat ${t.iat}`);
  if (t.exp - t.iat > SSO_PROOF_MAX_LIFETIME_SECONDS) throw bad(`exp - iat is ${t.exp - t.iat} s, at most ${SSO_PROOF_MAX_LIFETIME_SECONDS} s`);
  if (t.iat > now + skewSeconds) throw bad(`iat is ${t.iat - now} s ahead of the server clock (skew ${skewSeconds} s)`);
  if (t.exp <= now - skewSeconds) throw bad(`expired ${now - t.exp} s ago (skew ${skewSeconds} s)`);
}

/** ES256 over `bytes` with a P-256 key; JOSE signatures are raw r||s, other envelopes may use DER. */
export function verifyEs256(bytes: Uint8Array, signature: Uint8Array, encoding: 'ieee-p1363' | 'der', key: KeyObject): boolean {
  if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') return false;
  if (encoding === 'ieee-p1363' && signature.length !== 64) return false;
  try {
    return cryptoVerify('sha256', bytes, { key, dsaEncoding: encoding }, signature);
  } catch {
    return false;
  }
}
