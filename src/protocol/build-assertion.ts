// Virtual Mac side: Secure Enclave / smart card assertions, the encrypted password assertion and the form body (Apple "Creating an (encrypted) embedded assertion"; psso-protocol.md §4.3-4.4).

import type { KeyObject } from 'node:crypto';
import { b64Encode, b64uEncode } from './base64.js';
import { GRANT_JWT_BEARER, REQUEST_LIFETIME_SECONDS, TYP } from './claims.js';
import { kidFromX963 } from './ec-keys.js';
import { encryptCompactJwe } from './jwe.js';
import { signCompactJws } from './jws.js';
import { buildApv } from './party-info.js';

interface AssertionClaimOptions {
  username: string;
  audience: string;
  nonce: string;
  requestNonce: string;
  scope: string;
  now: number;
}

function assertionClaims(o: AssertionClaimOptions): Record<string, unknown> {
  return {
    iss: o.username, sub: o.username, aud: o.audience, iat: o.now, exp: o.now + REQUEST_LIFETIME_SECONDS,
    nonce: o.nonce, request_nonce: o.requestNonce, scope: o.scope,
  };
}

export interface EmbeddedAssertionOptions extends AssertionClaimOptions {
  key: KeyObject;
  kid: string;
  alg: 'ES256' | 'RS256';
  /** Smart card certificate chain (DER), leaf first; sent as standard base64. */
  x5c?: Uint8Array[];
}

/** The user-key-signed JWS carried in the login request's assertion claim. */
export function buildEmbeddedAssertion(o: EmbeddedAssertionOptions): string {
  const header: Record<string, unknown> = { typ: TYP.loginAssertion, alg: o.alg, kid: o.kid };
  if (o.x5c) header.x5c = o.x5c.map((c) => b64Encode(c));
  return signCompactJws(header, assertionClaims(o), o.key, 'apple');
}

export interface EncryptedAssertionOptions extends AssertionClaimOptions {
  /** X9.63 point of the server's loginRequestEncryptionPublicKey. */
  serverKey: Uint8Array;
  password: string;
}

/**
 * The password, encrypted to the server key. kid names the server key and apv is
 * "APPLEEMBEDDED"||server key||request_nonce, as Apple's example header decodes. The plaintext is
 * an unsecured JWT (alg none): the outer device-signed request already authenticates it.
 */
export function buildEncryptedAssertion(o: EncryptedAssertionOptions): string {
  const header = b64uEncode(Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' }), 'utf8'));
  const body = b64uEncode(Buffer.from(JSON.stringify({ ...assertionClaims(o), password: o.password }), 'utf8'));
  return encryptCompactJwe({
    recipient: o.serverKey,
    plaintext: `${header}.${body}.`,
    typ: TYP.encryptedLoginAssertion,
    kid: kidFromX963(o.serverKey),
    apv: buildApv(o.serverKey, o.requestNonce, 'APPLEEMBEDDED'),
    headerStyle: 'apple',
  });
}

/** application/x-www-form-urlencoded body of a login, refresh or key POST (the form grant is always jwt-bearer). */
export function buildPssoForm(jwt: string, version: '1.0' | '2.0', field: 'assertion' | 'request' = 'assertion'): string {
  return new URLSearchParams({ platform_sso_version: version, grant_type: GRANT_JWT_BEARER, [field]: jwt }).toString();
}
