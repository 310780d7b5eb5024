// Server-side checks of the assertion embedded in a jwt-bearer login: Secure Enclave / smart card JWS and encrypted-password JWE (Apple "Creating an (encrypted) embedded assertion"; psso-protocol.md §4.4, §4.5 step 8).

import type { KeyObject } from 'node:crypto';
import { PssoError } from '../errors/psso-error.js';
import { b64Decode, b64uDecode, canonicaliseKid } from './base64.js';
import { TYP, checkTimes, scopeList, type RequestTimeLimits } from './claims.js';
import { kidFromX963 } from './ec-keys.js';
import { decryptEmbeddedJwe } from './jwe.js';
import { parseCompactJws, verifyJwsSignature, type JwsAlg, type ParsedJws } from './jws.js';
import { parseApv } from './party-info.js';
import type { VerifiedRequest } from './verify-request.js';

/** The same time limits as the outer request: an assertion is built with it, at the same moment. */
export interface AssertionCheckOptions extends RequestTimeLimits {
  now: number;
  /** The `audience` of the Mac's login configuration; checked when given. */
  audience?: string;
  nonceClaimName?: string;
  /** loginRequestEncryptionAPVPrefix values accepted; Apple's default is APPLEEMBEDDED. */
  apvPrefixes?: readonly string[];
}

function parseAssertion(jws: string): ParsedJws {
  try {
    return parseCompactJws(jws);
  } catch (e) {
    throw new PssoError('malformed_assertion', e instanceof PssoError ? e.detail : 'not a compact JWS');
  }
}

/** kid (canonicalised), alg and x5c (DER) of an embedded assertion, for looking up the user's key. */
export function assertionKid(jws: string): { kid: string | null; alg: string; x5c: Buffer[] } {
  const h = parseAssertion(jws).header;
  const raw = h.x5c === undefined ? [] : Array.isArray(h.x5c) ? h.x5c : [h.x5c];
  let x5c: Buffer[];
  try {
    x5c = raw.map((c) => b64Decode(c as string));
  } catch {
    throw new PssoError('malformed_assertion', 'x5c is not standard base64 DER');
  }
  return { kid: typeof h.kid === 'string' ? canonicaliseKid(h.kid) : null, alg: String(h.alg), x5c };
}

/** Inner claims must repeat the outer request's user, nonces and scope, so one assertion fits one request. */
function checkBinding(c: Record<string, unknown>, outer: VerifiedRequest, opts: AssertionCheckOptions, code: 'assertion_invalid'): void {
  if (outer.username === undefined || c.sub !== outer.username || c.iss !== outer.username) {
    throw new PssoError(code, 'iss/sub differ from the request username');
  }
  if (c[opts.nonceClaimName ?? 'request_nonce'] !== outer.requestNonce) throw new PssoError(code, 'request_nonce differs');
  if (c.nonce !== outer.nonce) throw new PssoError(code, 'nonce differs');
  // Same set of scopes; Apple copies the string, but order carries no meaning.
  const inner = scopeList(c.scope);
  if (inner.length !== outer.scope.length || !inner.every((s) => outer.scope.includes(s))) {
    throw new PssoError(code, 'scope differs');
  }
  if (opts.audience !== undefined) {
    const ok = c.aud === opts.audience || (Array.isArray(c.aud) && c.aud.includes(opts.audience));
    if (!ok) throw new PssoError(code, 'aud is not the configured audience');
  }
}

/** Verifies a Secure Enclave or smart card assertion with the user's registered key. */
export function verifyEmbeddedAssertion(
  jws: string,
  key: KeyObject,
  allowedAlgs: readonly JwsAlg[],
  outer: VerifiedRequest,
  opts: AssertionCheckOptions & { audience: string },
): Record<string, unknown> {
  const p = parseAssertion(jws);
  const typ = p.header.typ === undefined ? TYP.legacy : p.header.typ;
  if (typ !== TYP.loginAssertion && typ !== TYP.legacy) throw new PssoError('malformed_assertion', `typ ${String(typ)}`);
  const alg = p.header.alg as JwsAlg;
  if (!allowedAlgs.includes(alg)) throw new PssoError('malformed_assertion', `alg ${String(p.header.alg)} not allowed`);
  if (!verifyJwsSignature(p, key, alg)) throw new PssoError('assertion_invalid', 'signature does not verify');
  if (p.header.crit !== undefined) throw new PssoError('malformed_assertion', 'crit header not supported');
  checkBinding(p.claims, outer, opts, 'assertion_invalid');
  checkTimes(p.claims, opts.now, opts, typ !== TYP.legacy);
  return p.claims;
}

/**
 * The plaintext is "a JWT carrying password, iss, sub, ..." (§4.4). We accept three shapes: a JSON
 * object, an unsecured JWT ("header.payload." with alg none) and a compact JWS whose signature is
 * not checked here. Skipping that signature is safe because the outer device-signed JWS covers the
 * whole JWE, tag included, so these bytes are already authenticated by the device key.
 */
function readPlaintextClaims(plaintext: Buffer): Record<string, unknown> {
  const text = plaintext.toString('utf8').trim();
  let json = text;
  if (!text.startsWith('{')) {
    const parts = text.split('.');
    if (parts.length !== 3) throw new PssoError('malformed_assertion', 'plaintext is neither JSON nor a JWT');
    try {
      json = b64uDecode(parts[1]!).toString('utf8');
    } catch {
      throw new PssoError('malformed_assertion', 'plaintext JWT payload is not base64url');
    }
  }
  let v: unknown;
  try {
    v = JSON.parse(json);
  } catch {
    throw new PssoError('malformed_assertion', 'plaintext claims are not JSON');
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new PssoError('malformed_assertion', 'plaintext claims are not an object');
  return v as Record<string, unknown>;
}

/**
 * Opens an encrypted password assertion: decrypts it with the server key and pins its typ, kid and
 * apv (label, server key, nonce). Shared by macOS's assertion (APPLEEMBEDDED, request_nonce) and
 * Fleet's own credential check (Apple, the device nonce; extensions.md §3.4); returns its claims.
 */
export function openEncryptedAssertion(
  jwe: string,
  serverPrivateKey: KeyObject,
  serverPublicX963: Uint8Array,
  apv: { prefixes: readonly string[]; nonce: string; nonceName: string },
): Record<string, unknown> {
  let d;
  try {
    d = decryptEmbeddedJwe(jwe, serverPrivateKey);
  } catch (e) {
    if (e instanceof PssoError && e.entry.name === 'apv_mismatch') throw e;
    throw new PssoError('malformed_assertion', e instanceof PssoError ? e.detail : 'not a compact JWE');
  }
  if (d.header.typ !== TYP.encryptedLoginAssertion) throw new PssoError('malformed_assertion', `typ ${String(d.header.typ)}`);
  // Apple's kid here names the server key, not the ephemeral one (verified on Apple's example header).
  if (d.header.kid !== undefined && canonicaliseKid(String(d.header.kid)) !== kidFromX963(serverPublicX963)) {
    throw new PssoError('malformed_assertion', 'kid does not name the server encryption key');
  }
  if (!d.apv) throw new PssoError('apv_mismatch', 'encrypted assertion has no apv');
  const f = parseApv(d.apv);
  if (!apv.prefixes.includes(f.label)) throw new PssoError('apv_mismatch', `apv label ${f.label}`);
  if (!f.key.equals(Buffer.from(serverPublicX963))) throw new PssoError('apv_mismatch', 'apv names another server key');
  if (f.nonce !== apv.nonce) throw new PssoError('apv_mismatch', `apv nonce is not the ${apv.nonceName}`);
  return readPlaintextClaims(d.plaintext);
}

/** Decrypts the password assertion sent when loginRequestEncryptionPublicKey is configured. */
export function decryptEncryptedAssertion(
  jwe: string,
  serverPrivateKey: KeyObject,
  serverPublicX963: Uint8Array,
  outer: VerifiedRequest,
  opts: AssertionCheckOptions,
): { password: string; claims: Record<string, unknown> } {
  const claims = openEncryptedAssertion(jwe, serverPrivateKey, serverPublicX963, {
    prefixes: opts.apvPrefixes ?? ['APPLEEMBEDDED'], nonce: outer.requestNonce, nonceName: 'request_nonce',
  });
  checkBinding(claims, outer, opts, 'assertion_invalid');
  checkTimes(claims, opts.now, opts, true);
  if (typeof claims.password !== 'string') throw new PssoError('missing_claim', 'password');
  return { password: claims.password, claims };
}
