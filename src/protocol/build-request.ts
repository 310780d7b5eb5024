// Virtual Mac side: login, refresh, key and key-exchange requests shaped like a real macOS 14 Mac sends them (psso-protocol.md §4.2-4.3, §6, §7; macos14-captures.json).

import { randomUUID, type KeyObject } from 'node:crypto';
import { b64Encode, b64uEncode } from './base64.js';
import { DEFAULT_SCOPE, GRANT_JWT_BEARER, REQUEST_LIFETIME_SECONDS, TYP } from './claims.js';
import { signCompactJws } from './jws.js';
import { buildApv } from './party-info.js';
import { GRANT_TOKEN_EXCHANGE, SUBJECT_TOKEN_TYPE_CODE_RESPONSE } from './web-login.js';

export * from './build-assertion.js';

export interface BaseRequestOptions {
  signingKey: KeyObject;
  signingKid: string;
  /** X9.63 point of the device encryption key; it goes into apv. */
  encryptionKey: Uint8Array;
  clientId: string;
  requestNonce: string;
  /** Device nonce; a fresh upper-case UUID by default, like macOS. */
  nonce?: string;
  now: number;
  extraClaims?: object;
}

export interface BuiltRequest {
  jwt: string;
  nonce: string;
  apv: Buffer;
}

interface Prepared {
  nonce: string;
  apv: Buffer;
  jweCrypto: { alg: 'ECDH-ES'; enc: 'A256GCM'; apv: string };
}

function prepare(o: BaseRequestOptions): Prepared {
  const nonce = o.nonce ?? randomUUID().toUpperCase();
  const apv = buildApv(o.encryptionKey, nonce);
  return { nonce, apv, jweCrypto: { alg: 'ECDH-ES', enc: 'A256GCM', apv: b64uEncode(apv) } };
}

/** macOS 14 header order is typ, alg, kid; Apple's macOS 13 example puts kid first and typ JWT. */
function sign(o: BaseRequestOptions, typ: string, claims: Record<string, unknown>, v13 = false): string {
  const header = v13 ? { kid: o.signingKid, typ: TYP.legacy, alg: 'ES256' } : { typ, alg: 'ES256', kid: o.signingKid };
  return signCompactJws(header, { ...claims, ...o.extraClaims }, o.signingKey, 'apple');
}

export interface LoginRequestOptions extends BaseRequestOptions {
  tokenUrl: string;
  username: string;
  password?: string;
  assertion?: string;
  /** macOS 27 web login: the callback URL, sent as a token exchange (web-login-macos27.md §6). */
  subjectToken?: string;
  groups?: string[];
  scope?: string;
  flavour?: 'v14' | 'v13';
}

/** Claim order follows the macOS 14 capture (and Apple's macOS 13 example for flavour v13). */
export function buildLoginRequest(o: LoginRequestOptions): BuiltRequest {
  const p = prepare(o);
  const scope = o.scope ?? DEFAULT_SCOPE;
  const grant = o.subjectToken !== undefined ? GRANT_TOKEN_EXCHANGE : o.password !== undefined ? 'password' : GRANT_JWT_BEARER;
  const secret = o.subjectToken !== undefined ? { subject_token: o.subjectToken, subject_token_type: SUBJECT_TOKEN_TYPE_CODE_RESPONSE }
    : o.password !== undefined ? { password: o.password } : { assertion: o.assertion };
  const groups = o.groups ? { claims: { id_token: { groups: { values: o.groups } } } } : {};
  if (o.flavour === 'v13') {
    // macOS 13 flavour: typ JWT, iat as a string, no exp, iss or sub.
    const claims = {
      iat: String(o.now), jwe_crypto: p.jweCrypto, ...secret, request_nonce: o.requestNonce, scope,
      grant_type: grant, username: o.username, ...groups, aud: o.tokenUrl, client_id: o.clientId, nonce: p.nonce,
    };
    return { jwt: sign(o, TYP.legacy, claims, true), nonce: p.nonce, apv: p.apv };
  }
  const claims = {
    jwe_crypto: p.jweCrypto, exp: o.now + REQUEST_LIFETIME_SECONDS, nonce: p.nonce, request_nonce: o.requestNonce,
    scope, grant_type: grant, iss: o.clientId, ...secret, sub: o.username,
    ...(o.password !== undefined ? { amr: ['pwd'] } : {}), ...groups,
    aud: o.tokenUrl, username: o.username, client_id: o.clientId, iat: o.now,
  };
  return { jwt: sign(o, TYP.loginRequest, claims), nonce: p.nonce, apv: p.apv };
}

export interface RefreshRequestOptions extends BaseRequestOptions {
  tokenUrl: string;
  refreshToken: string;
  username?: string;
  scope?: string;
}

export function buildRefreshRequest(o: RefreshRequestOptions): BuiltRequest {
  const p = prepare(o);
  const claims = {
    jwe_crypto: p.jweCrypto, exp: o.now + REQUEST_LIFETIME_SECONDS, nonce: p.nonce, request_nonce: o.requestNonce,
    scope: o.scope ?? DEFAULT_SCOPE, grant_type: 'refresh_token', iss: o.clientId, refresh_token: o.refreshToken,
    ...(o.username !== undefined ? { sub: o.username, username: o.username } : {}),
    aud: o.tokenUrl, client_id: o.clientId, iat: o.now,
  };
  return { jwt: sign(o, TYP.refreshRequest, claims), nonce: p.nonce, apv: p.apv };
}

export interface KeyRequestOptions extends BaseRequestOptions {
  refreshToken: string;
  username: string;
  /** Sent only when the extension includes authorization scopes (macOS 27, web-login-macos27.md §9). */
  scope?: string;
}

/** PSSO 2.0 key_request: version "1.0", key_purpose user_unlock and, as on real Macs, no aud. */
export function buildKeyRequest(o: KeyRequestOptions): BuiltRequest {
  const p = prepare(o);
  const claims = {
    jwe_crypto: p.jweCrypto, exp: o.now + REQUEST_LIFETIME_SECONDS, request_type: 'key_request', nonce: p.nonce,
    version: '1.0', request_nonce: o.requestNonce, refresh_token: o.refreshToken, iss: o.clientId,
    key_purpose: 'user_unlock', sub: o.username, username: o.username, iat: o.now, ...(o.scope !== undefined ? { scope: o.scope } : {}),
  };
  return { jwt: sign(o, TYP.keyRequest, claims), nonce: p.nonce, apv: p.apv };
}

export interface KeyExchangeRequestOptions extends KeyRequestOptions {
  /** The device's one-time X9.63 point; sent as standard base64. */
  otherPublicKey: Uint8Array;
  keyContext?: string;
}

export function buildKeyExchangeRequest(o: KeyExchangeRequestOptions): BuiltRequest {
  const p = prepare(o);
  const claims = {
    jwe_crypto: p.jweCrypto, exp: o.now + REQUEST_LIFETIME_SECONDS, request_type: 'key_exchange', nonce: p.nonce,
    version: '1.0', request_nonce: o.requestNonce, other_publickey: b64Encode(o.otherPublicKey),
    refresh_token: o.refreshToken, ...(o.keyContext !== undefined ? { key_context: o.keyContext } : {}),
    iss: o.clientId, key_purpose: 'user_unlock', sub: o.username, username: o.username, iat: o.now, ...(o.scope !== undefined ? { scope: o.scope } : {}),
  };
  return { jwt: sign(o, TYP.keyRequest, claims), nonce: p.nonce, apv: p.apv };
}
