// Authorization scopes and conditional access: a policy "MFA for elevation only" (includeUserActions)
// asks for MFA on the web sign-in for an elevation prompt and not for a screen unlock; background
// legs (auth-prompt, refresh) of password logins are never asked for MFA, and the row says why.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { ManualClock } from '../../src/app/clock.js';
import { DEMO_PASSWORD } from '../../src/app/demo.js';
import { VirtualMac } from '../../src/mac/agent.js';
import { MemoryStore } from '../../src/mac/state-store.js';
import { MacError } from '../../src/mac/errors.js';
import { PLATFORM_SSO_APP_ID } from '../../src/policy/app-ids.js';
import { addTotp } from '../interactive/helpers.js';

const ALICE = 'alice@demo.openpsso.test';
const BOB = 'bob@demo.openpsso.test';
const AUTH = 'urn:apple:platformsso:auth:';

describe('authorization scopes in conditional access', () => {
  const clock = new ManualClock(Date.UTC(2027, 2, 5, 9, 0, 0));
  let s: TestServer;
  let bobTotp: string;
  const newMac = () => new VirtualMac({ store: new MemoryStore(), clock, scryptCost: 1024 });
  const users = (all = true, ids: string[] = []) => ({ includeUsers: all ? ['All'] : ids, excludeUsers: [], includeGroups: [], excludeGroups: [] });

  before(async () => {
    s = await startTestServer({ clock });
    bobTotp = await addTotp(s, BOB);
  });
  after(async () => { await s.close(); });

  it('"MFA for elevation only": the web sign-in asks MFA for elevation, not for unlock', async () => {
    const mac = newMac();
    await mac.register({ server: s.url, token: s.registrationToken, user: BOB, password: DEMO_PASSWORD, webLogin: true });
    await s.ctx.store.policies.create(s.orgId, {
      id: 'pol_elevation', displayName: 'MFA for elevation only', state: 'enabled',
      conditions: { users: users(), applications: { includeApplications: [], excludeApplications: [], includeUserActions: [`${AUTH}elevation`] } },
      grantControls: { operator: 'OR', builtInControls: ['mfa'] },
    });
    try {
      const unlock = await mac.webLogin({ user: BOB, password: DEMO_PASSWORD, authScope: 'unlock', event: 'unlock' });
      assert.equal(unlock.ok, true, unlock.messages.join('\n'));
      assert.deepEqual(unlock.pages, ['/signin/password'], 'no MFA page for a screen unlock');
      assert.deepEqual(unlock.claims?.amr, ['pwd']);

      // Without the authenticator the elevation cannot pass the page.
      await assert.rejects(mac.webLogin({ user: BOB, password: DEMO_PASSWORD, authScope: 'elevation' }), (e: unknown) => e instanceof MacError && /authenticator code/.test(e.message));

      const before = s.signIns.events.length;
      const elevation = await mac.webLogin({ user: BOB, password: DEMO_PASSWORD, totpSecret: bobTotp, authScope: 'elevation' });
      assert.equal(elevation.ok, true, elevation.messages.join('\n'));
      assert.deepEqual(elevation.pages, ['/signin/password', '/signin/mfa']);
      const rows = s.signIns.events.slice(before);
      const asked = rows.find((e) => e.error?.entry.name === 'mfa_required_interactive');
      assert.ok(asked, 'the MFA interrupt is logged');
      assert.equal(asked.userAction, `${AUTH}elevation`);
      assert.equal(asked.decision?.authenticationRequirementSource, 'conditionalAccess:pol_elevation');
      const login = rows.find((e) => e.operation === 'login' && !e.error)!;
      assert.equal(login.userAction, `${AUTH}elevation`);
      const applied = login.decision?.appliedConditionalAccessPolicies.find((p) => p.id === 'pol_elevation');
      assert.equal(applied?.result, 'success', 'the token leg sees the policy satisfied by the web sign-in MFA');
    } finally {
      await s.ctx.store.policies.delete(s.orgId, 'pol_elevation');
    }
  });

  it('password logins: an MFA policy holds on every leg, background ones too; includeUserActions is how an admin spares them', async () => {
    const mac = newMac();
    await mac.register({ server: s.url, token: s.registrationToken, user: ALICE, method: 'password', password: DEMO_PASSWORD });
    const alice = (await s.ctx.store.users.getByPrincipalName(s.orgId, ALICE))!;
    const policy = (userActions?: string[]) => ({
      id: 'pol_psso_mfa', displayName: 'MFA for Platform SSO', state: 'enabled' as const,
      conditions: {
        users: users(false, [alice.id]),
        applications: userActions ? { includeApplications: [], excludeApplications: [], includeUserActions: userActions } : { includeApplications: [PLATFORM_SSO_APP_ID], excludeApplications: [] },
      },
      grantControls: { operator: 'OR' as const, builtInControls: ['mfa' as const] },
    });
    await s.ctx.store.policies.create(s.orgId, policy());
    try {
      const { cfg } = await mac.registered();
      const keys = await mac.deviceKeys();
      const login = (authScope?: string) => mac.client.login({
        cfg, keys, username: ALICE, credential: { kind: 'password', password: DEMO_PASSWORD, encrypt: true }, ...(authScope ? { authScope: `${AUTH}${authScope}` } : {}),
      });
      // The scope is chosen by the Mac: a policy naming the app is never relaxed because of it.
      for (const scope of [undefined, 'login', 'auth-prompt', 'refresh']) {
        await assert.rejects(login(scope), (e: unknown) => e instanceof MacError && e.status === 400 && /^OPSSO17/.test(e.code ?? ''), `MFA demanded for scope ${scope ?? '(none)'}`);
      }
      const refused = s.signIns.events.filter((e) => e.operation === 'login' && e.userAction === `${AUTH}auth-prompt`).at(-1)!;
      assert.ok(refused.error, 'the auth-prompt refusal is logged with its scope');
      // Targeted at the prompts that can show MFA, the policy spares background re-authentication.
      assert.equal(await s.ctx.store.policies.replace(s.orgId, policy([`${AUTH}login`, `${AUTH}elevation`])), true);
      await assert.rejects(login('login'), (e: unknown) => e instanceof MacError && /^OPSSO17/.test(e.code ?? ''));
      const before = s.signIns.events.length;
      const t = await login('auth-prompt');
      assert.ok(t.idToken);
      const row = s.signIns.events.slice(before).find((e) => e.operation === 'login' && !e.error)!;
      assert.equal(row.userAction, `${AUTH}auth-prompt`);
      assert.equal(row.decision?.appliedConditionalAccessPolicies.find((p) => p.id === 'pol_psso_mfa')?.result, 'notApplied');
    } finally {
      await s.ctx.store.policies.delete(s.orgId, 'pol_psso_mfa');
    }
  });
});
