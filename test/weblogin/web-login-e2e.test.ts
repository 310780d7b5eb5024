// macOS 27 web-based login end to end with the virtual Mac in-process: registration with the OpenID
// method, pre-authentication, the signed request object, the sign-in pages (with TOTP), the callback,
// the token-exchange login and the key service; with and without an authorization scope.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { ManualClock } from '../../src/app/clock.js';
import { DEMO_PASSWORD } from '../../src/app/demo.js';
import { VirtualMac } from '../../src/mac/agent.js';
import { MemoryStore } from '../../src/mac/state-store.js';
import { addTotp } from '../interactive/helpers.js';
import { PLATFORM_SSO_APP_ID } from '../../src/policy/app-ids.js';

const ALICE = 'alice@demo.openpsso.test';
const BOB = 'bob@demo.openpsso.test';
const ELEVATION = 'urn:apple:platformsso:auth:elevation';

describe('macOS 27 web-based login with the virtual Mac', () => {
  const clock = new ManualClock(Date.UTC(2027, 2, 3, 9, 0, 0));
  let s: TestServer;
  let bobTotp: string;

  before(async () => {
    s = await startTestServer({ clock });
    bobTotp = await addTotp(s, BOB);
  });
  after(async () => { await s.close(); });

  const newMac = () => new VirtualMac({ store: new MemoryStore(), clock, scryptCost: 1024 });

  it('registers with the OpenID method and the tokenExchange grant, logs in through the pages, and unlocks with the key service', async () => {
    const mac = newMac();
    const reg = await mac.register({ server: s.url, token: s.registrationToken, user: ALICE, password: DEMO_PASSWORD, webLogin: true });
    assert.equal(reg.method, 'openid');
    assert.match(reg.messages.join('\n'), /web login, token exchange/);
    const device = await mac.state.device();
    assert.deepEqual(device?.supportedGrantTypes, ['password', 'jwtBearer', 'tokenExchange']);
    const serverReg = await s.ctx.store.userRegistrations.get(device!.serverDeviceId!, (await s.ctx.store.users.getByPrincipalName(s.orgId, ALICE))!.id);
    assert.equal(serverReg?.method, 'openid');
    const status = await mac.status({ user: ALICE });
    assert.match(status.text, /OpenID/);

    const before = s.signIns.events.length;
    const r = await mac.webLogin({ user: ALICE, password: DEMO_PASSWORD });
    assert.equal(r.ok, true, r.messages.join('\n'));
    assert.deepEqual(r.pages, ['/signin/password']);
    assert.equal(r.passwordSyncOffered, true, 'the password page feature-detects window.apple.platformSSO');
    assert.equal(r.unlockKeyVerified, true);
    assert.equal(r.claims?.preferred_username, ALICE);
    const rows = s.signIns.events.slice(before);
    const login = rows.find((e) => e.operation === 'login' && !e.error);
    assert.equal(login?.method, 'web_login');
    assert.deepEqual(login?.decision?.result, 'allow');
    assert.equal(login?.userAction, undefined, 'no scope was opted in');
    assert.ok(rows.some((e) => e.operation === 'key_exchange' && !e.error));
  });

  it('asks the authenticator code on the page, and carries the elevation scope to every leg and log row', async () => {
    const mac = newMac();
    await mac.register({ server: s.url, token: s.registrationToken, user: BOB, password: DEMO_PASSWORD, webLogin: true, totpSecret: bobTotp });
    // Bob's MFA is asked only when a policy wants it; make one for Platform SSO.
    await s.ctx.store.policies.create(s.orgId, {
      id: 'pol_psso_mfa', displayName: 'MFA for Platform SSO', state: 'enabled',
      conditions: { users: { includeUsers: [(await s.ctx.store.users.getByPrincipalName(s.orgId, BOB))!.id], excludeUsers: [], includeGroups: [], excludeGroups: [] }, applications: { includeApplications: ['All'], excludeApplications: [] } },
      grantControls: { operator: 'OR', builtInControls: ['mfa'] },
    });
    try {
      const before = s.signIns.events.length;
      const r = await mac.webLogin({ user: BOB, password: DEMO_PASSWORD, totpSecret: bobTotp, authScope: 'elevation' });
      assert.equal(r.ok, true, r.messages.join('\n'));
      assert.deepEqual(r.pages, ['/signin/password', '/signin/mfa']);
      assert.equal(r.authScope, ELEVATION);
      assert.ok(Array.isArray(r.claims?.amr) && (r.claims!.amr as string[]).includes('mfa'), 'the id_token carries the web sign-in amr');
      const rows = s.signIns.events.slice(before);
      const page = rows.filter((e) => e.operation === 'interactive_signin');
      assert.ok(page.length >= 2, 'password and TOTP steps are logged');
      for (const e of page) {
        assert.equal(e.userAction, ELEVATION);
        assert.equal(e.appId, PLATFORM_SSO_APP_ID);
      }
      assert.ok(page.some((e) => e.error?.entry.name === 'mfa_required_interactive'), 'the policy asked MFA on the page');
      for (const op of ['login', 'key_exchange'] as const) {
        const row = rows.find((e) => e.operation === op && !e.error);
        assert.equal(row?.userAction, ELEVATION, `${op} row records the scope`);
      }
      const login = rows.find((e) => e.operation === 'login' && !e.error)!;
      assert.equal(login.decision?.result, 'allow', 'MFA from the web sign-in satisfies the policy on the token leg');
    } finally {
      await s.ctx.store.policies.delete(s.orgId, 'pol_psso_mfa');
    }
  });

  it('static mode: the configured authorization URL is loaded with GET (no device proof), and the code goes to the Mac that redeems it', async () => {
    const mac = newMac();
    await mac.register({ server: s.url, token: s.registrationToken, user: ALICE, password: DEMO_PASSWORD, webLogin: true });
    const { cfg } = await mac.registered();
    const { federationUserPreauthenticationURL: _dynamic, ...staticCfg } = cfg;
    await mac.state.saveLoginConfig({ ...staticCfg, federationType: 'openID' });
    const r = await mac.webLogin({ user: ALICE, password: DEMO_PASSWORD, authScope: 'login' });
    assert.equal(r.ok, true, r.messages.join('\n'));
    assert.match(r.messages.join('\n'), /Static authorization URL/);
    const row = s.signIns.events.filter((e) => e.operation === 'login' && !e.error).at(-1)!;
    assert.equal(row.method, 'web_login');
    assert.equal(row.userAction, 'urn:apple:platformsso:auth:login');
  });
});
