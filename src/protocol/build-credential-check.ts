// Virtual Mac side of Fleet's own credential check (extensions.md §3.4): the extension signs a JWT
// with the shared device key (kid base64url unpadded) carrying the password encrypted to the
// server's enc key with apv label Apple and no kid. Parsed by credential-check.ts.

import { randomUUID, type KeyObject } from 'node:crypto';
import { b64uEncode } from './base64.js';
import { GRANT_JWT_BEARER, REQUEST_LIFETIME_SECONDS, TYP } from './claims.js';
import { decodeAnyBase64 } from './base64.js';
import { encryptCompactJwe } from './jwe.js';
import { signCompactJws } from './jws.js';
import { buildApv } from './party-info.js';
import type { BuiltRequest } from './build-request.js';

export interface CredentialCheckBuildOptions {
  signingKey: KeyObject;
  /** The device signing kid in any base64 spelling; sent base64url unpadded, as the extension does. */
  signingKid: string;
  /** X9.63 point of the device encryption key (jwe_crypto apv). */
  encryptionKey: Uint8Array;
  /** X9.63 point of the server's `use: enc` key from the JWKS. */
  serverKey: Uint8Array;
  clientId: string;
  username: string;
  password: string;
  requestNonce: string;
  now: number;
  nonce?: string;
}

export function buildCredentialCheck(o: CredentialCheckBuildOptions): BuiltRequest {
  const nonce = o.nonce ?? randomUUID().toUpperCase();
  const apv = buildApv(o.encryptionKey, nonce);
  const assertion = encryptCompactJwe({
    recipient: o.serverKey,
    plaintext: JSON.stringify({ password: o.password }),
    typ: TYP.encryptedLoginAssertion,
    apv: buildApv(o.serverKey, nonce, 'Apple'),
  });
  const kid = b64uEncode(decodeAnyBase64(o.signingKid.replace(/=+$/, '')));
  const claims = {
    iss: o.clientId, sub: o.username, iat: o.now, exp: o.now + REQUEST_LIFETIME_SECONDS, version: '1.0',
    grant_type: GRANT_JWT_BEARER, assertion, username: o.username, nonce, request_nonce: o.requestNonce,
    jwe_crypto: { alg: 'ECDH-ES', enc: 'A256GCM', apv: b64uEncode(apv) },
  };
  return { jwt: signCompactJws({ alg: 'ES256', typ: TYP.legacy, kid }, claims, o.signingKey), nonce, apv };
}
