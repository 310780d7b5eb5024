// Conditional access at the token endpoint: policies that name the Platform SSO app are enforced
// there with a visible, non-credential error; a login counts as a fresh full authentication.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { RawDevice } from '../helpers/raw-device.js';
import { ManualClock } from '../../src/app/clock.js';
import { DEMO_PASSWORD } from '../../src/app/demo.js';
import { PLATFORM_SSO_APP_ID } from '../../src/policy/app-ids.js';
import type { ConditionalAccessPolicy } from '../../src/policy/types.js';
import { addTotp } from '../interactive/helpers.js';

const ALICE = 'alice@demo.openpsso.test';
const everyone = { includeUsers: ['All'], excludeUsers: [], includeGroups: [], excludeGroups: [] };

describe('conditional access at the token endpoint', () => {
  const clock = new ManualClock(Date.UTC(2026, 10, 21, 8, 0, 0));
  const now = () => Math.floor(clock.now() / 1000);
  let s: TestServer;
  let dev: RawDevice;

  before(async () => {
    s = await startTestServer({ clock });
    dev = new RawDevice(s.url);
    await dev.register(s.registrationToken);
  });
  after(async () => { await s.close(); });

  async function withPolicy<T>(p: ConditionalAccessPolicy, fn: () => Promise<T>): Promise<T> {
    await s.ctx.store.policies.create(s.orgId, p);
    try { return await fn(); } finally {
      await s.ctx.store.policies.delete(s.orgId, p.id);
    }
  }
  const login = async () => {
    const b = dev.loginRequest(await dev.nonce(), now(), { username: ALICE, password: DEMO_PASSWORD });
    return { b, r: await dev.send(b.jwt) };
  };

  it('a sign-in frequency policy lets a login through (it is a full sign-in) and stops a refresh past the limit', async () => {
    await withPolicy({
      id: 'pol_sif', displayName: 'Sign-in every hour', state: 'enabled',
      conditions: { users: everyone, applications: { includeApplications: [PLATFORM_SSO_APP_ID], excludeApplications: [] } },
      grantControls: null,
      sessionControls: { signInFrequency: { isEnabled: true, type: 'hours', value: 1, frequencyInterval: 'timeBased', authenticationType: 'primaryAndSecondaryAuthentication' } },
    }, async () => {
      const { b, r } = await login();
      assert.equal(r.status, 200, r.text);
      const rt = dev.open(r, b).refresh_token as string;
      clock.advance(30 * 60_000);
      const early = dev.refreshRequest(await dev.nonce(), now(), rt, ALICE);
      const ok = await dev.send(early.jwt);
      assert.equal(ok.status, 200, ok.text);
      const rt2 = dev.open(ok, early).refresh_token as string;
      clock.advance(45 * 60_000);
      const late = await dev.send(dev.refreshRequest(await dev.nonce(), now(), rt2, ALICE).jwt);
      assert.equal(late.status, 400, 'never 401: the password was not wrong');
      assert.equal(late.json.error_code, 'OPSSO1704');
      assert.deepEqual(late.json.error_codes, [1704, 70043]);
      assert.match(late.json.error_description, /Sign-in every hour/);
    });
  });

  it('an "All apps" MFA policy does not reach the login window; one naming Platform SSO does, visibly', async () => {
    const policy = (apps: string[]): ConditionalAccessPolicy => ({
      id: 'pol_mfa', displayName: 'Require MFA', state: 'enabled',
      conditions: { users: everyone, applications: { includeApplications: apps, excludeApplications: [] } },
      grantControls: { operator: 'OR', builtInControls: ['mfa'] },
    });
    await withPolicy(policy(['All']), async () => assert.equal((await login()).r.status, 200));
    await withPolicy(policy([PLATFORM_SSO_APP_ID]), async () => {
      // No MFA method yet: registration of one is what is missing (Entra 50079).
      const unregistered = (await login()).r;
      assert.equal(unregistered.status, 400);
      assert.equal(unregistered.json.error_code, 'OPSSO1702');
      assert.deepEqual(unregistered.json.error_codes, [1702, 50079]);
      // With a method, MFA itself is missing, and the login window cannot ask for it (Entra 50076).
      await addTotp(s, ALICE);
      const { r } = await login();
      assert.equal(r.status, 400);
      assert.equal(r.json.error_code, 'OPSSO1701');
      assert.equal(r.json.error, 'interaction_required');
      assert.match(r.json.error_description, /conditional access policy "Require MFA"/);
      assert.ok(r.json.user_action, 'tells the user what to do');
    });
  });
});
