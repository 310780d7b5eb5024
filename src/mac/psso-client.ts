// The wire operations AppSSOAgent performs after registration: nonce, login, refresh, key_request and key_exchange, each verified like a Mac verifies it (psso-protocol.md §4-§7).

import { X509Certificate, diffieHellman, randomUUID, type KeyObject } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { JWTPayload } from 'jose';
import {
  buildEmbeddedAssertion, buildEncryptedAssertion, buildKeyExchangeRequest, buildKeyRequest, buildLoginRequest,
  buildPssoForm, buildRefreshRequest, openPssoResponse, generateP256, type BuiltRequest,
} from '../protocol/index.js';
import { b64Decode, decodeAnyBase64, b64uEncode } from '../protocol/base64.js';
import { MacError, refusalError } from './errors.js';
import { ACCEPT, MacHttp, newRequestId, readKeyPath } from './http.js';
import type { IdTokenVerifier } from './id-token.js';
import type { LoginConfig, MacClock } from './types.js';

export interface DeviceKeys {
  signing: KeyObject;
  signingKid: string;
  encryption: KeyObject;
  encryptionX963: Buffer;
}

export type UserCredential =
  | { kind: 'password'; password: string; encrypt: boolean }
  | { kind: 'secure_enclave'; key: KeyObject; kid: string }
  | { kind: 'smart_card'; key: KeyObject; kid: string; alg: 'ES256' | 'RS256'; chain: Buffer[] }
  /** macOS 27 web login: the callback URL the web view reached, sent as a token exchange. */
  | { kind: 'web'; callbackUrl: string };

export interface TokenResult {
  idToken: string;
  refreshToken: string;
  tokenType: string | undefined;
  /** Seconds the SSO tokens live: refresh_token_expires_in, else expires_in. */
  lifetimeSeconds: number;
  claims: JWTPayload;
  latencyMs: number;
}

export interface KeyRequestResult {
  /** base64url DER, normalised from whichever base64 flavour the server used. */
  certificate: string;
  keyContext: string | undefined;
  subject: string;
  latencyMs: number;
}

export interface KeyExchangeResult {
  verified: true;
  keyContext: string | undefined;
  latencyMs: number;
}

interface Common {
  cfg: LoginConfig;
  keys: DeviceKeys;
  username: string;
}

export class PssoClient {
  constructor(
    private readonly http: MacHttp,
    private readonly verifier: IdTokenVerifier,
    private readonly clock: MacClock,
    private readonly skewSeconds: number,
  ) {}

  private nowSeconds(): number {
    return Math.floor(this.clock.now() / 1000);
  }

  /** POST grant_type=srv_challenge; any failure aborts the flow, as POError -1001 does on a Mac. */
  async nonce(cfg: LoginConfig, requestId: string): Promise<string> {
    const url = cfg.nonceEndpointURL ?? cfg.tokenEndpointURL;
    const res = await this.http.postForm(url, 'grant_type=srv_challenge', ACCEPT.json, requestId);
    if (res.status !== 200) throw withPrefix(refusalError('nonce request', res.status, res.text), 'Failed to retrieve nonce (-1001). ');
    let body: unknown;
    try { body = JSON.parse(res.text); } catch { throw new MacError('verification', 'Failed to retrieve nonce (-1001): the answer is not JSON.'); }
    const keypath = cfg.nonceResponseKeypath ?? 'Nonce';
    const nonce = readKeyPath(body, keypath);
    if (typeof nonce !== 'string' || nonce.length === 0) throw new MacError('verification', `Failed to retrieve nonce (-1001): the answer has no "${keypath}" string.`);
    return nonce;
  }

  /** Nonce, then the signed request, then the JWE opened with this device's encryption key. */
  private async exchange(what: string, c: Common, url: string, version: '1.0' | '2.0', accept: string,
    build: (requestNonce: string) => BuiltRequest): Promise<{ payload: Record<string, unknown>; req: BuiltRequest; latencyMs: number }> {
    const started = performance.now();
    const requestId = newRequestId();
    const requestNonce = await this.nonce(c.cfg, requestId);
    const req = build(requestNonce);
    const res = await this.http.postForm(url, buildPssoForm(req.jwt, version), accept, requestId);
    if (res.status !== 200) throw refusalError(what, res.status, res.text);
    let opened;
    try {
      opened = openPssoResponse(res.text.trim(), c.keys.encryption, req.apv);
    } catch (e) {
      throw new MacError('verification', `The ${what} response could not be opened with this Mac's encryption key: ${(e as Error).message}. The response is not meant for this device or was altered.`, { cause: e });
    }
    return { payload: opened.payload, req, latencyMs: performance.now() - started };
  }

  /** The Platform SSO login scope; `authScope` is the macOS 27 authorization scope, when opted in. */
  scope(cfg: LoginConfig, authScope?: string): string {
    const extra = (cfg.additionalScopes ?? 'urn:apple:platformsso').split(' ').filter(Boolean);
    return [...new Set(['openid', 'offline_access', ...extra, ...(authScope ? [authScope] : [])])].join(' ');
  }

  private base(c: Common, requestNonce: string, nonce?: string, extra?: Record<string, string>) {
    return {
      signingKey: c.keys.signing, signingKid: c.keys.signingKid, encryptionKey: c.keys.encryptionX963,
      clientId: c.cfg.clientID, requestNonce, now: this.nowSeconds(), ...(nonce ? { nonce } : {}),
      ...(extra && Object.keys(extra).length > 0 ? { extraClaims: extra } : {}),
    };
  }

  async login(c: Common & { credential: UserCredential; groups?: string[] | undefined; authScope?: string | undefined }): Promise<TokenResult> {
    const scope = this.scope(c.cfg, c.authScope);
    const audience = c.cfg.audience ?? c.cfg.clientID;
    const { payload, req, latencyMs } = await this.exchange('login', c, c.cfg.tokenEndpointURL, '1.0', ACCEPT.login, (requestNonce) => {
      // The device nonce goes into both the outer request and the embedded assertion, so pick it first.
      const nonce = randomUUID().toUpperCase();
      const now = this.nowSeconds();
      const common = { ...this.base(c, requestNonce, nonce, c.cfg.customLoginRequestValues), tokenUrl: c.cfg.tokenEndpointURL, username: c.username, scope, ...(c.groups?.length ? { groups: c.groups } : {}) };
      const a = { username: c.username, audience, nonce, requestNonce, scope, now };
      const cred = c.credential;
      if (cred.kind === 'web') return buildLoginRequest({ ...common, subjectToken: cred.callbackUrl });
      if (cred.kind === 'password') {
        if (cred.encrypt && c.cfg.loginRequestEncryptionPublicKey) {
          const serverKey = decodeAnyBase64(c.cfg.loginRequestEncryptionPublicKey);
          return buildLoginRequest({ ...common, assertion: buildEncryptedAssertion({ ...a, serverKey, password: cred.password }) });
        }
        return buildLoginRequest({ ...common, password: cred.password });
      }
      if (cred.kind === 'secure_enclave') {
        return buildLoginRequest({ ...common, assertion: buildEmbeddedAssertion({ ...a, key: cred.key, kid: cred.kid, alg: 'ES256' }) });
      }
      return buildLoginRequest({ ...common, assertion: buildEmbeddedAssertion({ ...a, key: cred.key, kid: cred.kid, alg: cred.alg, x5c: cred.chain }) });
    });
    return this.tokens('login', c, payload, req.nonce, latencyMs, c.groups);
  }

  async refresh(c: Common & { refreshToken: string; groups?: string[] | undefined; authScope?: string | undefined }): Promise<TokenResult> {
    const url = c.cfg.refreshEndpointURL ?? c.cfg.tokenEndpointURL;
    const { payload, req, latencyMs } = await this.exchange('refresh', c, url, '1.0', ACCEPT.login, (requestNonce) =>
      buildRefreshRequest({ ...this.base(c, requestNonce, undefined, c.cfg.customRefreshRequestValues), tokenUrl: c.cfg.tokenEndpointURL, refreshToken: c.refreshToken, username: c.username, scope: this.scope(c.cfg, c.authScope) }));
    return this.tokens('refresh', c, payload, req.nonce, latencyMs, c.groups);
  }

  private async tokens(what: string, c: Common, p: Record<string, unknown>, nonce: string, latencyMs: number, groups?: string[]): Promise<TokenResult> {
    if (typeof p.id_token !== 'string') throw new MacError('verification', `The ${what} response has no id_token.`);
    if (typeof p.refresh_token !== 'string' || p.refresh_token.length === 0) throw new MacError('verification', `The ${what} response has no refresh_token.`);
    const lifetime = num(p.refresh_token_expires_in) ?? num(p.expires_in);
    if (lifetime === undefined || lifetime <= 0) throw new MacError('verification', `The ${what} response states neither refresh_token_expires_in nor expires_in.`);
    const claims = await this.verifier.verify(p.id_token, {
      jwksUrl: c.cfg.jwksEndpointURL, issuer: c.cfg.issuer, clientID: c.cfg.clientID, nonce,
      now: this.clock.now(), skewSeconds: this.skewSeconds, requestedGroups: groups,
    });
    return { idToken: p.id_token, refreshToken: p.refresh_token, tokenType: typeof p.token_type === 'string' ? p.token_type : undefined, lifetimeSeconds: lifetime, claims, latencyMs };
  }

  private keyUrl(cfg: LoginConfig): string {
    if (!cfg.keyEndpointURL) throw new MacError('state', 'The login configuration has no keyEndpointURL, so this Mac cannot use the PSSO 2.0 key service.');
    return cfg.keyEndpointURL;
  }

  private checkTimes(what: string, p: Record<string, unknown>): void {
    const exp = num(p.exp);
    if (exp !== undefined && exp < this.nowSeconds() - this.skewSeconds) throw new MacError('verification', `The ${what} response has already expired (exp). Check the clocks.`);
  }

  async keyRequest(c: Common & { refreshToken: string; authScope?: string | undefined }): Promise<KeyRequestResult> {
    const { payload, latencyMs } = await this.exchange('key request', c, this.keyUrl(c.cfg), '2.0', ACCEPT.key, (requestNonce) =>
      buildKeyRequest({ ...this.base(c, requestNonce), refreshToken: c.refreshToken, username: c.username, ...(c.authScope ? { scope: c.authScope } : {}) }));
    this.checkTimes('key request', payload);
    if (typeof payload.certificate !== 'string') throw new MacError('verification', 'The key request response has no certificate.');
    let cert: X509Certificate;
    try {
      // Apple documents base64url; some servers send standard base64. A Mac accepts either.
      cert = new X509Certificate(decodeAnyBase64(payload.certificate.replace(/=+$/, '')));
    } catch {
      throw new MacError('verification', 'The unlock certificate in the key request response is not an X.509 certificate.');
    }
    const jwk = cert.publicKey.export({ format: 'jwk' });
    if (jwk.kty !== 'EC' || jwk.crv !== 'P-256') throw new MacError('verification', 'The unlock certificate does not hold a P-256 key.');
    return { certificate: b64uEncode(cert.raw), keyContext: str(payload.key_context), subject: cert.subject, latencyMs };
  }

  /**
   * One key exchange with a fresh ephemeral key. The server answers ECDH(unlock private key,
   * ephemeral public key); the Mac checks it against ECDH(ephemeral private key, certificate key).
   */
  async keyExchange(c: Common & { refreshToken: string; certificate: KeyObject; keyContext?: string | undefined; authScope?: string | undefined }): Promise<KeyExchangeResult> {
    const eph = generateP256();
    const { payload, latencyMs } = await this.exchange('key exchange', c, this.keyUrl(c.cfg), '2.0', ACCEPT.key, (requestNonce) =>
      buildKeyExchangeRequest({ ...this.base(c, requestNonce), refreshToken: c.refreshToken, username: c.username, otherPublicKey: eph.x963, ...(c.keyContext ? { keyContext: c.keyContext } : {}), ...(c.authScope ? { scope: c.authScope } : {}) }));
    this.checkTimes('key exchange', payload);
    if (typeof payload.key !== 'string') throw new MacError('verification', 'The key exchange response has no key.');
    let key: Buffer;
    try { key = b64Decode(payload.key); } catch { throw new MacError('verification', 'The key exchange key is not standard base64.'); }
    const expected = diffieHellman({ privateKey: eph.privateKey, publicKey: c.certificate });
    if (!key.equals(expected)) throw new MacError('verification', 'The key returned by the key exchange does not match the unlock certificate: the keybag could not be unlocked.');
    return { verified: true, keyContext: str(payload.key_context) ?? c.keyContext, latencyMs };
  }
}

function num(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && /^\d+$/.test(v)) return Number(v);
  return undefined;
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v.length > 0 ? v : undefined;
}

function withPrefix(e: MacError, prefix: string): MacError {
  return new MacError(e.kind, prefix + e.message, { ...(e.status !== undefined ? { status: e.status } : {}), ...(e.body ? { body: e.body } : {}) });
}
