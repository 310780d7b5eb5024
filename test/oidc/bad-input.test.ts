// The OpenID Provider's bad-input catalogue: each refusal with its OAuth error and catalogue code,
// and a count of the provider's stored rows showing nothing was stored (or that a replay revoked
// everything issued from the code or refresh token family).

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import * as oidc from 'openid-client';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { ManualClock } from '../../src/app/clock.js';
import { DEMO_PASSWORD } from '../../src/app/demo.js';
import { ALICE } from '../interactive/helpers.js';
import { HttpBrowser, REDIRECT, authorizeUrl, registerApp, rpConfig, walk, type Authorize } from './helpers.js';
import type { ApplicationRecord } from '../../src/storage/ports-apps.js';

describe('OpenID Provider bad input', () => {
  let s: TestServer;
  const clock = new ManualClock(Date.now());
  let app: ApplicationRecord;
  let secret: string;
  let config: oidc.Configuration;
  let browser: HttpBrowser;

  const rows = () => s.ctx.store.oidcArtefacts.countByModel();
  const tokenRows = async () => { const r = await rows(); return (r.AccessToken ?? 0) + (r.RefreshToken ?? 0); };
  /** A fresh code for the app, signed in as Alice (the OP session is reused after the first). */
  async function code(extra: Record<string, string> = {}): Promise<{ a: Authorize; cb: URL }> {
    const a = await authorizeUrl(config, extra);
    return { a, cb: await walk(browser, a.url, { username: ALICE, password: DEMO_PASSWORD }) };
  }
  /** A token endpoint request by hand, so the exact wire answer can be checked. */
  async function token(form: Record<string, string>, auth: string | null = `Basic ${Buffer.from(`${app.appId}:${secret}`).toString('base64')}`): Promise<{ status: number; body: Record<string, any> }> {
    const r = await fetch(`${s.url}/oidc/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...(auth ? { authorization: auth } : {}) }, body: new URLSearchParams(form).toString() });
    return { status: r.status, body: await r.json() as Record<string, any> };
  }

  before(async () => {
    s = await startTestServer({ clock });
    ({ app, secret } = await registerApp(s) as { app: ApplicationRecord; secret: string });
    config = await rpConfig(s, app, secret);
    browser = new HttpBrowser();
  });
  after(async () => { await s.close(); });

  it('authorization code replay: invalid_grant (OPSSO1801) and every token from that code revoked', async () => {
    const { a, cb } = await code();
    const c = cb.searchParams.get('code')!;
    const first = await token({ grant_type: 'authorization_code', code: c, redirect_uri: REDIRECT, code_verifier: a.verifier });
    assert.equal(first.status, 200);
    assert.ok(await tokenRows() >= 2);
    const replay = await token({ grant_type: 'authorization_code', code: c, redirect_uri: REDIRECT, code_verifier: a.verifier });
    assert.equal(replay.status, 400);
    assert.equal(replay.body.error, 'invalid_grant');
    assert.equal(replay.body.error_code, 'OPSSO1801');
    assert.equal((await oidc.tokenIntrospection(config, first.body.access_token)).active, false, 'the first access token is revoked');
    const refresh = await token({ grant_type: 'refresh_token', refresh_token: first.body.refresh_token });
    assert.equal(refresh.body.error, 'invalid_grant', 'the first refresh token is revoked');
    assert.equal(await tokenRows(), 0);
  });

  it('redirect_uri mismatch and open-redirect attempts: a page with OPSSO1803, never a redirect, nothing stored', async () => {
    const before = await rows();
    for (const evil of ['https://evil.example/cb', 'http://127.0.0.1.evil.example/cb', 'http://127.0.0.1/cb/../evil', 'http://127.0.0.1/cb?next=https://evil.example', 'http://[::1]/cb', 'http://127.0.0.1/CB', 'http://127.0.0.1:0/cb']) {
      const a = await authorizeUrl(config, { redirect_uri: evil });
      const r = await fetch(a.url, { redirect: 'manual' });
      const html = await r.text();
      assert.equal(r.status, 400, evil);
      assert.equal(r.headers.get('location'), null, `${evil}: no redirect`);
      assert.match(html, /OPSSO1803/, evil);
      assert.doesNotMatch(html, /evil\.example[^<]*<\/a>/, 'the page links nowhere near the attacker');
    }
    assert.deepEqual(await rows(), before);
  });

  it('a loopback redirect URI on another port is the same URI (RFC 8252 §7.3)', async () => {
    const a = await authorizeUrl(config, {}, 'http://127.0.0.1:49152/cb');
    const cb = await walk(browser, a.url, { username: ALICE, password: DEMO_PASSWORD });
    assert.equal(cb.origin, 'http://127.0.0.1:49152');
    assert.ok(cb.searchParams.get('code'));
  });

  it('missing PKCE for a public client, and plain PKCE: invalid_request back to the app, nothing stored', async () => {
    const pub = (await registerApp(s, { displayName: 'Native', clientType: 'public', redirectUris: ['com.example.native:/cb'] })).app;
    const before = await rows();
    const base = { client_id: pub.appId, response_type: 'code', scope: 'openid', redirect_uri: 'com.example.native:/cb', state: 's1' };
    for (const extra of [{}, { code_challenge: 'x'.repeat(43), code_challenge_method: 'plain' }] as Record<string, string>[]) {
      const r = await fetch(`${s.url}/oidc/auth?${new URLSearchParams({ ...base, ...extra })}`, { redirect: 'manual' });
      const loc = new URL(r.headers.get('location')!);
      assert.equal(loc.protocol, 'com.example.native:');
      assert.equal(loc.searchParams.get('error'), 'invalid_request');
      assert.match(loc.searchParams.get('error_description')!, /PKCE|code_challenge/);
      assert.equal(loc.searchParams.get('state'), 's1');
    }
    assert.deepEqual(await rows(), before);
  });

  it('missing or wrong PKCE verifier: invalid_grant (OPSSO1801), no tokens', async () => {
    for (const verifier of [undefined, 'w'.repeat(43)]) {
      const { cb } = await code();
      const r = await token({ grant_type: 'authorization_code', code: cb.searchParams.get('code')!, redirect_uri: REDIRECT, ...(verifier ? { code_verifier: verifier } : {}) });
      assert.equal(r.status, 400);
      assert.equal(r.body.error, 'invalid_grant');
      assert.equal(r.body.error_code, 'OPSSO1801');
      assert.equal(await tokenRows(), 0);
    }
  });

  it('unknown client: a page at the authorization endpoint, invalid_client (OPSSO1800) at the token endpoint', async () => {
    const before = await rows();
    const stranger = randomUUID();
    const r = await fetch(`${s.url}/oidc/auth?${new URLSearchParams({ client_id: stranger, response_type: 'code', scope: 'openid', redirect_uri: REDIRECT, code_challenge: 'x'.repeat(43), code_challenge_method: 'S256' })}`, { redirect: 'manual' });
    assert.equal(r.status, 400);
    assert.equal(r.headers.get('location'), null);
    assert.match(await r.text(), /OPSSO1800/);
    const t = await token({ grant_type: 'authorization_code', code: 'x', redirect_uri: REDIRECT, code_verifier: 'v'.repeat(43) }, `Basic ${Buffer.from(`${stranger}:guess`).toString('base64')}`);
    assert.equal(t.status, 401);
    assert.equal(t.body.error, 'invalid_client');
    assert.equal(t.body.error_code, 'OPSSO1800');
    assert.deepEqual(await rows(), before);
  });

  it('expired code: invalid_grant (OPSSO1801), no tokens', async () => {
    const { a, cb } = await code();
    clock.set(clock.now() + 61_000);
    const r = await token({ grant_type: 'authorization_code', code: cb.searchParams.get('code')!, redirect_uri: REDIRECT, code_verifier: a.verifier });
    assert.equal(r.body.error, 'invalid_grant');
    assert.equal(r.body.error_code, 'OPSSO1801');
    assert.equal(await tokenRows(), 0);
  });

  it('refresh token reuse: invalid_grant and the whole family revoked', async () => {
    const { a, cb } = await code();
    const t = await token({ grant_type: 'authorization_code', code: cb.searchParams.get('code')!, redirect_uri: REDIRECT, code_verifier: a.verifier });
    const r1 = t.body.refresh_token as string;
    const second = await token({ grant_type: 'refresh_token', refresh_token: r1 });
    assert.equal(second.status, 200);
    const r2 = second.body.refresh_token as string;
    assert.notEqual(r2, r1);
    const reuse = await token({ grant_type: 'refresh_token', refresh_token: r1 });
    assert.equal(reuse.body.error, 'invalid_grant');
    assert.equal(reuse.body.error_code, 'OPSSO1801');
    assert.equal((await token({ grant_type: 'refresh_token', refresh_token: r2 })).body.error, 'invalid_grant', 'the rotated token dies with the family');
    assert.equal((await oidc.tokenIntrospection(config, second.body.access_token)).active, false);
    assert.equal(await tokenRows(), 0);
  });

  it('wrong client secret goes through the credential guard: invalid_client, counted, then locked before any check', async () => {
    const { a, cb } = await code();
    const form = { grant_type: 'authorization_code', code: cb.searchParams.get('code')!, redirect_uri: REDIRECT, code_verifier: a.verifier };
    const wrong = `Basic ${Buffer.from(`${app.appId}:not-the-secret`).toString('base64')}`;
    const first = await token(form, wrong);
    assert.equal(first.status, 401);
    assert.equal(first.body.error, 'invalid_client');
    assert.equal(first.body.error_code, 'OPSSO1800');
    const failures = (await s.ctx.store.lockouts.getMany([`acct:oidc-clients:${app.appId}#u`, `acct:oidc-clients:${app.appId}#f`])).reduce((n, r) => n + r.failures, 0);
    assert.equal(failures, 1, 'the guard counted the failure');
    let refused: { status: number; body: Record<string, any> } | null = null;
    for (let i = 0; i < 15 && !refused; i++) {
      const r = await token(form, wrong);
      if (r.body.error_code !== 'OPSSO1800') refused = r;
    }
    assert.ok(refused, 'the guard stops the guessing');
    // Smart lockout: this network never authenticated the app, so its failures lock it out (OPSSO1205).
    assert.equal(refused.body.error_code, 'OPSSO1205', JSON.stringify(refused.body));
    // Even the right secret is now refused before it is checked, and the code was never redeemed.
    const right = await token(form);
    assert.notEqual(right.status, 200);
    assert.equal(await tokenRows(), 0);
  });
});
