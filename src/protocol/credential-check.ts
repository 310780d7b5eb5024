// Fleet's extension checks a user's password itself before it saves the user (extensions.md §3.4,
// "The extension's own credential check"): a device-signed JWS shaped unlike macOS's requests
// (typ JWT, a version claim, no aud/scope/client_id, the password encrypted with apv label Apple).
// This file tells that shape apart and verifies it; pure, like verify-request.ts.

import type { KeyObject } from 'node:crypto';
import { PssoError } from '../errors/psso-error.js';
import { GRANT_JWT_BEARER, TYP, checkTimes, requireString, type RequestTimeLimits } from './claims.js';
import type { ParsedJws } from './jws.js';
import { verifyJwsSignature } from './jws.js';
import { checkApv, requestSigningKid } from './verify-request.js';
import { openEncryptedAssertion } from './verify-assertion.js';

export interface VerifiedCredentialCheck {
  kid: string;
  /** The client id the check named (its iss): the extension's bundle id. */
  clientId: string;
  username: string;
  nonce: string;
  requestNonce: string;
  /** The compact JWE holding {"password": ...}. */
  assertion: string;
  iat: number;
  exp: number;
}

export interface CredentialCheckOptions extends RequestTimeLimits {
  now: number;
  /** Accepted iss values: the extension's bundle id. */
  clientId: readonly string[];
}

/**
 * The extension's check, as opposed to a request macOS sends: typ JWT and a version claim, but no
 * aud, request_type or client_id (macOS puts aud and client_id in every login, request_type in
 * every key request, and its own typ on each).
 */
export function isCredentialCheckShape(p: ParsedJws): boolean {
  const c = p.claims;
  return p.header.typ === TYP.legacy && c.version !== undefined && c.aud === undefined && c.request_type === undefined && c.client_id === undefined;
}

/** Checks everything but the server nonce, which the caller consumes atomically afterwards. */
export function verifyCredentialCheck(p: ParsedJws, device: { signingKey: KeyObject; encryptionKey: Uint8Array }, opts: CredentialCheckOptions): VerifiedCredentialCheck {
  const kid = requestSigningKid(p);
  if (!verifyJwsSignature(p, device.signingKey, 'ES256')) throw new PssoError('bad_signature');
  if (p.header.crit !== undefined) throw new PssoError('malformed_jws', 'crit header not supported');
  if (!isCredentialCheckShape(p)) throw new PssoError('malformed_jws', 'not shaped as the extension\'s credential check');
  const c = p.claims;
  if (c.version !== '1.0') throw new PssoError('missing_claim', `version ${String(c.version)}`);
  const { iat, exp } = checkTimes(c, opts.now, opts, true);
  const iss = requireString(c, 'iss');
  if (!opts.clientId.includes(iss)) throw new PssoError('wrong_client', `iss ${iss}`);
  if (requireString(c, 'grant_type') !== GRANT_JWT_BEARER) throw new PssoError('unsupported_grant_type', `grant_type claim ${String(c.grant_type)}`);
  const username = requireString(c, 'username');
  if (c.sub !== undefined && c.sub !== username) throw new PssoError('missing_claim', 'sub must equal username');
  const nonce = requireString(c, 'nonce');
  const requestNonce = requireString(c, 'request_nonce');
  const assertion = requireString(c, 'assertion');
  if (assertion.split('.').length !== 5) throw new PssoError('malformed_assertion', 'assertion is not a compact JWE');
  checkApv(c, device.encryptionKey, nonce);
  return { kid, clientId: iss, username, nonce, requestNonce, assertion, iat, exp };
}

/**
 * The password in the check's assertion: ECDH-ES/A256GCM to the server's encryption key, apv
 * "Apple"‖server key‖the check's own nonce claim, no kid, plaintext just {"password": ...}.
 */
export function openCredentialCheckPassword(check: VerifiedCredentialCheck, serverPrivateKey: KeyObject, serverPublicX963: Uint8Array): string {
  const claims = openEncryptedAssertion(check.assertion, serverPrivateKey, serverPublicX963, { prefixes: ['Apple'], nonce: check.nonce, nonceName: 'nonce claim' });
  if (typeof claims.password !== 'string') throw new PssoError('missing_claim', 'password');
  return claims.password;
}
