// A protocol-level virtual Mac for the benchmark: registers over the native API with the
// organisation's registration token, and builds the signed PSSO requests with src/protocol.
// It skips what the load test does not measure (id_token/JWKS checks), but opens responses on demand.

import { randomUUID, type KeyObject } from 'node:crypto';
import {
  buildEmbeddedAssertion, buildKeyExchangeRequest, buildKeyRequest, buildLoginRequest, buildPssoForm,
  buildRefreshRequest, DEFAULT_SCOPE, generateP256, kidFromX963, openPssoResponse, pemFromX963, type BuiltRequest,
} from '../protocol/index.js';
import { HttpClient, type HttpReply } from './http.js';

export interface BenchKey { privateKey: KeyObject; publicKey: KeyObject; x963: Buffer; kid: string }

export function newKey(): BenchKey {
  const k = generateP256();
  return { ...k, kid: kidFromX963(k.x963) };
}

export const CLIENT_ID = 'openpsso-macos';
export const TOKEN_PATH = '/psso/token';

/** A request ready to send: the form body, and what the Mac needs to open the reply. */
export interface Prepared {
  form: string;
  built: BuiltRequest;
}

const nowSeconds = () => Math.floor(Date.now() / 1000);

export class BenchMac {
  readonly uuid = randomUUID().toUpperCase();
  readonly signing = newKey();
  readonly encryption = newKey();
  readonly http: HttpClient;
  id = '';
  username = '';
  userKey: BenchKey | undefined;
  /** Live refresh tokens this Mac holds (each from its own login); refresh consumes one and adds its successor. */
  refreshTokens: string[] = [];
  /** One refresh token kept aside for key_request / key_exchange (they do not rotate it). */
  keyRefreshToken = '';

  constructor(readonly base: string, opts: { maxSockets?: number; localAddress?: string } = {}) {
    this.http = new HttpClient(base, opts.maxSockets ?? 1, 30_000, opts.localAddress);
  }

  get tokenUrl(): string { return `${this.base}${TOKEN_PATH}`; }

  async register(registrationToken: string): Promise<void> {
    const r = await this.http.post('/api/v1/devices', JSON.stringify({
      deviceUuid: this.uuid, signingKey: pemFromX963(this.signing.x963), encryptionKey: pemFromX963(this.encryption.x963),
      signingKeyId: this.signing.kid, encryptionKeyId: this.encryption.kid, sharedDeviceKeys: true,
    }), 'application/json', { authorization: `Bearer ${registrationToken}` });
    if (r.status !== 201) throw new Error(`device registration: ${r.status} ${r.text}`);
    this.id = (JSON.parse(r.text) as { device: { id: string } }).device.id;
  }

  /** Registers `username` on this Mac for the Secure Enclave method (proves the user with the password once). */
  async registerSecureEnclaveUser(registrationToken: string, username: string, password: string): Promise<void> {
    const key = newKey();
    const body = JSON.stringify({ userPrincipalName: username, method: 'secure_enclave', password, userKey: key.x963.toString('base64url'), userKeyId: key.kid });
    let r = await this.http.post(`/api/v1/devices/${this.id}/users`, body, 'application/json', { authorization: `Bearer ${registrationToken}` });
    // Password checks are bounded and a first enrolment is throttled per address (30, then 1/s): the
    // server says when to come back, and the Mac retries then.
    for (let i = 0; i < 60 && (r.status === 503 || r.status === 429); i++) {
      await new Promise((res) => setTimeout(res, 1000 * Number((JSON.parse(r.text) as { retry_after?: number }).retry_after ?? 1)));
      r = await this.http.post(`/api/v1/devices/${this.id}/users`, body, 'application/json', { authorization: `Bearer ${registrationToken}` });
    }
    if (r.status !== 201) throw new Error(`user registration: ${r.status} ${r.text}`);
    this.username = username;
    this.userKey = key;
  }

  async nonce(): Promise<string> {
    const r = await this.http.post(TOKEN_PATH, 'grant_type=srv_challenge');
    if (r.status !== 200) throw new Error(`nonce: ${r.status} ${r.text}`);
    return (JSON.parse(r.text) as { Nonce: string }).Nonce;
  }

  private base64Opts(requestNonce: string) {
    return { signingKey: this.signing.privateKey, signingKid: this.signing.kid, encryptionKey: this.encryption.x963, clientId: CLIENT_ID, requestNonce, now: nowSeconds() };
  }

  passwordLogin(requestNonce: string, username: string, password: string): Prepared {
    const built = buildLoginRequest({ ...this.base64Opts(requestNonce), tokenUrl: this.tokenUrl, username, password });
    return { form: buildPssoForm(built.jwt, '1.0'), built };
  }

  /** Login request carrying an embedded assertion signed by the user's Secure Enclave key: two ES256 signatures. */
  secureEnclaveLogin(requestNonce: string): Prepared {
    const key = this.userKey!;
    const nonce = randomUUID().toUpperCase();
    const assertion = buildEmbeddedAssertion({
      key: key.privateKey, kid: key.kid, alg: 'ES256', username: this.username, audience: CLIENT_ID, nonce, requestNonce,
      scope: DEFAULT_SCOPE, now: nowSeconds(),
    });
    const built = buildLoginRequest({ ...this.base64Opts(requestNonce), tokenUrl: this.tokenUrl, username: this.username, assertion, nonce });
    return { form: buildPssoForm(built.jwt, '1.0'), built };
  }

  refresh(requestNonce: string, refreshToken: string): Prepared {
    const built = buildRefreshRequest({ ...this.base64Opts(requestNonce), tokenUrl: this.tokenUrl, refreshToken, username: this.username });
    return { form: buildPssoForm(built.jwt, '1.0'), built };
  }

  keyRequest(requestNonce: string): Prepared {
    const built = buildKeyRequest({ ...this.base64Opts(requestNonce), refreshToken: this.keyRefreshToken, username: this.username });
    return { form: buildPssoForm(built.jwt, '2.0'), built };
  }

  /** Key exchange with a fresh ephemeral public key, as the Mac sends one per unlock. */
  keyExchange(requestNonce: string): Prepared {
    const eph = generateP256();
    const built = buildKeyExchangeRequest({
      ...this.base64Opts(requestNonce), refreshToken: this.keyRefreshToken, username: this.username, otherPublicKey: eph.x963,
    });
    return { form: buildPssoForm(built.jwt, '2.0'), built };
  }

  send(p: Prepared): Promise<HttpReply> {
    return this.http.post(TOKEN_PATH, p.form);
  }

  open(r: HttpReply, p: Prepared): Record<string, unknown> {
    if (r.status !== 200) throw new Error(`expected 200, got ${r.status}: ${r.text.slice(0, 300)}`);
    return openPssoResponse(r.text, this.encryption.privateKey, p.built.apv).payload;
  }

  close(): void {
    this.http.close();
  }
}
