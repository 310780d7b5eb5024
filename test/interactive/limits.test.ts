// Lockout after repeated failures (with the unlock time, cleared after lockoutSeconds) and the
// per-address and per-account rate limits (429 with Retry-After).

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { ManualClock } from '../../src/app/clock.js';
import { DEMO_PASSWORD } from '../../src/app/demo.js';
import { totpAt } from '../../src/policy/totp.js';
import { ALICE, BOB, CAROL, addTotp, nowSeconds, postJson, setMfaState } from './helpers.js';

describe('interactive sign-in lockout and rate limits', () => {
  let s: TestServer;
  const clock = new ManualClock(Date.UTC(2027, 0, 15, 9, 0, 0));

  before(async () => {
    s = await startTestServer({ clock });
    DEFAULT_LIMITS = { ...s.ctx.config.credentialGuard };
    const settings = await s.ctx.store.orgSettings.get(s.orgId);
    await s.ctx.store.orgSettings.put({ ...settings, lockoutThreshold: 3, lockoutSeconds: 120 });
  });
  after(async () => { await s.close(); });

  const signIn = (username: string, password = DEMO_PASSWORD) => postJson(s, '/api/v1/signin', { username, password });
  /** The running server reads its limits from its configuration on every attempt. */
  const configureSignInLimits = (ctx: TestServer['ctx'], limits: Partial<TestServer['ctx']['config']['credentialGuard']>) => Object.assign(ctx.config.credentialGuard, limits);
  let DEFAULT_LIMITS: TestServer['ctx']['config']['credentialGuard'];

  it('locks the account after the threshold, says until when, and clears after lockoutSeconds', async () => {
    assert.equal((await signIn(ALICE, 'bad-1')).body.error_code, 'OPSSO1201');
    assert.equal((await signIn(ALICE, 'bad-2')).body.error_code, 'OPSSO1201');
    const third = await signIn(ALICE, 'bad-3');
    // Locked is not a wrong password: never 401.
    assert.equal(third.status, 400);
    assert.equal(third.body.error_code, 'OPSSO1205');
    assert.equal(third.body.locked_until, '2027-01-15T09:02:00.000Z');
    assert.match(third.body.error_description, /until 2027-01-15 09:02:00 UTC \(in about 2 minutes\)/);

    // While locked even the right password is refused, without being checked.
    const locked = await signIn(ALICE);
    assert.equal(locked.body.error_code, 'OPSSO1205');
    const rows = s.signIns.events.filter((e) => e.userPrincipalName === ALICE && e.operation === 'interactive_signin');
    assert.equal(rows.at(-1)!.error?.entry.name, 'user_locked');

    // The same name in another case is the same account.
    assert.equal((await signIn(ALICE.toUpperCase())).body.error_code, 'OPSSO1205');

    clock.advance(119_000);
    assert.equal((await signIn(ALICE)).body.error_code, 'OPSSO1205');
    clock.advance(1_000);
    const ok = await signIn(ALICE);
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    // Success resets the count: two more failures do not lock.
    await signIn(ALICE, 'bad-4');
    await signIn(ALICE, 'bad-5');
    assert.equal((await signIn(ALICE)).status, 200);
  });

  it('an unknown account locks the same way, so lockout does not reveal which accounts exist', async () => {
    for (let i = 0; i < 2; i++) assert.equal((await signIn('nobody@demo.openpsso.test', 'x')).body.error_code, 'OPSSO1201');
    assert.equal((await signIn('nobody@demo.openpsso.test', 'x')).body.error_code, 'OPSSO1205');
  });

  it('wrong second factors count towards the lockout too', async () => {
    await setMfaState(s, BOB, 'enforced');
    const secret = await addTotp(s, BOB);
    const first = await signIn(BOB);
    const sis = first.body.sign_in_session;
    const wrong = totpAt(secret, nowSeconds(s) + 600);
    assert.equal((await postJson(s, '/api/v1/signin/mfa', { sign_in_session: sis, totp_code: wrong })).body.error_code, 'OPSSO1707');
    assert.equal((await postJson(s, '/api/v1/signin/mfa', { sign_in_session: sis, totp_code: wrong })).body.error_code, 'OPSSO1707');
    const third = await postJson(s, '/api/v1/signin/mfa', { sign_in_session: sis, totp_code: wrong });
    assert.equal(third.body.error_code, 'OPSSO1205');
    // The lockout ended the session.
    const after = await postJson(s, '/api/v1/signin/mfa', { sign_in_session: sis, totp_code: totpAt(secret, nowSeconds(s)) });
    assert.equal(after.body.error_code, 'OPSSO1001');
    clock.advance(120_000);
  });

  it('rate-limits one address (429, Retry-After) and one account name', async () => {
    configureSignInLimits(s.ctx, { perAddress: { burst: 4, perSecond: 0.25 } });
    try {
      for (let i = 0; i < 4; i++) assert.notEqual((await signIn(`spray-${i}@demo.openpsso.test`, 'x')).status, 429);
      const limited = await signIn(CAROL);
      assert.equal(limited.status, 429);
      assert.equal(limited.body.error_code, 'OPSSO1008');
      assert.equal(limited.headers.get('retry-after'), '4');
      assert.equal(limited.body.retry_after, 4);
      clock.advance(4_000);
      const later = await signIn(CAROL);
      assert.equal(later.status, 200, JSON.stringify(later.body));
    } finally {
      configureSignInLimits(s.ctx, DEFAULT_LIMITS);
    }

    clock.advance(60_000); // refills the address bucket
    configureSignInLimits(s.ctx, { perAccount: { burst: 2, perSecond: 0.01 } });
    try {
      await signIn(CAROL, 'x');
      clock.advance(1_000);
      await signIn(CAROL);
      const limited = await signIn(CAROL);
      assert.equal(limited.status, 429);
      assert.match(limited.body.error_description, /try again in \d+ s/);
      assert.equal((await signIn(ALICE)).status, 200, 'another account from the same address is not limited');
    } finally {
      configureSignInLimits(s.ctx, DEFAULT_LIMITS);
    }
  });
});
