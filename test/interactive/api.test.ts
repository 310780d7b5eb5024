// The JSON sign-in API end to end: password only, MFA with TOTP (and reuse), enrolment, the TAP
// bootstrap, the reason a second factor is asked, and the sign-in log rows of every attempt.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { ManualClock } from '../../src/app/clock.js';
import { DEMO_PASSWORD } from '../../src/app/demo.js';
import { totpAt } from '../../src/policy/totp.js';
import { authenticateRegistration } from '../../src/app/registration-auth.js';
import { createUser } from '../../src/app/directory.js';
import { issueTemporaryAccessPass, listMethods, resetMethods } from '../../src/app/interactive/admin.js';
import { DEVICE_REGISTRATION_APP_ID } from '../../src/policy/app-ids.js';
import { ALICE, BOB, CAROL, addTotp, nowSeconds, postJson, setMfaState, user } from './helpers.js';

describe('interactive sign-in JSON API', () => {
  let s: TestServer;
  const clock = new ManualClock(Date.UTC(2027, 0, 15, 8, 0, 10));

  before(async () => { s = await startTestServer({ clock }); });
  after(async () => { await s.close(); });

  const signIn = (username: string, password = DEMO_PASSWORD) => postJson(s, '/api/v1/signin', { username, password });
  const eventsFor = (upn: string) => s.signIns.events.filter((e) => e.operation === 'interactive_signin' && e.userPrincipalName === upn);

  it('signs a user without MFA requirement in with the password alone (amr pwd)', async () => {
    const r = await signIn(ALICE);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.deepEqual(r.body.amr, ['pwd']);
    assert.equal(r.body.token_type, 'Bearer');
    assert.equal(r.headers.get('cache-control'), 'no-store');
    const p = await authenticateRegistration(s.ctx, `Bearer ${r.body.access_token}`);
    assert.equal(p.kind, 'bearer');
    assert.deepEqual(p.kind === 'bearer' && p.amr, ['pwd']);
    const ev = eventsFor(ALICE).at(-1)!;
    assert.equal(ev.error, undefined);
    assert.equal(ev.appId, DEVICE_REGISTRATION_APP_ID);
    assert.equal(ev.interactive, true);
    assert.equal(ev.decision?.result, 'allow');
  });

  it('refuses a wrong password with OPSSO1201 and logs the failure', async () => {
    const r = await signIn(ALICE, 'wrong-password');
    assert.equal(r.status, 401);
    assert.equal(r.body.error_code, 'OPSSO1201');
    assert.equal(eventsFor(ALICE).at(-1)!.error?.entry.name, 'invalid_credentials');
  });

  it('per-user MFA enforced: OPSSO1706 with a session, then a TOTP code gives a token with mfa; the code cannot be reused', async () => {
    await setMfaState(s, BOB, 'enforced');
    const secret = await addTotp(s, BOB);
    const first = await signIn(BOB);
    assert.equal(first.status, 401);
    assert.equal(first.body.error_code, 'OPSSO1706');
    assert.equal(first.body.next, 'mfa');
    assert.deepEqual(first.body.methods, ['totp']);
    assert.match(first.body.sign_in_session, /^sis\./);
    assert.match(first.body.mfa_reason, /per-user MFA is 'enforced'/);
    assert.equal(first.body.requirement_source, 'perUserMfa');
    const interrupt = eventsFor(BOB).at(-1)!;
    assert.equal(interrupt.error?.code, 'OPSSO1706');
    assert.equal(interrupt.decision?.authenticationRequirementSource, 'perUserMfa');

    const code = totpAt(secret, nowSeconds(s));
    const wrong = await postJson(s, '/api/v1/signin/mfa', { sign_in_session: first.body.sign_in_session, totp_code: code === '000000' ? '111111' : '000000' });
    assert.equal(wrong.status, 401);
    assert.equal(wrong.body.error_code, 'OPSSO1707');

    const second = await postJson(s, '/api/v1/signin/mfa', { sign_in_session: first.body.sign_in_session, totp_code: code });
    assert.equal(second.status, 200, JSON.stringify(second.body));
    assert.deepEqual(second.body.amr, ['pwd', 'otp', 'mfa']);
    const p = await authenticateRegistration(s.ctx, `Bearer ${second.body.access_token}`);
    assert.ok(p.kind === 'bearer' && p.amr.includes('mfa'));
    assert.equal(eventsFor(BOB).at(-1)!.error, undefined);
    assert.equal(eventsFor(BOB).at(-1)!.decision?.result, 'allow');

    // The session is finished: it cannot mint a second token.
    const again = await postJson(s, '/api/v1/signin/mfa', { sign_in_session: first.body.sign_in_session, totp_code: code });
    assert.equal(again.body.error_code, 'OPSSO1001');

    const replay = await signIn(BOB);
    const reused = await postJson(s, '/api/v1/signin/mfa', { sign_in_session: replay.body.sign_in_session, totp_code: code });
    assert.equal(reused.status, 401);
    assert.equal(reused.body.error_code, 'OPSSO1707');
    assert.match(reused.body.error_description, /already used/);

    clock.advance(30_000);
    const next = await postJson(s, '/api/v1/signin/mfa', { sign_in_session: replay.body.sign_in_session, totp_code: totpAt(secret, nowSeconds(s)) });
    assert.equal(next.status, 200, JSON.stringify(next.body));
  });

  it('a user who has a method cannot add another before using it', async () => {
    const first = await signIn(BOB);
    const r = await postJson(s, '/api/v1/signin/enroll/totp', { sign_in_session: first.body.sign_in_session });
    assert.equal(r.status, 400);
    assert.equal(r.body.error_code, 'OPSSO1001');
  });

  it("names the conditional access policy as the reason when a policy asks for MFA", async () => {
    await s.ctx.store.policies.create(s.orgId, {
      id: 'pol_mfa', displayName: 'Require MFA', state: 'enabled',
      conditions: { users: { includeUsers: [(await user(s, ALICE)).id], excludeUsers: [], includeGroups: [], excludeGroups: [] },
        applications: { includeApplications: ['All'], excludeApplications: [] } },
      grantControls: { operator: 'OR', builtInControls: ['mfa'] },
    });
    try {
      const secret = await addTotp(s, ALICE);
      const first = await signIn(ALICE);
      assert.equal(first.body.error_code, 'OPSSO1706');
      assert.match(first.body.mfa_reason, /conditional access policy 'Require MFA'/);
      assert.equal(first.body.requirement_source, 'conditionalAccess:pol_mfa');
      const ok = await postJson(s, '/api/v1/signin/mfa', { sign_in_session: first.body.sign_in_session, totp_code: totpAt(secret, nowSeconds(s)) });
      assert.equal(ok.status, 200);
      assert.equal(eventsFor(ALICE).at(-1)!.decision?.appliedConditionalAccessPolicies[0]?.result, 'success');
    } finally {
      await s.ctx.store.policies.delete(s.orgId, 'pol_mfa');
      await resetMethods(s.ctx, await user(s, ALICE));
    }
  });

  it("enrols an authenticator app for a user with no method; per-user 'enabled' becomes 'enforced'", async () => {
    await setMfaState(s, CAROL, 'enabled');
    const first = await signIn(CAROL);
    assert.equal(first.body.error_code, 'OPSSO1711');
    assert.equal(first.body.next, 'enroll');
    assert.deepEqual(first.body.methods, []);
    const sis = first.body.sign_in_session;
    const mfaBefore = await postJson(s, '/api/v1/signin/mfa', { sign_in_session: sis, totp_code: '123456' });
    assert.equal(mfaBefore.body.error_code, 'OPSSO1707');

    const t = await postJson(s, '/api/v1/signin/enroll/totp', { sign_in_session: sis });
    assert.equal(t.status, 200);
    assert.match(t.body.secret, /^[A-Z2-7]+$/);
    assert.match(t.body.otpauth_uri, /^otpauth:\/\/totp\/.*secret=/);
    const same = await postJson(s, '/api/v1/signin/enroll/totp', { sign_in_session: sis });
    assert.equal(same.body.secret, t.body.secret, 'asking again keeps the secret of the setup in progress');

    const bad = await postJson(s, '/api/v1/signin/enroll/totp', { sign_in_session: sis, totp_code: 'abc' });
    assert.equal(bad.body.error_code, 'OPSSO1707');
    const code = totpAt(t.body.secret, nowSeconds(s));
    const done = await postJson(s, '/api/v1/signin/enroll/totp', { sign_in_session: sis, totp_code: code });
    assert.equal(done.status, 200, JSON.stringify(done.body));
    assert.ok(done.body.amr.includes('mfa'));
    assert.equal((await user(s, CAROL)).perUserMfaState, 'enforced');
    assert.deepEqual((await listMethods(s.ctx, await user(s, CAROL))).methods.map((m) => m.kind), ['totp']);

    // The confirming code was stored as used: it cannot sign in a second time.
    const next = await signIn(CAROL);
    assert.equal(next.body.next, 'mfa');
    const reuse = await postJson(s, '/api/v1/signin/mfa', { sign_in_session: next.body.sign_in_session, totp_code: code });
    assert.equal(reuse.body.error_code, 'OPSSO1707');
  });

  it('a temporary access pass bootstraps a user with no method, who then enrols in the same session', async () => {
    const ctx = s.ctx;
    const dave = await createUser(ctx, s.orgId, { userPrincipalName: 'dave@demo.openpsso.test', password: DEMO_PASSWORD });
    await ctx.store.users.update(dave.id, { perUserMfaState: 'enforced', updatedAt: ctx.clock.now() });
    const { code } = await issueTemporaryAccessPass(ctx, dave, { minutes: 60, oneTime: true });
    const first = await signIn(dave.userPrincipalName);
    assert.equal(first.body.next, 'enroll');
    assert.deepEqual(first.body.methods, ['tap']);
    const viaTap = await postJson(s, '/api/v1/signin/mfa', { sign_in_session: first.body.sign_in_session, temporary_access_pass: code.toLowerCase() });
    assert.equal(viaTap.status, 200, JSON.stringify(viaTap.body));
    assert.deepEqual(viaTap.body.amr, ['pwd', 'tap', 'mfa']);
    assert.equal(viaTap.body.next, 'enroll');
    const sis = viaTap.body.sign_in_session;
    const t = await postJson(s, '/api/v1/signin/enroll/totp', { sign_in_session: sis });
    const enrolled = await postJson(s, '/api/v1/signin/enroll/totp', { sign_in_session: sis, totp_code: totpAt(t.body.secret, nowSeconds(s)) });
    assert.equal(enrolled.status, 200, JSON.stringify(enrolled.body));
    assert.equal(enrolled.body.sign_in_session, undefined);

    // One-time pass: a second use is refused.
    const again = await signIn(dave.userPrincipalName);
    assert.deepEqual(again.body.methods, ['totp']);
    const reuse = await postJson(s, '/api/v1/signin/mfa', { sign_in_session: again.body.sign_in_session, temporary_access_pass: code });
    assert.equal(reuse.body.error_code, 'OPSSO1707');
  });

  it('admin reset of methods sends the user back to enrolment', async () => {
    const carol = await user(s, CAROL);
    assert.equal(await resetMethods(s.ctx, carol), 1);
    const r = await signIn(CAROL);
    assert.equal(r.body.next, 'enroll');
  });

  it('answers bad input with stable codes, never a 5xx', async () => {
    const cases: [string, unknown, string][] = [
      ['/api/v1/signin', {}, 'OPSSO1001'],
      ['/api/v1/signin', { username: ALICE, password: DEMO_PASSWORD, extra: 1 }, 'OPSSO1001'],
      ['/api/v1/signin', { username: 'x'.repeat(300), password: 'p' }, 'OPSSO1001'],
      ['/api/v1/signin/mfa', { sign_in_session: 'sis.nope', totp_code: '123456' }, 'OPSSO1001'],
      ['/api/v1/signin/mfa', { sign_in_session: 'sis.nope' }, 'OPSSO1001'],
      ['/api/v1/signin/mfa', { sign_in_session: 'sis.nope', totp_code: '1', temporary_access_pass: 'x' }, 'OPSSO1001'],
      ['/api/v1/signin/enroll/totp', { sign_in_session: 42 }, 'OPSSO1001'],
      ['/api/v1/signin/enroll/passkey', { sign_in_session: 'sis.x', response: 'nope' }, 'OPSSO1001'],
      ['/api/v1/signin/mfa/passkey/options', [], 'OPSSO1001'],
    ];
    for (const [path, body, code] of cases) {
      const r = await postJson(s, path, body);
      assert.ok(r.status < 500, `${path} ${JSON.stringify(body)} -> ${r.status}`);
      assert.equal(r.body.error_code, code, `${path} ${JSON.stringify(body)}`);
    }
    const form = await fetch(`${s.url}/api/v1/signin`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'username=a&password=b' });
    assert.equal((await form.json() as { error_code: string }).error_code, 'OPSSO1002');
    const broken = await fetch(`${s.url}/api/v1/signin`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"username":' });
    assert.equal((await broken.json() as { error_code: string }).error_code, 'OPSSO1001');
  });
});
