// Creating, changing and deleting users and group memberships over the admin API (Graph shapes),
// through real HTTP: status codes, Location, Graph bodies, sign-in effects and admin action rows.

import { accountKey, networkOf } from '../../src/app/credential-guard.js';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { RawDevice } from '../helpers/raw-device.js';
import { call, tokenFor } from './helpers.js';
import { DEMO_PASSWORD } from '../../src/app/demo.js';
import { ManualClock } from '../../src/app/clock.js';
import { parseSignInFilter } from '../../src/policy/sign-in-filter.js';
import { ADMIN_API_APP_ID } from '../../src/policy/app-ids.js';

const D = '@demo.openpsso.test';

describe('admin API user and membership writes', () => {
  let s: TestServer;
  let token: string;
  const clock = new ManualClock(Date.now());
  const now = () => Math.floor(clock.now() / 1000);
  before(async () => {
    s = await startTestServer({ clock });
    token = await tokenFor(s, ['Directory.ReadWrite']);
  });
  after(async () => { await s.close(); });

  const login = async (dev: RawDevice, username: string, password: string) => dev.send(dev.loginRequest(await dev.nonce(), now(), { username, password }).jwt);
  const adminRows = async (action: string) => (await s.ctx.store.signInLogs.query(s.orgId, {
    filter: parseSignInFilter(`appId eq '${ADMIN_API_APP_ID}'`), top: 1000,
  })).items.filter((row) => row.status.additionalDetails?.startsWith(`admin_action ${action} `));

  it('POST /users creates a user (201, Location, Graph body) who can sign in; a taken name is 409', async () => {
    const body = { accountEnabled: true, displayName: 'New Hire', mailNickname: 'newhire', userPrincipalName: `newhire${D}`, passwordProfile: { password: 'NewHire-Passw0rd', forceChangePasswordNextSignIn: false } };
    const r = await fetch(`${s.url}/v1.0/users`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    assert.equal(r.status, 201);
    const u = await r.json() as Record<string, unknown>;
    assert.equal(r.headers.get('location'), `${s.url}/v1.0/users/${u.id}`);
    assert.equal(u['@odata.context'], `${s.url}/v1.0/$metadata#users/$entity`);
    assert.deepEqual([u.userPrincipalName, u.displayName, u.mail, u.accountEnabled], [`newhire${D}`, 'New Hire', `newhire${D}`, true]);
    assert.equal((await call(s, token, 'GET', `/v1.0/users/${u.id}`)).body.displayName, 'New Hire');
    const dev = new RawDevice(s.url);
    assert.equal((await dev.register(s.registrationToken)).status, 201);
    assert.equal((await login(dev, `newhire${D}`, 'NewHire-Passw0rd')).status, 200);
    const again = await call(s, token, 'POST', '/beta/users', { ...body, userPrincipalName: `NEWHIRE${D}` });
    assert.equal(again.status, 409);
    assert.equal(again.body.error_code, 'OPSSO1603');
    assert.equal((await adminRows('createUser')).length, 1);
  });

  it('POST /users refuses bad fields with 400 and stores nothing', async () => {
    const before = (await s.ctx.store.users.list(s.orgId, { limit: 1000 })).items.length;
    for (const [body, pattern] of [
      [{ displayName: 'x', userPrincipalName: `bad mail${D}` }, /userPrincipalName: must be a name or name@domain/],
      [{ displayName: 'x', userPrincipalName: `m${D}`, mail: 'nope' }, /mail: "nope" is not a mail address/],
      [{ displayName: 'x', userPrincipalName: `p${D}`, passwordProfile: { password: 'short' } }, /passwordProfile\.password: needs at least 8 characters/],
      [{ displayName: 'x', userPrincipalName: `f${D}`, passwordProfile: { password: 'Long-Enough1', forceChangePasswordNextSignIn: true } }, /cannot force a change at the next sign-in/],
      [{ displayName: 'x', userPrincipalName: `j${D}`, jobTitle: 'CEO' }, /not jobTitle/],
      [{ userPrincipalName: `n${D}` }, /displayName/],
    ] as const) {
      const r = await call(s, token, 'POST', '/v1.0/users', body);
      assert.equal(r.status, 400, JSON.stringify(r.body));
      assert.equal(r.body.error_code, 'OPSSO1001');
      assert.match(r.body.error_description, pattern);
    }
    assert.equal((await s.ctx.store.users.list(s.orgId, { limit: 1000 })).items.length, before);
  });

  it('PATCH /users/{id} changes displayName, mail and the password (the new one signs in, the old one no longer)', async () => {
    const r = await call(s, token, 'PATCH', `/v1.0/users/carol${D}`, { displayName: 'Carol C.', mail: `c.chen${D}`, passwordProfile: { password: 'Carol-New-Passw0rd' } });
    assert.equal(r.status, 204, JSON.stringify(r.body));
    const u = (await call(s, token, 'GET', `/v1.0/users/carol${D}`)).body;
    assert.deepEqual([u.displayName, u.mail, u.accountEnabled], ['Carol C.', `c.chen${D}`, true]);
    const dev = new RawDevice(s.url);
    assert.equal((await dev.register(s.registrationToken)).status, 201);
    assert.equal((await login(dev, `carol${D}`, DEMO_PASSWORD)).status, 401);
    assert.equal((await login(dev, `carol${D}`, 'Carol-New-Passw0rd')).status, 200);
    assert.match((await adminRows('updateUser'))[0]!.status.additionalDetails!, /changed=displayName,mail,passwordProfile/);
    const bad = await call(s, token, 'PATCH', `/v1.0/users/carol${D}`, { mail: 'not a mail' });
    assert.equal(bad.status, 400);
    assert.equal((await call(s, token, 'GET', `/v1.0/users/carol${D}`)).body.mail, `c.chen${D}`);
  });

  it('DELETE /users/{id} answers 204, ends the user’s refresh token on the Mac and makes the id unknown', async () => {
    const created = await call(s, token, 'POST', '/v1.0/users', { displayName: 'Temp', userPrincipalName: `temp${D}`, passwordProfile: { password: 'Temp-Passw0rd' } });
    const dev = new RawDevice(s.url);
    assert.equal((await dev.register(s.registrationToken)).status, 201);
    const built = dev.loginRequest(await dev.nonce(), now(), { username: `temp${D}`, password: 'Temp-Passw0rd' });
    const rt = dev.open(await dev.send(built.jwt), built).refresh_token;
    // An admin's directory role goes with the user, not left behind for a later user of the same id.
    await s.ctx.store.directoryRoles.assign({ orgId: s.orgId, userId: created.body.id, role: 'Global Administrator', createdAt: now() * 1000 });
    assert.equal(await s.ctx.store.credentialGuard.isFamiliar(accountKey(s.orgId, `temp${D}`), networkOf('127.0.0.1')), true);
    const del = await call(s, token, 'DELETE', `/v1.0/users/${created.body.id}`);
    assert.equal(del.status, 204, JSON.stringify(del.body));
    assert.equal((await call(s, token, 'GET', `/v1.0/users/${created.body.id}`)).status, 404);
    assert.deepEqual(await s.ctx.store.directoryRoles.listForUser(created.body.id), []);
    // The guard forgets the name too: its sign-in made this network familiar, and a new user of that name starts afresh.
    assert.equal(await s.ctx.store.credentialGuard.isFamiliar(accountKey(s.orgId, `temp${D}`), networkOf('127.0.0.1')), false);
    const refreshed = await dev.send(dev.refreshRequest(await dev.nonce(), now(), rt).jwt);
    assert.equal(refreshed.json.error_code, 'OPSSO1301');
    assert.equal((await call(s, token, 'DELETE', `/v1.0/users/${created.body.id}`)).status, 404);
    assert.match((await adminRows('deleteUser'))[0]!.status.additionalDetails!, /refreshTokensDeleted=1 registrationsDeleted=\d+$/);
  });

  it('POST /groups/{id}/members/$ref adds (204), refuses a second add as Graph does, bad references (400) and unknown users (404); DELETE .../$ref removes', async () => {
    const group = (await s.ctx.store.groups.getByName(s.orgId, 'sales'))!;
    const bob = (await s.ctx.store.users.getByPrincipalName(s.orgId, `bob${D}`))!;
    const ref = (id: string) => ({ '@odata.id': `https://graph.microsoft.com/v1.0/directoryObjects/${id}` });
    const path = `/v1.0/groups/${group.id}/members/$ref`;
    assert.equal((await call(s, token, 'POST', path, ref(bob.id))).status, 204);
    assert.ok((await s.ctx.store.groups.listMembers(group.id)).includes(bob.id));
    const twice = await call(s, token, 'POST', path, { '@odata.id': `${s.url}/v1.0/users/${bob.id}` });
    assert.equal(twice.status, 400);
    assert.equal(twice.body.error_code, 'OPSSO1622');
    for (const body of [{ '@odata.id': 'usr_x' }, { '@odata.id': 'https://graph.microsoft.com/v1.0/groups/grp_x' }, { id: bob.id }, { '@odata.id': 5 }]) {
      const r = await call(s, token, 'POST', path, body);
      assert.equal(r.status, 400, JSON.stringify(body));
      assert.equal(r.body.error_code, 'OPSSO1001');
    }
    assert.equal((await call(s, token, 'POST', path, ref('usr_missing'))).status, 404);
    assert.equal((await call(s, token, 'POST', '/v1.0/groups/grp_missing/members/$ref', ref(bob.id))).status, 404);
    const readOnly = await tokenFor(s, ['Directory.Read']);
    assert.equal((await call(s, readOnly, 'DELETE', `/v1.0/groups/${group.id}/members/${bob.id}/$ref`)).status, 403);
    assert.equal((await call(s, token, 'DELETE', `/beta/groups/${group.id}/members/${bob.id}/$ref`)).status, 204);
    assert.ok(!(await s.ctx.store.groups.listMembers(group.id)).includes(bob.id));
    assert.equal((await call(s, token, 'DELETE', `/beta/groups/${group.id}/members/${bob.id}/$ref`)).status, 404);
    assert.equal((await adminRows('addGroupMember')).length, 1);
    assert.equal((await adminRows('removeGroupMember')).length, 1);
  });
});
