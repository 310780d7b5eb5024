// The credential guard over real HTTP: every place that checks a secret is throttled and honours
// the lockout (token endpoint, registration API, interactive sign-in, admin client credentials),
// a locked account is refused everywhere and never with 401, a second user on the attacked Mac is
// unaffected, an attacker elsewhere cannot lock the owner out, and refusals are aggregated in the log.

import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { RawDevice, newKey, type HttpResult } from '../helpers/raw-device.js';
import { DEMO_PASSWORD } from '../../src/app/demo.js';
import { ManualClock } from '../../src/app/clock.js';
import { buildEmbeddedAssertion, buildPssoForm, b64uEncode, DEFAULT_SCOPE } from '../../src/protocol/index.js';
import { createAdminClient } from '../../src/app/admin-api/admin-clients.js';
import { hashPassword } from '../../src/app/passwords.js';
import { newId } from '../../src/app/ids.js';
import { parseSignInFilter } from '../../src/policy/sign-in-filter.js';
import { unlockAccount } from '../../src/app/credential-guard.js';

const ALICE = 'alice@demo.openpsso.test';
const BOB = 'bob@demo.openpsso.test';
const CAROL = 'carol@demo.openpsso.test';

describe('credential guard', () => {
  let s: TestServer;
  const clock = new ManualClock(Date.UTC(2027, 2, 1, 9, 0, 0));
  const now = () => Math.floor(clock.now() / 1000);
  let dev: RawDevice;

  before(async () => {
    s = await startTestServer({ clock });
    const settings = await s.ctx.store.orgSettings.get(s.orgId);
    await s.ctx.store.orgSettings.put({ ...settings, lockoutThreshold: 5, lockoutSeconds: 60 });
    dev = new RawDevice(s.url);
    assert.equal((await dev.register(s.registrationToken)).status, 201);
  });
  after(async () => { await s.close(); });
  // Each case starts with full buckets and no locks left over from the one before.
  beforeEach(() => { clock.advance(24 * 3600_000); });

  /** A password login from this Mac, optionally from another address (Fastify inject sets the socket address). */
  async function login(username: string, password: string, remoteAddress?: string): Promise<HttpResult> {
    const built = dev.loginRequest(await dev.nonce(), now(), { username, password });
    const form = buildPssoForm(built.jwt, '1.0', 'assertion');
    if (!remoteAddress) return dev.send(built.jwt);
    const r = await s.app.inject({ method: 'POST', url: '/psso/token', payload: form, headers: { 'content-type': 'application/x-www-form-urlencoded' }, remoteAddress });
    let json: any;
    try { json = JSON.parse(r.body); } catch { /* a JWE */ }
    return { status: r.statusCode, contentType: String(r.headers['content-type'] ?? ''), text: r.body, json };
  }

  const signIn = (username: string, password: string, remoteAddress = '127.0.0.1') => s.app.inject({
    method: 'POST', url: '/api/v1/signin', payload: { username, password }, remoteAddress,
  }).then((r) => ({ status: r.statusCode, body: JSON.parse(r.body), headers: r.headers }));

  async function newUser(upn: string): Promise<void> {
    const t = clock.now();
    await s.ctx.store.users.create({
      id: newId('usr'), orgId: s.orgId, userPrincipalName: upn, displayName: upn, email: null, passwordHash: await hashPassword(DEMO_PASSWORD),
      enabled: true, perUserMfaState: 'disabled', passwordChangedAt: null, createdAt: t, updatedAt: t,
    });
  }

  it('token endpoint: wrong passwords lock the account (400 OPSSO1205, never 401), the right one is then refused unchecked, and a second user on the same Mac is unaffected', async () => {
    // Alice has signed in on this Mac before: its network is familiar to her.
    assert.equal((await login(ALICE, DEMO_PASSWORD)).status, 200);
    for (let i = 0; i < 4; i++) {
      const r = await login(CAROL, `wrong-${i}`);
      assert.equal(r.status, 401, r.text);
      assert.equal(r.json.error_code, 'OPSSO1201');
    }
    const fifth = await login(CAROL, 'wrong-5');
    assert.equal(fifth.status, 400, 'locked is never 401: the Mac would re-prompt for the password');
    assert.equal(fifth.json.error_code, 'OPSSO1205');
    assert.deepEqual(fifth.json.error_codes, [1205, 50053]);
    assert.match(fifth.json.user_action, /Wait until the time shown/);
    assert.equal(fifth.json.retry_after, 60);
    const right = await login(CAROL, DEMO_PASSWORD);
    assert.equal(right.status, 400);
    assert.equal(right.json.error_code, 'OPSSO1205');
    assert.equal((await login(ALICE, DEMO_PASSWORD)).status, 200, 'another user on the same Mac signs in');
    // The lock ends on time; a failure right after it locks again for twice as long (smart lockout).
    clock.advance(60_000);
    assert.equal((await login(CAROL, 'wrong-again')).json.error_code, 'OPSSO1205');
    clock.advance(60_000);
    assert.equal((await login(CAROL, DEMO_PASSWORD)).json.error_code, 'OPSSO1205', 'the second lock lasts 120 s');
    clock.advance(60_000);
    assert.equal((await login(CAROL, DEMO_PASSWORD)).status, 200);
  });

  it('token endpoint: password guessing across accounts from one address is throttled (400 OPSSO1206 with Retry-After), while a familiar user there still signs in', async () => {
    const attacker = '198.51.100.23';
    assert.equal((await login(ALICE, DEMO_PASSWORD, attacker)).status, 200, 'Alice has used this network before');
    const statuses: string[] = [];
    for (let i = 0; i < 34; i++) {
      const r = await login(`nobody-${i}@demo.openpsso.test`, 'guess', attacker);
      statuses.push(r.json?.error_code ?? String(r.status));
      assert.notEqual(r.status, 500);
    }
    // The default address bucket is 30: Alice's own login took one.
    assert.equal(statuses.filter((c) => c === 'OPSSO1201').length, 29);
    assert.equal(statuses.filter((c) => c === 'OPSSO1206').length, 5);
    const throttled = await login('nobody-x@demo.openpsso.test', 'guess', attacker);
    assert.equal(throttled.status, 400);
    assert.deepEqual(throttled.json.error_codes, [1206, 50196]);
    assert.ok(throttled.json.retry_after >= 1);
    assert.equal((await login(ALICE, DEMO_PASSWORD, attacker)).status, 200, 'a familiar user on the attacked address is not throttled');
  });

  it('smart lockout: an attacker elsewhere locks only the unfamiliar class; the owner on a familiar network still signs in', async () => {
    await newUser('dana@demo.openpsso.test');
    assert.equal((await signIn('dana@demo.openpsso.test', DEMO_PASSWORD, '10.1.2.3')).status, 200);
    for (let i = 0; i < 5; i++) await signIn('dana@demo.openpsso.test', `x${i}`, '203.0.113.50');
    const attacker = await signIn('dana@demo.openpsso.test', DEMO_PASSWORD, '203.0.113.51');
    assert.equal(attacker.body.error_code, 'OPSSO1205', 'the attacker (same /24) is locked out even with the right password');
    const owner = await signIn('dana@demo.openpsso.test', DEMO_PASSWORD, '10.1.2.99');
    assert.equal(owner.status, 200, 'the owner on a familiar /24 is not');
  });

  it('registration API: user registration with the registration token is throttled and honours the lockout (no 201 for a locked account)', async () => {
    const key = newKey();
    const register = (password: string) => dev.registerUser(s.registrationToken, {
      userPrincipalName: BOB, method: 'secure_enclave', password, userKey: b64uEncode(key.x963), userKeyId: key.kid,
    });
    for (let i = 0; i < 4; i++) assert.equal((await register(`wrong-${i}`)).json.error_code, 'OPSSO1201');
    const locked = await register('wrong-4');
    assert.equal(locked.status, 400);
    assert.equal(locked.json.error_code, 'OPSSO1205');
    const right = await register(DEMO_PASSWORD);
    assert.equal(right.status, 400, 'a locked account gets no new credential');
    assert.equal(right.json.error_code, 'OPSSO1205');
    assert.equal((await s.ctx.store.userRegistrations.listForDevice(dev.id)).some((r) => r.userKid === key.kid), false);
    await unlockAccount(s.ctx, s.orgId, BOB);
    assert.equal((await register(DEMO_PASSWORD)).status, 201, 'an admin unlock lets the user in at once');

    // Spraying other accounts through the registration API: 429 with Retry-After (an HTTP API, not the Mac's token endpoint).
    const codes: number[] = [];
    let throttled: HttpResult | undefined;
    for (let i = 0; i < 35; i++) {
      const r = await dev.registerUser(s.registrationToken, { userPrincipalName: `spray-${i}@demo.openpsso.test`, method: 'password', password: 'x' });
      codes.push(r.status);
      if (r.status === 429) throttled ??= r;
    }
    // Bob's five failures, his unlocking success and 24 sprays used the bucket of 30.
    assert.equal(codes.filter((c) => c === 401).length, 24, codes.join(','));
    assert.equal(throttled?.json.error_code, 'OPSSO1008');
    assert.ok(throttled!.json.retry_after >= 1);
  });

  it('a locked account is refused everywhere a secret is checked: token endpoint, Secure Enclave assertion, registration and sign-in pages', async () => {
    // Carol registers a Secure Enclave key first, then gets locked by wrong passwords at the sign-in API.
    const key = newKey();
    assert.equal((await dev.registerUser(s.registrationToken, { userPrincipalName: CAROL, method: 'secure_enclave', password: DEMO_PASSWORD, userKey: b64uEncode(key.x963), userKeyId: key.kid })).status, 201);
    for (let i = 0; i < 5; i++) await signIn(CAROL, `wrong-${i}`);
    assert.equal((await signIn(CAROL, DEMO_PASSWORD)).body.error_code, 'OPSSO1205');
    const pwd = await login(CAROL, DEMO_PASSWORD);
    assert.deepEqual([pwd.status, pwd.json.error_code], [400, 'OPSSO1205']);
    const requestNonce = await dev.nonce();
    const nonce = crypto.randomUUID().toUpperCase();
    const assertion = buildEmbeddedAssertion({ key: key.privateKey, kid: key.kid, alg: 'ES256', username: CAROL, audience: 'openpsso-macos', nonce, requestNonce, scope: DEFAULT_SCOPE, now: now() });
    const seReply = await dev.send(dev.loginRequest(requestNonce, now(), { username: CAROL, assertion, nonce }).jwt);
    assert.deepEqual([seReply.status, seReply.json?.error_code], [400, 'OPSSO1205']);
    const reg = await dev.registerUser(s.registrationToken, { userPrincipalName: CAROL, method: 'password', password: DEMO_PASSWORD });
    assert.deepEqual([reg.status, reg.json.error_code], [400, 'OPSSO1205']);
  });

  it('admin client credentials: wrong secrets lock the client id; the right secret is then refused without a token', async () => {
    const { client, secret } = await createAdminClient(s.ctx, s.orgId, 'guard test', ['Directory.Read']);
    const token = (sec: string) => s.app.inject({ method: 'POST', url: '/oauth2/v2.0/token', headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: `grant_type=client_credentials&client_id=${client.id}&client_secret=${encodeURIComponent(sec)}` });
    // Client ids belong to no organisation until found, so the default threshold (10) applies.
    for (let i = 0; i < 9; i++) assert.equal((await token(`acs.wrong${i}`)).statusCode, 401);
    const locked = await token('acs.wrong');
    assert.equal(locked.statusCode, 400);
    assert.equal(JSON.parse(locked.body).error_code, 'OPSSO1205');
    const right = await token(secret);
    assert.equal(right.statusCode, 400);
    assert.equal(JSON.parse(right.body).access_token, undefined);
  });

  it('throttled and locked refusals are one aggregated sign-in log row per source and minute, with a count', async () => {
    const source = '192.0.2.77';
    const settings = await s.ctx.store.orgSettings.get(s.orgId);
    await s.ctx.store.orgSettings.put({ ...settings, lockoutThreshold: 50 });
    try {
      for (let i = 0; i < 80; i++) await signIn(`flood-${i % 7}@demo.openpsso.test`, 'x', source);
    } finally {
      await s.ctx.store.orgSettings.put(settings);
    }
    await s.ctx.signIns.flush?.();
    const rows = await s.ctx.store.signInLogs.query(s.orgId, { filter: parseSignInFilter(`ipAddress eq '${source}'`), top: 200 });
    const limited = rows.items.filter((r) => r.status.errorCode === 1008);
    const failed = rows.items.filter((r) => r.status.errorCode === 50126);
    assert.equal(failed.length, 30, 'each checked password is its own row');
    assert.equal(limited.length, 1, 'the 50 throttled ones are one row');
    assert.equal(limited[0]!.aggregate?.count, 50);
    assert.equal(limited[0]!.aggregate?.accounts, 7);
    assert.match(limited[0]!.status.additionalDetails ?? '', /^50 refusals from 192\.0\.2\.77 between .* at 7 accounts/);
    const aggregated = (await s.ctx.metrics.signInLogRowsAggregated.get()).values[0]?.value ?? 0;
    assert.ok(aggregated >= 49, `aggregated counter ${aggregated}`);
  });
});
