// The web login bad-input catalogue: each refused authorize or token-exchange request gets its
// code, and nothing is stored (row counts, used states and codes, sessions, tokens stay as they were).

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { sign } from 'node:crypto';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { dbSnapshot } from '../helpers/db-snapshot.js';
import { ManualClock } from '../../src/app/clock.js';
import { DEMO_PASSWORD } from '../../src/app/demo.js';
import { VirtualMac } from '../../src/mac/agent.js';
import { MemoryStore } from '../../src/mac/state-store.js';
import { MacError } from '../../src/mac/errors.js';
import { WebView } from '../../src/mac/web-login-view.js';
import { revokeDevice } from '../../src/app/directory.js';
import {
  buildAuthorizationRequestObject, buildLoginRequest, buildPssoForm, generateP256, kidFromX963, type AuthorizationRequestClaims,
} from '../../src/protocol/index.js';

const ALICE = 'alice@demo.openpsso.test';
const BOB = 'bob@demo.openpsso.test';
const b64u = (s: string | Buffer) => Buffer.from(s).toString('base64url');

describe('web login bad-input catalogue', () => {
  const clock = new ManualClock(Date.UTC(2027, 2, 4, 9, 0, 0));
  let s: TestServer;
  let macA: VirtualMac;
  let macB: VirtualMac;
  let macR: VirtualMac;

  const newMac = () => new VirtualMac({ store: new MemoryStore(), clock, scryptCost: 1024 });

  before(async () => {
    s = await startTestServer({ clock });
    macA = newMac();
    macB = newMac();
    macR = newMac();
    for (const m of [macA, macB, macR]) await m.register({ server: s.url, token: s.registrationToken, user: ALICE, password: DEMO_PASSWORD, webLogin: true });
    await revokeDevice(s.ctx, (await macR.state.device())!.serverDeviceId!);
  });
  after(async () => { await s.close(); });

  /** Table counts plus what a refusal must not use up: states, codes. */
  function snapshot(): Record<string, number> {
    const out = dbSnapshot(s.dataDir);
    const db = new Database(join(s.dataDir, 'openpsso.db'), { readonly: true, fileMustExist: true });
    try {
      out['web_login_states.used'] = (db.prepare('select count(*) as n from web_login_states where used_at is not null').get() as { n: number }).n;
      out['web_login_codes.used'] = (db.prepare('select count(*) as n from web_login_codes where used_at is not null').get() as { n: number }).n;
    } finally {
      db.close();
    }
    return out;
  }

  async function preauth(): Promise<{ authorizationURL: string; authorizationRequest: AuthorizationRequestClaims }> {
    const r = await fetch(`${s.url}/psso/web-login/preauth?user=${encodeURIComponent(ALICE)}`, { headers: { accept: 'application/json' } });
    assert.equal(r.status, 200);
    return r.json() as never;
  }

  async function requestObject(mac: VirtualMac, ar: AuthorizationRequestClaims): Promise<string> {
    const keys = await mac.deviceKeys();
    return buildAuthorizationRequestObject({ signingKey: keys.signing, signingKid: keys.signingKid, x5c: [], request: ar });
  }

  async function authorize(url: string, request: string | undefined): Promise<{ status: number; code: string | null; location: string | null; html: string }> {
    const r = await fetch(url, {
      method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'null' },
      body: request === undefined ? '' : new URLSearchParams({ request }).toString(),
    });
    return { status: r.status, code: r.headers.get('x-openpsso-error-code'), location: r.headers.get('location'), html: await r.text() };
  }

  /** An authorize request refused with `code`, shown as a page, and nothing stored. */
  async function expectAuthorizeRefused(url: string, request: string | undefined, code: string, status = 400): Promise<void> {
    const before = snapshot();
    const rows = s.signIns.events.length;
    const r = await authorize(url, request);
    assert.equal(r.status, status, r.html);
    const logged = s.signIns.events.slice(rows);
    assert.equal(logged.length, 1, 'one sign-in log row for the refusal');
    assert.equal(`OPSSO${logged[0]!.error?.entry.code}`, code);
    assert.equal(r.code, code);
    assert.match(r.html, new RegExp(`Error code ${code}`), 'the page shows the code');
    assert.match(r.html, /<h1>Sign-in cannot start<\/h1>/);
    assert.deepEqual(snapshot(), before, 'a refused authorize request stores nothing');
  }

  /** Walks a fresh web sign-in on `mac` up to the callback, without the token exchange. */
  async function callbackFor(mac: VirtualMac): Promise<{ callbackUrl: string; state: string }> {
    const p = await preauth();
    const view = new WebView(fetch as never);
    const r = await view.signIn(p.authorizationURL, await requestObject(mac, p.authorizationRequest), { username: ALICE, password: DEMO_PASSWORD, totpCode: () => null });
    return { callbackUrl: r.callbackUrl, state: p.authorizationRequest.state };
  }

  async function exchange(mac: VirtualMac, callbackUrl: string, username = ALICE) {
    const { cfg } = await mac.registered();
    return mac.client.login({ cfg, keys: await mac.deviceKeys(), username, credential: { kind: 'web', callbackUrl } });
  }

  /**
   * A token exchange refused with `code`. Its request nonce is used (it passed the signature
   * checks) and a code refusal counts one failure against the account; nothing else changes.
   */
  async function expectExchangeRefused(mac: VirtualMac, callbackUrl: string, code: string, o: { username?: string; guard?: boolean } = {}): Promise<void> {
    const before = snapshot();
    await assert.rejects(exchange(mac, callbackUrl, o.username), (e: unknown) => {
      assert.ok(e instanceof MacError, String(e));
      assert.equal(e.status, 400, e.message);
      assert.equal(e.code, code, e.message);
      return true;
    });
    const after = snapshot();
    before['nonces.used']! += 1;
    if (o.guard !== false) {
      before['lockouts.failures']! += 1;
      for (const t of ['lockouts', 'throttle_buckets']) before[t] = after[t]!;
    }
    assert.deepEqual(after, before, 'a refused token exchange stores nothing');
  }

  it('unsigned request object (alg none) → OPSSO1005', async () => {
    const p = await preauth();
    const jwt = await requestObject(macA, p.authorizationRequest);
    const [h, c] = jwt.split('.') as [string, string];
    const header = { ...JSON.parse(Buffer.from(h, 'base64url').toString()), alg: 'none' };
    await expectAuthorizeRefused(p.authorizationURL, `${b64u(JSON.stringify(header))}.${c}.`, 'OPSSO1005');
  });

  it('request object signed by another key under the device kid → OPSSO1103', async () => {
    const p = await preauth();
    const keys = await macA.deviceKeys();
    const forged = buildAuthorizationRequestObject({ signingKey: generateP256().privateKey, signingKid: keys.signingKid, x5c: [], request: p.authorizationRequest });
    await expectAuthorizeRefused(p.authorizationURL, forged, 'OPSSO1103');
    // The state was not burnt: the real Mac can still use it.
    const ok = await authorize(p.authorizationURL, await requestObject(macA, p.authorizationRequest));
    assert.equal(ok.status, 303);
  });

  it('missing request object → OPSSO1841; wrong typ → OPSSO1841', async () => {
    const p = await preauth();
    await expectAuthorizeRefused(p.authorizationURL, undefined, 'OPSSO1841');
    const jwt = await requestObject(macA, p.authorizationRequest);
    const [h, c] = jwt.split('.') as [string, string];
    const header = { ...JSON.parse(Buffer.from(h, 'base64url').toString()), typ: 'JWT' };
    const input = `${b64u(JSON.stringify(header))}.${c}`;
    const sig = sign('sha256', Buffer.from(input), { key: (await macA.deviceKeys()).signing, dsaEncoding: 'ieee-p1363' });
    await expectAuthorizeRefused(p.authorizationURL, `${input}.${b64u(sig)}`, 'OPSSO1841');
  });

  it('unknown device → OPSSO1101; revoked device → OPSSO1102', async () => {
    const p = await preauth();
    const stranger = generateP256();
    const jwt = buildAuthorizationRequestObject({ signingKey: stranger.privateKey, signingKid: kidFromX963(stranger.x963), x5c: [], request: p.authorizationRequest });
    await expectAuthorizeRefused(p.authorizationURL, jwt, 'OPSSO1101');
    await expectAuthorizeRefused(p.authorizationURL, await requestObject(macR, p.authorizationRequest), 'OPSSO1102');
  });

  it('replayed state → OPSSO1840', async () => {
    const p = await preauth();
    const jwt = await requestObject(macA, p.authorizationRequest);
    assert.equal((await authorize(p.authorizationURL, jwt)).status, 303);
    await expectAuthorizeRefused(p.authorizationURL, jwt, 'OPSSO1840');
  });

  it('state in the query differs from the signed state → OPSSO1842; foreign nonce, client or redirect → OPSSO1842', async () => {
    const p = await preauth();
    const url = new URL(p.authorizationURL);
    url.searchParams.set('state', 'not-the-signed-state');
    await expectAuthorizeRefused(url.toString(), await requestObject(macA, p.authorizationRequest), 'OPSSO1842');
    await expectAuthorizeRefused(p.authorizationURL, await requestObject(macA, { ...p.authorizationRequest, nonce: 'F00D' }), 'OPSSO1842');
    await expectAuthorizeRefused(p.authorizationURL, await requestObject(macA, { ...p.authorizationRequest, client_id: 'someone-else' }), 'OPSSO1842');
    await expectAuthorizeRefused(p.authorizationURL, await requestObject(macA, { ...p.authorizationRequest, redirect_uri: 'https://evil.example/cb' }), 'OPSSO1842');
    // The upper-case spelling seen in a beta is the same callback.
    const ok = await authorize(p.authorizationURL, await requestObject(macA, { ...p.authorizationRequest, redirect_uri: 'com.apple.PlatformSSO://callback' }));
    assert.equal(ok.status, 303);
  });

  it('replayed code → OPSSO1843', async () => {
    const cb = await callbackFor(macA);
    const t = await exchange(macA, cb.callbackUrl);
    assert.ok(t.idToken);
    await expectExchangeRefused(macA, cb.callbackUrl, 'OPSSO1843');
  });

  it('callback state changed → OPSSO1844; code for another device → OPSSO1844, and the rightful Mac still redeems it', async () => {
    const cb = await callbackFor(macA);
    const u = new URL(cb.callbackUrl);
    u.searchParams.set('state', 'other-state');
    await expectExchangeRefused(macA, u.toString(), 'OPSSO1844');
    await expectExchangeRefused(macB, cb.callbackUrl, 'OPSSO1844');
    const t = await exchange(macA, cb.callbackUrl);
    assert.equal(t.claims.preferred_username, ALICE);
  });

  it('sub/username is not the user who signed in → OPSSO1844', async () => {
    const cb = await callbackFor(macA);
    await expectExchangeRefused(macA, cb.callbackUrl, 'OPSSO1844', { username: BOB });
  });

  it('subject_token that is not the callback URL → OPSSO1845', async () => {
    await expectExchangeRefused(macA, 'https://evil.example/callback?code=x&state=y', 'OPSSO1845', { guard: false });
    await expectExchangeRefused(macA, 'com.apple.platformsso://callback?state=y', 'OPSSO1845', { guard: false });
  });

  it('HPKE jwe_crypto → OPSSO1846 (a clear 400, not an undecryptable JWE)', async () => {
    const cb = await callbackFor(macA);
    const keys = await macA.deviceKeys();
    const { cfg } = await macA.registered();
    const nonce = ((await (await fetch(`${s.url}/psso/nonce`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=srv_challenge' })).json()) as { Nonce: string }).Nonce;
    const before = snapshot();
    const b = buildLoginRequest({
      signingKey: keys.signing, signingKid: keys.signingKid, encryptionKey: keys.encryptionX963, clientId: cfg.clientID, requestNonce: nonce,
      now: Math.floor(clock.now() / 1000), tokenUrl: cfg.tokenEndpointURL, username: ALICE, subjectToken: cb.callbackUrl,
      extraClaims: { jwe_crypto: { alg: 'HPKE-P256-SHA256-A256GCM', enc: 'dir', kid: keys.signingKid } },
    });
    const r = await fetch(cfg.tokenEndpointURL, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: buildPssoForm(b.jwt, '1.0') });
    assert.equal(r.status, 400);
    const body = await r.json() as { error_code: string };
    assert.equal(body.error_code, 'OPSSO1846');
    assert.deepEqual(snapshot(), before, 'nothing stored, not even the nonce used (the check fails before it)');
    // The code is still good for a well-formed request.
    assert.ok((await exchange(macA, cb.callbackUrl)).idToken);
  });
});
