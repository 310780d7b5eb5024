// The sign-in pages over real HTTP: cookie and CSRF token, username → password → MFA → done (or
// redirect with the token in the fragment), enrolment, escaping, redirect_uri rules, messages.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { ManualClock } from '../../src/app/clock.js';
import { DEMO_PASSWORD } from '../../src/app/demo.js';
import { totpAt } from '../../src/policy/totp.js';
import { authenticateRegistration } from '../../src/app/registration-auth.js';
import { createUser } from '../../src/app/directory.js';
import { issueTemporaryAccessPass } from '../../src/app/interactive/admin.js';
import { ALICE, BOB, CAROL, PageClient, addTotp, nowSeconds, setMfaState } from './helpers.js';

describe('interactive sign-in pages', () => {
  let s: TestServer;
  let bobSecret: string;
  const clock = new ManualClock(Date.UTC(2027, 0, 15, 10, 0, 5));

  before(async () => {
    s = await startTestServer({ clock });
    await setMfaState(s, BOB, 'enforced');
    bobSecret = await addTotp(s, BOB);
  });
  after(async () => { await s.close(); });

  async function toPassword(c: PageClient, username: string, start = '/signin') {
    assert.equal((await c.get(start)).status, 200);
    const r = await c.post('/signin/username', { username });
    assert.equal(r.status, 303);
    assert.equal(r.location, '/signin/password');
    return c.get('/signin/password');
  }

  it('serves the first page with a strict CSP, an HttpOnly SameSite cookie and a CSRF token', async () => {
    const c = new PageClient(s.url);
    const { r, html } = await c.get('/signin');
    assert.equal(r.headers.get('content-type'), 'text/html; charset=utf-8');
    const csp = r.headers.get('content-security-policy')!;
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, /style-src 'nonce-[A-Za-z0-9+/=]+'/);
    assert.doesNotMatch(csp, /unsafe-inline/);
    assert.match(csp, /frame-ancestors 'none'/);
    const nonce = /'nonce-([^']+)'/.exec(csp)![1]!;
    assert.ok(html.includes(`<style nonce="${nonce}">`));
    const cookie = r.headers.get('set-cookie')!;
    assert.match(cookie, /^opsso_signin=sis\.[A-Za-z0-9_-]+; Path=\/signin; Max-Age=900; HttpOnly; SameSite=Lax$/);
    assert.equal(r.headers.get('cache-control'), 'no-store');
    assert.equal(r.headers.get('x-frame-options'), 'DENY');
    assert.ok(c.csrf.length > 20);
  });

  it('walks username → password → MFA (with the reason) → done, showing the token once', async () => {
    const c = new PageClient(s.url);
    const pw = await toPassword(c, BOB);
    assert.ok(pw.html.includes(BOB));
    const p = await c.post('/signin/password', { password: DEMO_PASSWORD });
    assert.equal(p.status, 303);
    assert.equal(p.location, '/signin/mfa');
    const mfa = await c.get('/signin/mfa');
    assert.equal(mfa.status, 200);
    assert.match(mfa.html, /A second step is required/);
    assert.match(mfa.html, /Why: your organisation requires MFA \(per-user MFA is &#39;enforced&#39; for your account\)/);
    assert.match(mfa.html, /name="code"/);
    assert.doesNotMatch(mfa.html, /<script/, 'no script without a passkey');

    const wrong = await c.post('/signin/mfa/totp', { code: '12345' });
    assert.equal(wrong.status, 401);
    assert.match(wrong.html, /That verification code or passkey was not accepted/);
    assert.match(wrong.html, /A code is the 6 digits your authenticator app shows/);

    const ok = await c.post('/signin/mfa/totp', { code: totpAt(bobSecret, nowSeconds(s)) });
    assert.equal(ok.status, 303);
    assert.equal(ok.location, '/signin/done');
    const done = await c.get('/signin/done');
    assert.equal(done.status, 200);
    const token = /id="access-token">([^<]+)</.exec(done.html)![1]!;
    const principal = await authenticateRegistration(s.ctx, `Bearer ${token}`);
    assert.ok(principal.kind === 'bearer' && principal.amr.includes('mfa'));
    assert.match(done.r.headers.get('set-cookie')!, /Max-Age=0/);
    const again = await c.get('/signin/done');
    assert.equal(again.status, 400);
    assert.match(again.html, /expired or was already used/);
    clock.advance(30_000);
  });

  it('redirects to an allowed redirect_uri with the token in the fragment', async () => {
    const c = new PageClient(s.url);
    const target = 'http://127.0.0.1:45678/callback?state=xyz';
    const first = await c.get(`/signin?redirect_uri=${encodeURIComponent(target)}`);
    assert.match(first.r.headers.get('content-security-policy')!, /form-action 'self' http:\/\/127\.0\.0\.1:45678/);
    await c.post('/signin/username', { username: ALICE });
    const p = await c.post('/signin/password', { password: DEMO_PASSWORD });
    assert.equal(p.location, '/signin/done');
    const done = await fetch(`${s.url}/signin/done`, { headers: { cookie: c.cookie }, redirect: 'manual' });
    assert.equal(done.status, 303);
    const loc = new URL(done.headers.get('location')!);
    assert.equal(`${loc.origin}${loc.pathname}${loc.search}`, target);
    const frag = new URLSearchParams(loc.hash.slice(1));
    assert.equal(frag.get('token_type'), 'Bearer');
    assert.equal(frag.get('amr'), 'pwd');
    assert.equal((await authenticateRegistration(s.ctx, `Bearer ${frag.get('access_token')}`)).kind, 'bearer');

    const ext = new PageClient(s.url);
    const e = await ext.get(`/signin?redirect_uri=${encodeURIComponent('openpsso-extension://callback')}`);
    assert.equal(e.status, 200);
    assert.match(e.r.headers.get('content-security-policy')!, /form-action 'self' openpsso-extension:/);
  });

  it('refuses any other redirect_uri before a session starts', async () => {
    for (const bad of ['https://evil.example/cb', 'javascript:alert(1)', 'http://localhost:8080/cb', 'http://127.0.0.1/cb',
      'http://127.0.0.1:1@evil.example/', 'http://user:pw@127.0.0.1:9/x', 'openpsso-extension://cb#frag', 'data:text/html,hi', ' http://127.0.0.1:9/']) {
      const r = await fetch(`${s.url}/signin?redirect_uri=${encodeURIComponent(bad)}`, { redirect: 'manual' });
      assert.equal(r.status, 400, bad);
      assert.equal(r.headers.get('set-cookie'), null, bad);
      assert.match(await r.text(), /Sign-in link not valid/);
    }
  });

  it('refuses a form without the CSRF token, and a request without the session cookie', async () => {
    const c = new PageClient(s.url);
    await c.get('/signin');
    const noCsrf = await c.post('/signin/username', { username: ALICE }, false);
    assert.equal(noCsrf.status, 400);
    assert.match(noCsrf.html, /did not come from this sign-in page/);
    const stranger = new PageClient(s.url);
    stranger.csrf = c.csrf;
    const noCookie = await stranger.post('/signin/username', { username: ALICE });
    assert.equal(noCookie.status, 400);
    assert.match(noCookie.html, /expired or was already used/);
    // Skipping ahead lands on the page of the current stage (which keeps the session, unlike /signin).
    const skip = await c.get('/signin/mfa');
    assert.equal(skip.status, 303);
    assert.equal(skip.r.headers.get('location'), '/signin/username');
    const back = await c.get('/signin/username');
    assert.equal(back.status, 200);
    assert.match(back.html, /action="\/signin\/username"/);
  });

  it('escapes what the user typed', async () => {
    const c = new PageClient(s.url);
    const evil = '<script>alert("x")</script>@demo.openpsso.test';
    const pw = await toPassword(c, evil);
    assert.ok(pw.html.includes('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;@demo.openpsso.test'));
    assert.ok(!pw.html.includes('<script>alert'));
    const r = await c.post('/signin/password', { password: 'whatever' });
    assert.equal(r.status, 401);
    assert.match(r.html, /Incorrect username or password/);
    assert.ok(!r.html.includes('<script>alert'));
  });

  it('says until when an account is locked', async () => {
    const settings = await s.ctx.store.orgSettings.get(s.orgId);
    await s.ctx.store.orgSettings.put({ ...settings, lockoutThreshold: 2, lockoutSeconds: 60 });
    try {
      const c = new PageClient(s.url);
      await toPassword(c, 'erin@demo.openpsso.test');
      await c.post('/signin/password', { password: 'x' });
      const locked = await c.post('/signin/password', { password: 'y' });
      assert.equal(locked.status, 400);
      assert.match(locked.html, /Your account is temporarily locked\./);
      assert.match(locked.html, /Locked until 2027-01-15 10:01:35 UTC \(in about 60 seconds\); try again then, or ask an administrator\./);
    } finally {
      await s.ctx.store.orgSettings.put(settings);
    }
  });

  it('shows enrolment (secret and otpauth URI as text) to a user without a method, and a code finishes it', async () => {
    await setMfaState(s, CAROL, 'enforced');
    const c = new PageClient(s.url);
    await toPassword(c, CAROL);
    const p = await c.post('/signin/password', { password: DEMO_PASSWORD });
    assert.equal(p.location, '/signin/enroll');
    const page = await c.get('/signin/enroll');
    assert.match(page.html, /Set up a second sign-in method/);
    assert.match(page.html, /<script nonce="/, 'the passkey button has its script');
    const secret = /id="totp-secret">([A-Z2-7 ]+)</.exec(page.html)![1]!.replace(/ /g, '');
    assert.match(page.html, /id="totp-uri">otpauth:\/\/totp\/OpenPSSO%20\(127\.0\.0\.1%3A\d+\):carol%40demo\.openpsso\.test\?secret=/);
    const ok = await c.post('/signin/enroll/totp', { code: totpAt(secret, nowSeconds(s)) });
    assert.equal(ok.location, '/signin/done');
    const done = await c.get('/signin/done');
    assert.match(done.html, /Verified with: pwd, otp, mfa/);
  });

  it('lets a temporary access pass in, then offers enrolment without forcing it', async () => {
    const frank = await createUser(s.ctx, s.orgId, { userPrincipalName: 'frank@demo.openpsso.test', password: DEMO_PASSWORD });
    await setMfaState(s, frank.userPrincipalName, 'enforced');
    const { code } = await issueTemporaryAccessPass(s.ctx, frank, { minutes: 60 });
    const c = new PageClient(s.url);
    await toPassword(c, frank.userPrincipalName);
    assert.equal((await c.post('/signin/password', { password: DEMO_PASSWORD })).location, '/signin/enroll');
    const before = await c.get('/signin/enroll');
    assert.match(before.html, /If your administrator gave you a pass, use it first/);
    assert.doesNotMatch(before.html, /Continue without setting up/);
    assert.equal((await c.post('/signin/enroll/skip', {})).status, 401, 'no skipping before MFA');

    const tap = await c.post('/signin/mfa/tap', { code: code.replace(/-/g, ' ').toLowerCase() });
    assert.equal(tap.location, '/signin/enroll');
    const offered = await c.get('/signin/enroll');
    assert.match(offered.html, /You are verified/);
    assert.match(offered.html, /Continue without setting up/);
    assert.equal((await c.post('/signin/enroll/skip', {})).location, '/signin/done');
    const done = await c.get('/signin/done');
    assert.match(done.html, /Verified with: pwd, tap, mfa/);
  });
});
