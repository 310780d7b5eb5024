// Helpers for interactive sign-in tests: JSON calls, a cookie-keeping page client, user set-up,
// and a software WebAuthn authenticator (P-256, attestation 'none', a tiny CBOR encoder).

import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import type { TestServer } from '../helpers/test-server.js';
import type { User } from '../../src/storage/ports.js';
import { findUser } from '../../src/app/directory.js';
import { generateTotpSecret } from '../../src/policy/totp.js';
import { newId } from '../../src/app/ids.js';
import { sealTotpSecret } from '../../src/app/interactive/factors.js';

export const ALICE = 'alice@demo.openpsso.test';
export const BOB = 'bob@demo.openpsso.test';
export const CAROL = 'carol@demo.openpsso.test';

export async function postJson(s: TestServer, path: string, body: unknown): Promise<{ status: number; body: any; headers: Headers }> {
  const r = await fetch(`${s.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const text = await r.text();
  return { status: r.status, body: text ? JSON.parse(text) : undefined, headers: r.headers };
}

export async function user(s: TestServer, upn: string): Promise<User> {
  return findUser(s.ctx, s.orgId, upn);
}

export async function setMfaState(s: TestServer, upn: string, state: User['perUserMfaState']): Promise<User> {
  const u = await user(s, upn);
  await s.ctx.store.users.update(u.id, { perUserMfaState: state, updatedAt: s.ctx.clock.now() });
  return { ...u, perUserMfaState: state };
}

/** Gives a user a TOTP method the way enrolment stores one; returns the secret. */
export async function addTotp(s: TestServer, upn: string): Promise<string> {
  const u = await user(s, upn);
  const secret = generateTotpSecret();
  const id = newId('mfa');
  await s.ctx.store.mfaMethods.create({
    id, userId: u.id, kind: 'totp', displayName: 'Authenticator app', sealedSecret: sealTotpSecret(s.ctx, id, secret), lastUsedStep: null,
    credentialId: null, publicKey: null, counter: null, transports: [], createdAt: s.ctx.clock.now(), lastUsedAt: null,
  });
  return secret;
}

export const nowSeconds = (s: TestServer): number => Math.floor(s.ctx.clock.now() / 1000);

/** A browser stand-in: keeps the sign-in cookie, never follows redirects, reads the CSRF token from forms. */
export class PageClient {
  cookie = '';
  csrf = '';
  constructor(private readonly base: string) {}

  private keep(r: Response): void {
    const set = r.headers.get('set-cookie');
    if (set) this.cookie = set.split(';')[0]!;
  }

  async get(path: string): Promise<{ status: number; html: string; r: Response }> {
    const r = await fetch(new URL(path, this.base), { headers: this.cookie ? { cookie: this.cookie } : {}, redirect: 'manual' });
    this.keep(r);
    const html = await r.text();
    const m = /name="csrf" value="([^"]+)"/.exec(html) ?? /data-csrf="([^"]+)"/.exec(html);
    if (m) this.csrf = m[1]!;
    return { status: r.status, html, r };
  }

  async post(path: string, fields: Record<string, string>, withCsrf = true): Promise<{ status: number; location: string | null; html: string }> {
    const body = new URLSearchParams({ ...(withCsrf ? { csrf: this.csrf } : {}), ...fields }).toString();
    const r = await fetch(new URL(path, this.base), {
      method: 'POST', redirect: 'manual', body,
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...(this.cookie ? { cookie: this.cookie } : {}) },
    });
    this.keep(r);
    return { status: r.status, location: r.headers.get('location'), html: await r.text() };
  }

  async postJson(path: string, body: unknown): Promise<{ status: number; body: any }> {
    const r = await fetch(new URL(path, this.base), {
      method: 'POST', body: JSON.stringify(body),
      headers: { 'content-type': 'application/json', 'x-csrf-token': this.csrf, ...(this.cookie ? { cookie: this.cookie } : {}) },
    });
    return { status: r.status, body: await r.json() };
  }
}

// --- a minimal CBOR encoder (RFC 8949 major types 0-5), enough for attestation objects and COSE keys

function head(major: number, n: number): Buffer {
  if (n < 24) return Buffer.from([(major << 5) | n]);
  if (n < 256) return Buffer.from([(major << 5) | 24, n]);
  if (n < 65536) { const b = Buffer.alloc(3); b[0] = (major << 5) | 25; b.writeUInt16BE(n, 1); return b; }
  const b = Buffer.alloc(5); b[0] = (major << 5) | 26; b.writeUInt32BE(n, 1); return b;
}

export function cbor(v: unknown): Buffer {
  if (typeof v === 'number') return v >= 0 ? head(0, v) : head(1, -1 - v);
  if (typeof v === 'string') { const b = Buffer.from(v, 'utf8'); return Buffer.concat([head(3, b.length), b]); }
  if (v instanceof Uint8Array) return Buffer.concat([head(2, v.length), v]);
  if (Array.isArray(v)) return Buffer.concat([head(4, v.length), ...v.map(cbor)]);
  const entries = v instanceof Map ? [...v.entries()] : Object.entries(v as object);
  return Buffer.concat([head(5, entries.length), ...entries.flatMap(([k, x]) => [cbor(k), cbor(x)])]);
}

const b64u = (b: Uint8Array) => Buffer.from(b).toString('base64url');
const sha256 = (b: Uint8Array | string) => createHash('sha256').update(b).digest();

/** A platform authenticator in software: one P-256 credential with a signature counter. */
export class SoftAuthenticator {
  readonly credentialId = randomBytes(32);
  private readonly key: KeyObject;
  private readonly pub: { x: Buffer; y: Buffer };
  counter = 0;

  constructor(readonly origin: string, readonly rpId: string) {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    this.key = privateKey;
    const jwk = publicKey.export({ format: 'jwk' });
    this.pub = { x: Buffer.from(jwk.x!, 'base64url'), y: Buffer.from(jwk.y!, 'base64url') };
  }

  private clientData(type: string, challenge: string): Buffer {
    return Buffer.from(JSON.stringify({ type, challenge, origin: this.origin, crossOrigin: false }), 'utf8');
  }

  /** navigator.credentials.create() answer for options from the server, in the JSON the pages send. */
  register(options: { challenge: string }): Record<string, unknown> {
    // COSE_Key EC2 in CTAP2 canonical order: kty 2, alg -7 (ES256), crv 1 (P-256), x, y.
    const cose = cbor(new Map<number, unknown>([[1, 2], [3, -7], [-1, 1], [-2, this.pub.x], [-3, this.pub.y]]));
    const idLen = Buffer.alloc(2); idLen.writeUInt16BE(this.credentialId.length);
    const count = Buffer.alloc(4); count.writeUInt32BE(this.counter);
    const authData = Buffer.concat([sha256(this.rpId), Buffer.from([0x45]), count, Buffer.alloc(16), idLen, this.credentialId, cose]);
    const attestationObject = cbor(new Map<string, unknown>([['fmt', 'none'], ['attStmt', new Map()], ['authData', authData]]));
    return {
      id: b64u(this.credentialId), rawId: b64u(this.credentialId), type: 'public-key', clientExtensionResults: {},
      authenticatorAttachment: 'platform',
      response: { clientDataJSON: b64u(this.clientData('webauthn.create', options.challenge)), attestationObject: b64u(attestationObject), transports: ['internal'] },
    };
  }

  /** navigator.credentials.get() answer; `counter` overrides the next counter (to test a clone). */
  assert(options: { challenge: string }, counter?: number): Record<string, unknown> {
    this.counter = counter ?? this.counter + 1;
    const count = Buffer.alloc(4); count.writeUInt32BE(this.counter);
    const authData = Buffer.concat([sha256(this.rpId), Buffer.from([0x05]), count]);
    const clientDataJSON = this.clientData('webauthn.get', options.challenge);
    const signature = sign('sha256', Buffer.concat([authData, sha256(clientDataJSON)]), this.key);
    return {
      id: b64u(this.credentialId), rawId: b64u(this.credentialId), type: 'public-key', clientExtensionResults: {},
      response: { clientDataJSON: b64u(clientDataJSON), authenticatorData: b64u(authData), signature: b64u(signature) },
    };
  }
}
