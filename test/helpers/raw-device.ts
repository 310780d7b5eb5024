// A protocol-level test device: registers over the native API and sends hand-built PSSO requests,
// so server tests can craft every bad input the virtual Mac would never send.

import type { KeyObject } from 'node:crypto';
import { randomUUID } from 'node:crypto';
import {
  buildKeyExchangeRequest, buildKeyRequest, buildLoginRequest, buildPssoForm, buildRefreshRequest,
  generateP256, kidFromX963, openPssoResponse, pemFromX963, b64Encode, type BuiltRequest,
} from '../../src/protocol/index.js';

export interface Key { privateKey: KeyObject; publicKey: KeyObject; x963: Buffer; kid: string }

export function newKey(): Key {
  const k = generateP256();
  return { ...k, kid: kidFromX963(k.x963) };
}

export interface HttpResult { status: number; contentType: string; text: string; json?: any }

export async function post(url: string, body: string, contentType = 'application/x-www-form-urlencoded', headers: Record<string, string> = {}): Promise<HttpResult> {
  const r = await fetch(url, { method: 'POST', headers: { 'content-type': contentType, ...headers }, body });
  const text = await r.text();
  let json: unknown;
  try { json = JSON.parse(text); } catch { /* JWE or empty */ }
  return { status: r.status, contentType: r.headers.get('content-type') ?? '', text, json };
}

export class RawDevice {
  readonly uuid = randomUUID().toUpperCase();
  readonly signing = newKey();
  readonly encryption = newKey();
  id = '';
  /** Where requests go; `base` (the issuer) stays what requests are addressed to (`aud`). */
  via: string;
  constructor(readonly base: string, readonly clientId = 'openpsso-macos') { this.via = base; }

  get tokenUrl(): string { return `${this.base}/psso/token`; }

  /** Sends the following requests to another instance of the same deployment (a load balancer's choice). */
  through(instanceUrl: string): this {
    this.via = instanceUrl;
    return this;
  }

  async register(registrationToken: string, sharedDeviceKeys = true, keyFormat: 'pem' | 'x963' = 'pem'): Promise<HttpResult> {
    const fmt = (k: Key) => (keyFormat === 'pem' ? pemFromX963(k.x963) : b64Encode(k.x963));
    const r = await post(`${this.via}/api/v1/devices`, JSON.stringify({
      deviceUuid: this.uuid, signingKey: fmt(this.signing), encryptionKey: fmt(this.encryption),
      signingKeyId: this.signing.kid, encryptionKeyId: this.encryption.kid, sharedDeviceKeys,
    }), 'application/json', { authorization: `Bearer ${registrationToken}` });
    if (r.status === 201) this.id = r.json.device.id;
    return r;
  }

  async registerUser(auth: string, body: Record<string, unknown>): Promise<HttpResult> {
    return post(`${this.via}/api/v1/devices/${this.id}/users`, JSON.stringify(body), 'application/json', { authorization: `Bearer ${auth}` });
  }

  async nonce(path = '/psso/token'): Promise<string> {
    const r = await post(`${this.via}${path}`, 'grant_type=srv_challenge');
    if (r.status !== 200) throw new Error(`nonce: ${r.status} ${r.text}`);
    return r.json.Nonce as string;
  }

  base64Opts(requestNonce: string, now: number) {
    return { signingKey: this.signing.privateKey, signingKid: this.signing.kid, encryptionKey: this.encryption.x963, clientId: this.clientId, requestNonce, now };
  }

  loginRequest(requestNonce: string, now: number, extra: Partial<Parameters<typeof buildLoginRequest>[0]> & { username: string }): BuiltRequest {
    return buildLoginRequest({ ...this.base64Opts(requestNonce, now), tokenUrl: this.tokenUrl, ...extra });
  }

  refreshRequest(requestNonce: string, now: number, refreshToken: string, username?: string): BuiltRequest {
    return buildRefreshRequest({ ...this.base64Opts(requestNonce, now), tokenUrl: this.tokenUrl, refreshToken, ...(username ? { username } : {}) });
  }

  keyRequest(requestNonce: string, now: number, refreshToken: string, username: string): BuiltRequest {
    return buildKeyRequest({ ...this.base64Opts(requestNonce, now), refreshToken, username });
  }

  keyExchangeRequest(requestNonce: string, now: number, refreshToken: string, username: string, otherPublicKey: Uint8Array): BuiltRequest {
    return buildKeyExchangeRequest({ ...this.base64Opts(requestNonce, now), refreshToken, username, otherPublicKey });
  }

  async send(jwt: string, version: '1.0' | '2.0' = '1.0', field: 'assertion' | 'request' = 'assertion'): Promise<HttpResult> {
    return post(`${this.via}/psso/token`, buildPssoForm(jwt, version, field));
  }

  open(r: HttpResult, built: BuiltRequest): Record<string, any> {
    if (r.status !== 200) throw new Error(`expected 200, got ${r.status}: ${r.text}`);
    return openPssoResponse(r.text, this.encryption.privateKey, built.apv).payload;
  }
}
