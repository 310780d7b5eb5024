// Page sign-ins for another app: conditional access is evaluated for the target app, the log rows name
// it, and the finished sign-in goes to the continuation's finisher once, never as a registration token.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { ManualClock } from '../../src/app/clock.js';
import { DEMO_PASSWORD } from '../../src/app/demo.js';
import { totpAt } from '../../src/policy/totp.js';
import { registerFinisher, startPageSignIn } from '../../src/server/routes/signin-pages/continuations.js';
import { authenticateRegistration } from '../../src/app/registration-auth.js';
import { ALICE, BOB, PageClient, addTotp, nowSeconds, user } from './helpers.js';

const APP_ID = '6f1c1d1e-0b1a-4c8e-9d55-3a4f0e2b7c11';

describe('page sign-in continuing to another app', () => {
  let s: TestServer;
  let bobSecret: string;
  const clock = new ManualClock(Date.UTC(2027, 0, 15, 10, 0, 5));
  const finished: { upn: string; amr: string[]; data: Record<string, unknown>; result: string | null }[] = [];

  before(async () => {
    registerFinisher('test-app', async (_ctx, f) => {
      finished.push({ upn: f.user.userPrincipalName, amr: f.amr, data: f.session.data.continuation!.data, result: f.decision?.result ?? null });
      return f.reply.code(200).send({ finished: f.user.userPrincipalName });
    });
    s = await startTestServer({
      clock,
      beforeListen: (app, ctx) => {
        app.get('/test/start', async (req, reply) => startPageSignIn(ctx, req, reply, {
          orgId: (await ctx.store.organisations.list())[0]!.id,
          target: { appId: APP_ID, appDisplayName: 'Expense Reports' },
          continuation: { kind: 'test-app', data: { ticket: 7 }, restartUrl: '/test/start' },
          loginHint: (req.query as { hint?: string }).hint,
          lockUsername: (req.query as { lock?: string }).lock === '1',
        }));
      },
    });
    bobSecret = await addTotp(s, BOB);
    // Stored directly: the policy names an app id that only this test knows.
    await s.ctx.store.policies.create(s.orgId, {
      id: 'pol_app_mfa', displayName: 'MFA for Expense Reports', state: 'enabled',
      conditions: { users: { includeUsers: ['All'], excludeUsers: [], includeGroups: [], excludeGroups: [] }, applications: { includeApplications: [APP_ID], excludeApplications: [] } },
      grantControls: { operator: 'OR', builtInControls: ['mfa'] },
    });
  });
  after(async () => { await s.close(); });

  it('asks for MFA because of the app\'s policy, then hands the finished sign-in to the finisher once', async () => {
    const c = new PageClient(s.url);
    const start = await c.get('/test/start');
    assert.equal(start.status, 303);
    assert.equal(start.r.headers.get('location'), '/signin/username');
    const first = await c.get('/signin/username');
    assert.equal(first.status, 200);
    assert.match(first.html, /continue to Expense Reports/);
    assert.equal((await c.post('/signin/username', { username: BOB })).location, '/signin/password');
    await c.get('/signin/password');
    const p = await c.post('/signin/password', { password: DEMO_PASSWORD });
    assert.equal(p.location, '/signin/mfa');
    const mfa = await c.get('/signin/mfa');
    assert.match(mfa.html, /MFA for Expense Reports|Expense Reports/);
    const m = await c.post('/signin/mfa/totp', { code: totpAt(bobSecret, nowSeconds(s)) });
    assert.equal(m.location, '/signin/done');
    const before = finished.length;
    const done = await c.get('/signin/done');
    assert.equal(done.status, 200);
    assert.deepEqual(JSON.parse(done.html), { finished: BOB });
    assert.equal(finished.length, before + 1);
    const f = finished.at(-1)!;
    assert.equal(f.upn, BOB);
    assert.ok(f.amr.includes('mfa') && f.amr.includes('pwd'));
    assert.deepEqual(f.data, { ticket: 7 });
    assert.equal(f.result, 'allow');
    // One use: the session is gone, so a reload cannot finish a second time.
    const again = await c.get('/signin/done');
    assert.equal(again.status, 400);
    assert.equal(finished.length, before + 1);
    // The rows name the app, not device registration: the MFA interrupt and the successful factor.
    const rows = s.signIns.events.filter((e) => e.userPrincipalName === BOB && e.appId === APP_ID);
    assert.ok(rows.some((e) => e.error?.entry.name === 'mfa_required_interactive'));
    assert.ok(rows.some((e) => !e.error && e.details?.step === 'totp'));
    assert.ok(rows.every((e) => e.appDisplayName === 'Expense Reports'));
  });

  it('with a locked login hint goes straight to the password for that account; "start again" returns to the app', async () => {
    const c = new PageClient(s.url);
    const start = await c.get(`/test/start?hint=${encodeURIComponent(ALICE)}&lock=1`);
    assert.equal(start.r.headers.get('location'), '/signin/password');
    const pw = await c.get('/signin/password');
    assert.ok(pw.html.includes(ALICE));
    const wrong = await c.post('/signin/password', { password: 'not the password' });
    assert.equal(wrong.status, 401);
    assert.match(wrong.html, /href="\/test\/start"/);
  });

  it('the registration sign-in is not governed by the app\'s policy and still ends in a token', async () => {
    const alice = await user(s, ALICE);
    assert.equal(alice.perUserMfaState, 'disabled');
    const c = new PageClient(s.url);
    await c.get('/signin');
    await c.post('/signin/username', { username: ALICE });
    await c.get('/signin/password');
    const p = await c.post('/signin/password', { password: DEMO_PASSWORD });
    assert.equal(p.location, '/signin/done');
    const done = await c.get('/signin/done');
    const token = /id="access-token">([^<]+)</.exec(done.html)?.[1];
    assert.ok(token, 'the done page shows the registration token');
    const principal = await authenticateRegistration(s.ctx, `Bearer ${token}`);
    assert.equal(principal.kind === 'bearer' ? principal.user.userPrincipalName : null, ALICE);
    assert.ok(!s.signIns.events.some((e) => e.userPrincipalName === ALICE && e.appId === APP_ID && !e.error));
  });
});

describe('an OAuth request sent to the registration sign-in', () => {
  let s: TestServer;
  before(async () => { s = await startTestServer(); });
  after(async () => { await s.close(); });

  it('goes to the OpenID Provider with every parameter, which then judges it (an unknown client is refused there)', async () => {
    const query = 'response_type=code&client_id=0b7c9a52-3a53-4f0e-9d7e-6d7f1a2b3c4d&redirect_uri=https%3A%2F%2Fapp.example%2Fcb&state=s1&code_challenge=abc&code_challenge_method=S256&scope=openid';
    const r = await fetch(`${s.url}/signin?${query}`, { redirect: 'manual' });
    assert.equal(r.status, 303);
    assert.equal(r.headers.get('location'), `/oidc/auth?${query}`);
    const op = await fetch(`${s.url}/oidc/auth?${query}`, { redirect: 'manual' });
    assert.equal(op.status, 400);
    assert.equal(op.headers.get('location'), null, 'an unknown client is never redirected to its redirect_uri');
    assert.match(await op.text(), /OPSSO1800/);
  });
});
