// Turns a generated request shape into a real HTTP request against a running server: fills in live
// ids, credentials, a fresh nonce and a freshly signed PSSO request or registration body, then
// sends it and checks the answer. Keys and UUIDs made here are random (they must be unique); the
// fuzzed parts all come from the seeded generators.

import { randomUUID } from 'node:crypto';
import type { TestServer } from '../helpers/test-server.js';
import { RawDevice } from '../helpers/raw-device.js';
import { DEMO_PASSWORD } from '../../src/app/demo.js';
import { generateP256, kidFromX963, pemFromX963, signCompactJws } from '../../src/protocol/index.js';
import type { Edit, IdPart, Live, Shape } from './http-requests.js';

export const ALICE = 'alice@demo.openpsso.test';

export interface FuzzEnv {
  s: TestServer;
  admin: string;
  adminClient: { id: string; secret: string };
  dev: RawDevice;
  refreshToken: string;
  ids: Record<Live, string>;
}

export interface Sent { method: string; url: string; body: string; status: number; contentType: string; text: string }

/** Percent-encodes any JS string; a lone surrogate (which encodeURIComponent refuses) goes as its UTF-8 replacement bytes. */
export function pct(s: string): string {
  try {
    return encodeURIComponent(s);
  } catch {
    return [...Buffer.from(s, 'utf8')].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('');
  }
}

function idText(env: FuzzEnv, id: IdPart): string {
  if (typeof id === 'string') return pct(env.ids[id]);
  return 'text' in id ? pct(id.text) : id.raw;
}

function applyEdits(target: Record<string, unknown>, edits: Edit[], pick: (e: Edit) => Record<string, unknown> | null): void {
  for (const e of edits) {
    const o = pick(e) ?? target;
    if (e.value === undefined) delete o[e.name]; else o[e.name] = e.value;
  }
}

const decode = (seg: string) => JSON.parse(Buffer.from(seg, 'base64url').toString('utf8')) as Record<string, unknown>;

/** A valid request of the shape's kind from the test device, with the edits applied and signed again. */
async function pssoForm(env: FuzzEnv, shape: Shape, sent: (x: Sent) => void): Promise<string> {
  const p = shape.psso!;
  const { dev, refreshToken } = env;
  const nonceRes = await send(env, { family: shape.family, method: 'POST', path: '/psso/token', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=srv_challenge' });
  sent(nonceRes);
  const nonce = (JSON.parse(nonceRes.text) as { Nonce?: string }).Nonce ?? 'none';
  const now = Math.floor(env.s.ctx.clock.now() / 1000);
  const built = p.kind === 'login' ? dev.loginRequest(nonce, now, { username: ALICE, password: DEMO_PASSWORD })
    : p.kind === 'refresh' ? dev.refreshRequest(nonce, now, refreshToken, ALICE)
    : p.kind === 'key_request' ? dev.keyRequest(nonce, now, refreshToken, ALICE)
    : dev.keyExchangeRequest(nonce, now, refreshToken, ALICE, generateP256().x963);
  const [h, c] = built.jwt.split('.') as [string, string];
  const header = decode(h);
  const claims = decode(c);
  applyEdits(claims, p.edits, (e) => {
    if (e.target === 'header') return header;
    const jc = claims.jwe_crypto;
    return e.target === 'jwe_crypto' && jc !== null && typeof jc === 'object' ? jc as Record<string, unknown> : claims;
  });
  const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  const jwt = header.alg === 'ES256' ? signCompactJws(header, claims, dev.signing.privateKey) : `${b64(header)}.${b64(claims)}.AAAA`;
  const form = new URLSearchParams({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', [p.field]: jwt });
  if (p.version) form.set('platform_sso_version', p.version);
  return form.toString();
}

function registrationBody(shape: Shape): string {
  const r = shape.register!;
  let body: Record<string, unknown>;
  if (r.kind === 'device') {
    const sig = generateP256();
    const enc = generateP256();
    body = { deviceUuid: randomUUID().toUpperCase(), signingKey: pemFromX963(sig.x963), encryptionKey: pemFromX963(enc.x963), signingKeyId: kidFromX963(sig.x963), encryptionKeyId: kidFromX963(enc.x963), sharedDeviceKeys: true };
  } else {
    body = { userPrincipalName: ALICE, method: 'password', password: DEMO_PASSWORD };
  }
  applyEdits(body, r.edits, () => null);
  return JSON.stringify(body);
}

async function pageSession(env: FuzzEnv, sent: (x: Sent) => void): Promise<{ cookie: string; csrf: string }> {
  const r = await fetch(`${env.s.url}/signin`, { redirect: 'manual' });
  const text = await r.text();
  sent({ method: 'GET', url: '/signin', body: '', status: r.status, contentType: r.headers.get('content-type') ?? '', text });
  return { cookie: (r.headers.get('set-cookie') ?? '').split(';')[0]!, csrf: /name="csrf" value="([^"]+)"/.exec(text)?.[1] ?? '' };
}

/** Builds and sends one request (plus any set-up requests, reported through `sent`). */
export async function sendShape(env: FuzzEnv, shape: Shape, sent: (x: Sent) => void): Promise<void> {
  let path = typeof shape.path === 'string' ? shape.path : shape.path.ids.reduce<string>((p, id, i) => p.replace(`{${i}}`, idText(env, id)), shape.path.template);
  if (shape.query && shape.query.length > 0) path += `?${shape.query.map(([k, v]) => `${pct(k)}=${pct(v)}`).join('&')}`;
  const headers: Record<string, string> = { ...shape.headers };
  if (shape.auth === 'admin') headers.authorization = `Bearer ${env.admin}`;
  else if (shape.auth === 'registration') headers.authorization = `Bearer ${env.s.registrationToken}`;
  else if (shape.auth === 'basic-admin') headers.authorization = `Basic ${Buffer.from(`${pct(env.adminClient.id)}:${pct(env.adminClient.secret)}`).toString('base64')}`;
  else if (shape.auth) headers.authorization = shape.auth.raw;

  let body: string | Uint8Array | undefined;
  const b = shape.body;
  const isForm = typeof b === 'object' && 'form' in b;
  if (typeof b === 'string') body = b;
  else if (b && 'json' in b) body = JSON.stringify(b.json) ?? 'null';
  else if (b && 'bytes' in b) body = new Uint8Array(b.bytes);
  else if (b && 'form' in b) body = b.form.map(([k, v]) => `${pct(k)}=${pct(v)}`).join('&');
  if (shape.psso) body = await pssoForm(env, shape, sent);
  else if (shape.register && b === undefined) body = registrationBody(shape);

  if (shape.pageSession) {
    const ps = await pageSession(env, sent);
    headers.cookie = ps.cookie;
    if (typeof body === 'string' && isForm) body = `${body}&csrf=${pct(ps.csrf)}`;
    else headers['x-csrf-token'] = ps.csrf;
  }
  const withBody = shape.method !== 'GET' && shape.method !== 'HEAD';
  sent(await send(env, { family: shape.family, method: shape.method, path, headers, ...(withBody && body !== undefined ? { body } : {}) }));
}

async function send(env: FuzzEnv, r: { family: string; method: string; path: string; headers: Record<string, string>; body?: string | Uint8Array }): Promise<Sent> {
  const res = await fetch(`${env.s.url}${r.path}`, { method: r.method, headers: r.headers, body: r.body as BodyInit | undefined, redirect: 'manual' });
  const text = await res.text();
  const shown = r.body === undefined ? '' : typeof r.body === 'string' ? r.body : `<${r.body.length} bytes>`;
  return { method: r.method, url: r.path, body: shown, status: res.status, contentType: res.headers.get('content-type') ?? '', text };
}
