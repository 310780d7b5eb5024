// Revocation over the admin API: disabling, re-enabling and deleting a device, disabling a user and
// revokeSignInSessions, each refused at the Mac's next token request, logged, 404 for unknown ids and 403 without the role.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { RawDevice } from '../helpers/raw-device.js';
import { call, tokenFor } from './helpers.js';
import { DEMO_PASSWORD } from '../../src/app/demo.js';
import { ManualClock } from '../../src/app/clock.js';
import { createBearerToken } from '../../src/app/registration-auth.js';
import { findUser } from '../../src/app/directory.js';
import { parseSignInFilter } from '../../src/policy/sign-in-filter.js';
import { ADMIN_API_APP_ID } from '../../src/policy/app-ids.js';

const ALICE = 'alice@demo.openpsso.test';
const BOB = 'bob@demo.openpsso.test';

describe('admin API revocation', () => {
  let s: TestServer;
  let token: string;
  const clock = new ManualClock(Date.now());
  const now = () => Math.floor(clock.now() / 1000);

  before(async () => {
    s = await startTestServer({ clock });
    token = await tokenFor(s, ['Directory.ReadWrite']);
  });
  after(async () => { await s.close(); });

  /** A registered device with `user` logged in; returns the device and its live refresh token. */
  async function loggedIn(user = ALICE): Promise<{ dev: RawDevice; refresh: string }> {
    const dev = new RawDevice(s.url);
    assert.equal((await dev.register(s.registrationToken)).status, 201);
    const built = dev.loginRequest(await dev.nonce(), now(), { username: user, password: DEMO_PASSWORD });
    return { dev, refresh: dev.open(await dev.send(built.jwt), built).refresh_token };
  }
  const login = async (dev: RawDevice, user = ALICE) => dev.send(dev.loginRequest(await dev.nonce(), now(), { username: user, password: DEMO_PASSWORD }).jwt);
  const refresh = async (dev: RawDevice, rt: string) => {
    const built = dev.refreshRequest(await dev.nonce(), now(), rt);
    const r = await dev.send(built.jwt);
    return { r, built };
  };
  const adminRows = async (action: string) => (await s.ctx.store.signInLogs.query(s.orgId, {
    filter: parseSignInFilter(`appId eq '${ADMIN_API_APP_ID}'`), top: 1000,
  })).items.filter((row) => row.status.additionalDetails?.startsWith(`admin_action ${action} `));

  it('accountEnabled false revokes the device: its next refresh and login are refused, and the change is logged', async () => {
    const { dev, refresh: rt } = await loggedIn();
    const r = await call(s, token, 'PATCH', `/v1.0/devices/${dev.id}`, { accountEnabled: false });
    assert.equal(r.status, 204, JSON.stringify(r.body));
    assert.equal((await call(s, token, 'GET', `/v1.0/devices/${dev.id}`)).body.accountEnabled, false);
    const next = await refresh(dev, rt);
    assert.equal(next.r.status, 400);
    assert.equal(next.r.json.error_code, 'OPSSO1102');
    assert.equal((await login(dev)).json.error_code, 'OPSSO1102');
    const rows = await adminRows('disableDevice');
    assert.equal(rows.length, 1);
    assert.match(rows[0]!.status.additionalDetails!, new RegExp(`target=${dev.id} deviceId=${dev.uuid} refreshTokensRevoked=1$`));
    assert.equal(rows[0]!.isInteractive, false);
  });

  it('accountEnabled true restores the device but not its sessions: the old refresh token stays ended, a login works', async () => {
    const { dev, refresh: rt } = await loggedIn();
    assert.equal((await call(s, token, 'PATCH', `/beta/devices/${dev.id}`, { accountEnabled: false })).status, 204);
    assert.equal((await call(s, token, 'PATCH', `/beta/devices/${dev.id}`, { '@odata.type': '#microsoft.graph.device', accountEnabled: true })).status, 204);
    assert.equal((await call(s, token, 'GET', `/beta/devices/${dev.id}`)).body.accountEnabled, true);
    assert.equal((await refresh(dev, rt)).r.json.error_code, 'OPSSO1301');
    const again = await login(dev);
    assert.equal(again.status, 200, again.text);
    assert.equal((await adminRows('enableDevice')).length, 1);
  });

  it('DELETE removes the registration: the Mac is unknown until it registers again', async () => {
    const { dev, refresh: rt } = await loggedIn();
    const r = await call(s, token, 'DELETE', `/v1.0/devices/${dev.id}`);
    assert.equal(r.status, 204, JSON.stringify(r.body));
    assert.equal((await call(s, token, 'GET', `/v1.0/devices/${dev.id}`)).status, 404);
    assert.equal((await refresh(dev, rt)).r.json.error_code, 'OPSSO1101');
    assert.equal((await login(dev)).json.error_code, 'OPSSO1101');
    assert.equal((await dev.register(s.registrationToken)).status, 201);
    assert.equal((await login(dev)).status, 200);
    const rows = await adminRows('deleteDevice');
    assert.match(rows.at(-1)!.status.additionalDetails!, /refreshTokensDeleted=1 registrationsDeleted=\d+$/);
  });

  it('revokeSignInSessions ends every refresh and bearer token of the user on every Mac, answering Edm.Boolean', async () => {
    const a = await loggedIn(BOB);
    const b = await loggedIn(BOB);
    const bob = await findUser(s.ctx, s.orgId, BOB);
    const bearer = await createBearerToken(s.ctx, bob, ['pwd']);
    assert.equal((await new RawDevice(s.url).register(bearer.token)).status, 201, 'the bearer token works before');
    const r = await call(s, token, 'POST', `/v1.0/users/${encodeURIComponent(BOB)}/revokeSignInSessions`);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.deepEqual(r.body, { '@odata.context': `${s.url}/v1.0/$metadata#Edm.Boolean`, value: true });
    for (const m of [a, b]) assert.equal((await refresh(m.dev, m.refresh)).r.json.error_code, 'OPSSO1301');
    const withBearer = await new RawDevice(s.url).register(bearer.token);
    assert.equal(withBearer.json.error_code, 'OPSSO1303', withBearer.text);
    assert.equal((await login(a.dev, BOB)).status, 200, 'a full login still works');
    assert.match((await adminRows('revokeSignInSessions'))[0]!.status.additionalDetails!, /refreshTokensRevoked=2 bearerTokensRevoked=1$/);
    const beta = await call(s, token, 'POST', `/beta/users/${bob.id}/revokeSignInSessions`);
    assert.equal(beta.body['@odata.context'], `${s.url}/beta/$metadata#Edm.Boolean`);
  });

  it('accountEnabled false on a user refuses the next login and refresh; true lets a full login in again', async () => {
    const { dev, refresh: rt } = await loggedIn(BOB);
    assert.equal((await call(s, token, 'PATCH', `/v1.0/users/${encodeURIComponent(BOB)}`, { accountEnabled: false })).status, 204);
    assert.equal((await call(s, token, 'GET', `/v1.0/users/${encodeURIComponent(BOB)}`)).body.accountEnabled, false);
    assert.equal((await refresh(dev, rt)).r.json.error_code, 'OPSSO1301');
    const refused = await login(dev, BOB);
    assert.equal(refused.json.error_code, 'OPSSO1202');
    assert.equal((await call(s, token, 'PATCH', `/v1.0/users/${encodeURIComponent(BOB)}`, { accountEnabled: true })).status, 204);
    assert.equal((await login(dev, BOB)).status, 200);
    assert.equal((await adminRows('disableUser')).length, 1);
  });

  it('answers 404 for unknown or foreign ids on every revocation route, changing nothing', async () => {
    for (const prefix of ['/v1.0', '/beta']) {
      for (const [method, path, body] of [
        ['PATCH', '/devices/dev_missing', { accountEnabled: false }],
        ['DELETE', '/devices/dev_missing', undefined],
        ['PATCH', '/users/nobody@demo.openpsso.test', { accountEnabled: false }],
        ['POST', '/users/usr_missing/revokeSignInSessions', undefined],
      ] as const) {
        const r = await call(s, token, method, `${prefix}${path}`, body);
        assert.equal(r.status, 404, `${method} ${prefix}${path}: ${JSON.stringify(r.body)}`);
        assert.equal(r.body.error_code, 'OPSSO1602');
      }
    }
  });

  it('answers 403 without Directory.ReadWrite and 401 without a token, and the device keeps working', async () => {
    const { dev, refresh: rt } = await loggedIn();
    const readOnly = await tokenFor(s, ['Directory.Read', 'Policy.ReadWrite', 'UserAuthenticationMethod.ReadWrite', 'AuditLog.Read']);
    for (const [method, path, body] of [
      ['PATCH', `/v1.0/devices/${dev.id}`, { accountEnabled: false }],
      ['DELETE', `/beta/devices/${dev.id}`, undefined],
      ['PATCH', `/v1.0/users/${encodeURIComponent(ALICE)}`, { accountEnabled: false }],
      ['POST', `/beta/users/${encodeURIComponent(ALICE)}/revokeSignInSessions`, undefined],
    ] as const) {
      const r = await call(s, readOnly, method, path, body);
      assert.equal(r.status, 403, `${method} ${path}`);
      assert.equal(r.body.error_code, 'OPSSO1709');
      assert.equal((await call(s, null, method, path, body)).status, 401);
    }
    const still = await refresh(dev, rt);
    assert.equal(still.r.status, 200, still.r.text);
  });

  it('refuses bodies without a boolean accountEnabled or with properties it cannot change with 400, changing nothing', async () => {
    const { dev } = await loggedIn();
    for (const body of [{}, { accountEnabled: 'false' }, { accountEnabled: false, jobTitle: 'x' }, [false], 'not json']) {
      for (const path of [`/v1.0/devices/${dev.id}`, `/v1.0/users/${encodeURIComponent(ALICE)}`]) {
        const r = await call(s, token, 'PATCH', path, body);
        assert.equal(r.status, 400, `${path} ${JSON.stringify(body)}: ${JSON.stringify(r.body)}`);
        assert.equal(r.body.error_code, 'OPSSO1001');
      }
    }
    assert.equal((await call(s, token, 'PATCH', `/v1.0/devices/${dev.id}`, { accountEnabled: false }, { 'content-type': 'text/plain' })).status, 400);
    assert.equal((await call(s, token, 'GET', `/v1.0/devices/${dev.id}`)).body.accountEnabled, true);
    assert.equal((await call(s, token, 'GET', `/v1.0/users/${encodeURIComponent(ALICE)}`)).body.accountEnabled, true);
  });
});
