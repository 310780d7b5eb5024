// Issue 4's point in one run: with MFA in a conditional-access policy, MFA is asked at interactive
// sign-in (where it can be answered) and the Mac registered with that token logs in at the login
// window without any prompt; the Secure Enclave key registered after MFA is marked MFA-verified.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { RawDevice, newKey } from '../helpers/raw-device.js';
import { ManualClock } from '../../src/app/clock.js';
import { DEMO_PASSWORD } from '../../src/app/demo.js';
import { totpAt } from '../../src/policy/totp.js';
import { buildEmbeddedAssertion, b64uEncode, DEFAULT_SCOPE } from '../../src/protocol/index.js';
import { BOB, addTotp, nowSeconds, postJson } from './helpers.js';

describe('MFA where it can be answered', () => {
  let s: TestServer;
  const clock = new ManualClock(Date.UTC(2027, 0, 15, 12, 0, 0));

  before(async () => {
    s = await startTestServer({ clock });
    await s.ctx.store.policies.create(s.orgId, {
      id: 'pol_require_mfa', displayName: 'Require MFA', state: 'enabled',
      conditions: { users: { includeUsers: ['All'], excludeUsers: [], includeGroups: [], excludeGroups: [] },
        applications: { includeApplications: ['All'], excludeApplications: [] } },
      grantControls: { operator: 'OR', builtInControls: ['mfa'] },
    });
  });
  after(async () => { await s.close(); });

  it('asks for MFA at interactive sign-in, then registration and login-window logins need no prompt', async () => {
    const secret = await addTotp(s, BOB);
    const first = await postJson(s, '/api/v1/signin', { username: BOB, password: DEMO_PASSWORD });
    assert.equal(first.body.error_code, 'OPSSO1706');
    assert.match(first.body.mfa_reason, /conditional access policy 'Require MFA'/);
    const signedIn = await postJson(s, '/api/v1/signin/mfa', { sign_in_session: first.body.sign_in_session, totp_code: totpAt(secret, nowSeconds(s)) });
    assert.equal(signedIn.status, 200, JSON.stringify(signedIn.body));
    const bearer = signedIn.body.access_token as string;

    const dev = new RawDevice(s.url);
    assert.equal((await dev.register(bearer)).status, 201);
    const userKey = newKey();
    const reg = await dev.registerUser(bearer, { userPrincipalName: BOB, method: 'secure_enclave', userKey: b64uEncode(userKey.x963), userKeyId: userKey.kid });
    assert.equal(reg.status, 201, reg.text);
    const stored = await s.ctx.store.userRegistrations.get(dev.id, (await s.ctx.store.users.getByPrincipalName(s.orgId, BOB))!.id);
    assert.equal(stored?.mfaVerified, true, 'a key registered after an MFA-verified sign-in counts as multi-factor');

    // The login window: the policy names no app explicitly, so it is not evaluated at PRT issuance (§3.4).
    const password = dev.loginRequest(await dev.nonce(), nowSeconds(s), { username: BOB, password: DEMO_PASSWORD });
    assert.equal((await dev.send(password.jwt)).status, 200);
    const requestNonce = await dev.nonce();
    const nonce = randomUUID().toUpperCase();
    const assertion = buildEmbeddedAssertion({ key: userKey.privateKey, kid: userKey.kid, alg: 'ES256', username: BOB, audience: 'openpsso-macos', nonce, requestNonce, scope: DEFAULT_SCOPE, now: nowSeconds(s) });
    const se = dev.loginRequest(requestNonce, nowSeconds(s), { username: BOB, assertion, nonce });
    assert.equal((await dev.send(se.jwt)).status, 200);

    const rows = s.signIns.events.filter((e) => e.userPrincipalName === BOB);
    assert.deepEqual(rows.map((e) => [e.operation, e.interactive, e.error?.code ?? 'ok']), [
      ['interactive_signin', true, 'OPSSO1706'],
      ['interactive_signin', true, 'ok'],
      ['device_registration', false, 'ok'],
      ['user_registration', false, 'ok'],
      ['login', false, 'ok'],
      ['login', false, 'ok'],
    ]);
  });
});
