// Two server instances on one PostgreSQL database, as behind a load balancer: a revocation, a
// disabled user or a policy change made through instance A's admin API holds on instance B at the
// Mac's very next request, even though B served that Mac a moment before (no per-process cache).

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { startPeerServer, startTestServer, type TestServer } from '../helpers/test-server.js';
import { configuredPg, dropPgSchema, pgUnreachableReason, pgUrl } from '../helpers/postgres.js';
import { RawDevice } from '../helpers/raw-device.js';
import { call, tokenFor } from '../admin/helpers.js';
import { ManualClock } from '../../src/app/clock.js';
import { DEMO_PASSWORD } from '../../src/app/demo.js';
import { PLATFORM_SSO_APP_ID } from '../../src/policy/app-ids.js';

const reason = await pgUnreachableReason();
const ALICE = 'alice@demo.openpsso.test';
const BOB = 'bob@demo.openpsso.test';
const CAROL = 'carol@demo.openpsso.test';

describe('two instances on one PostgreSQL database', { skip: reason !== null && !configuredPg ? `${reason}; set OPENPSSO_TEST_PG to run it` : false }, () => {
  // One clock that never moves on its own: a time-based cache on B would never expire during the test.
  const clock = new ManualClock(Date.UTC(2026, 11, 7, 9, 0, 0));
  const now = () => Math.floor(clock.now() / 1000);
  const schema = `openpsso_pair_${randomBytes(6).toString('hex')}`;
  let a: TestServer;
  let b: TestServer;
  let admin: string;

  before(async () => {
    if (reason !== null) assert.fail(reason); // OPENPSSO_TEST_PG was set: unreachable is a failure
    const database = { kind: 'postgres', url: pgUrl, schema };
    a = await startTestServer({ clock, overrides: { database } });
    b = await startPeerServer(a, { clock, overrides: { database } });
    admin = await tokenFor(a, ['Directory.ReadWrite', 'Policy.ReadWrite']);
  });
  after(async () => {
    await b?.close();
    await a?.close();
    if (reason === null) await dropPgSchema(schema);
  });

  /** A Mac registered and logged in through A, then talking to B; returns it with a live refresh token. */
  async function macOnB(user: string): Promise<{ dev: RawDevice; rt: string }> {
    const dev = new RawDevice(a.url);
    assert.equal((await dev.register(a.registrationToken)).status, 201);
    const built = dev.loginRequest(await dev.nonce(), now(), { username: user, password: DEMO_PASSWORD });
    const rt = dev.open(await dev.send(built.jwt), built).refresh_token as string;
    dev.through(b.url);
    return { dev, rt: await refreshOk(dev, rt) };
  }
  /** A refresh through B that must succeed; returns the rotated token. */
  async function refreshOk(dev: RawDevice, rt: string): Promise<string> {
    const built = dev.refreshRequest(await dev.nonce(), now(), rt);
    const r = await dev.send(built.jwt);
    assert.equal(r.status, 200, r.text);
    return dev.open(r, built).refresh_token as string;
  }
  const refresh = async (dev: RawDevice, rt: string) => dev.send(dev.refreshRequest(await dev.nonce(), now(), rt).jwt);
  const login = async (dev: RawDevice, user: string) => dev.send(dev.loginRequest(await dev.nonce(), now(), { username: user, password: DEMO_PASSWORD }).jwt);

  it('runs A and B as separate processes over one schema and one issuer', () => {
    assert.equal(a.ctx.store.kind, 'postgres');
    assert.notEqual(a.ctx, b.ctx);
    assert.notEqual(a.url, b.url);
    assert.equal(b.ctx.urls.issuer, a.ctx.urls.issuer);
  });

  it('a device disabled on A is refused by B at its next refresh and login', async () => {
    const { dev, rt } = await macOnB(ALICE);
    assert.equal((await call(a, admin, 'PATCH', `/v1.0/devices/${dev.id}`, { accountEnabled: false })).status, 204);
    const r = await refresh(dev, rt);
    assert.equal(r.status, 400, r.text);
    assert.equal(r.json.error_code, 'OPSSO1102');
    assert.equal((await login(dev, ALICE)).json.error_code, 'OPSSO1102');
  });

  it('a device deleted on A is unknown to B at once', async () => {
    const { dev, rt } = await macOnB(ALICE);
    assert.equal((await call(a, admin, 'DELETE', `/v1.0/devices/${dev.id}`)).status, 204);
    assert.equal((await refresh(dev, rt)).json.error_code, 'OPSSO1101');
  });

  it("a user disabled on A is refused by B at the next login, and the user's sessions ended", async () => {
    const { dev, rt } = await macOnB(BOB);
    assert.equal((await login(dev, BOB)).status, 200, 'B let Bob log in a moment before');
    assert.equal((await call(a, admin, 'PATCH', `/v1.0/users/${encodeURIComponent(BOB)}`, { accountEnabled: false })).status, 204);
    const refused = await login(dev, BOB);
    assert.equal(refused.status, 401, refused.text);
    assert.equal(refused.json.error_code, 'OPSSO1202');
    assert.equal((await refresh(dev, rt)).json.error_code, 'OPSSO1301');
    assert.equal((await call(a, admin, 'PATCH', `/v1.0/users/${encodeURIComponent(BOB)}`, { accountEnabled: true })).status, 204);
    assert.equal((await login(dev, BOB)).status, 200, 'enabled again on A, B lets Bob in at once');
  });

  it("revokeSignInSessions on A ends the user's refresh on B at once", async () => {
    const { dev, rt } = await macOnB(CAROL);
    assert.equal((await call(a, admin, 'POST', `/v1.0/users/${encodeURIComponent(CAROL)}/revokeSignInSessions`)).status, 200);
    assert.equal((await refresh(dev, rt)).json.error_code, 'OPSSO1301');
  });

  it('a blocking policy created, changed and deleted on A holds on B from the very next refresh', async () => {
    let { dev, rt } = await macOnB(ALICE);
    const created = await call(a, admin, 'POST', '/v1.0/identity/conditionalAccess/policies', {
      displayName: 'Block Platform SSO', state: 'enabled',
      conditions: { users: { includeUsers: ['All'] }, applications: { includeApplications: [PLATFORM_SSO_APP_ID] } },
      grantControls: { operator: 'OR', builtInControls: ['block'] },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const blocked = await refresh(dev, rt);
    assert.equal(blocked.status, 400, blocked.text);
    assert.equal(blocked.json.error_code, 'OPSSO1703');
    assert.match(blocked.json.error_description, /Block Platform SSO/);

    const policy = `/v1.0/identity/conditionalAccess/policies/${created.body.id}`;
    assert.equal((await call(a, admin, 'PATCH', policy, { state: 'disabled' })).status, 204);
    rt = await refreshOk(dev, rt);
    assert.equal((await call(a, admin, 'PATCH', policy, { state: 'enabled' })).status, 204);
    assert.equal((await refresh(dev, rt)).json.error_code, 'OPSSO1703');
    assert.equal((await call(a, admin, 'DELETE', policy)).status, 204);
    rt = await refreshOk(dev, rt);
  });

  it('a named location changed on A moves B\'s decision at once', async () => {
    const { dev, rt: first } = await macOnB(ALICE);
    let rt = first;
    const loc = await call(a, admin, 'POST', '/v1.0/identity/conditionalAccess/namedLocations', {
      displayName: 'Office', isTrusted: true, ipRanges: [{ '@odata.type': '#microsoft.graph.iPv4CidrRange', cidrAddress: '127.0.0.0/8' }],
    });
    assert.equal(loc.status, 201, JSON.stringify(loc.body));
    const pol = await call(a, admin, 'POST', '/v1.0/identity/conditionalAccess/policies', {
      displayName: 'Block outside the office', state: 'enabled',
      conditions: { users: { includeUsers: ['All'] }, applications: { includeApplications: [PLATFORM_SSO_APP_ID] }, locations: { includeLocations: ['All'], excludeLocations: [loc.body.id] } },
      grantControls: { operator: 'OR', builtInControls: ['block'] },
    });
    assert.equal(pol.status, 201, JSON.stringify(pol.body));
    rt = await refreshOk(dev, rt); // loopback is the office
    const moved = await call(a, admin, 'PATCH', `/v1.0/identity/conditionalAccess/namedLocations/${loc.body.id}`, {
      ipRanges: [{ '@odata.type': '#microsoft.graph.iPv4CidrRange', cidrAddress: '10.0.0.0/8' }],
    });
    assert.equal(moved.status, 204, JSON.stringify(moved.body));
    assert.equal((await refresh(dev, rt)).json.error_code, 'OPSSO1703');
    assert.equal((await call(a, admin, 'DELETE', `/v1.0/identity/conditionalAccess/policies/${pol.body.id}`)).status, 204);
    assert.equal((await call(a, admin, 'DELETE', `/v1.0/identity/conditionalAccess/namedLocations/${loc.body.id}`)).status, 204);
  });
});
