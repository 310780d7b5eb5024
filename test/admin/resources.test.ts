// Graph-shaped resources over real HTTP: users with paging and $filter, groups, devices, per-user MFA requirements, policies and named locations CRUD, security defaults, sign-in logs.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { call, signInRow, tokenFor } from './helpers.js';
import { createUser } from '../../src/app/directory.js';
import { DEVICE_REGISTRATION_APP_ID } from '../../src/policy/app-ids.js';

const ALICE = 'alice@demo.openpsso.test';

const mfaPolicy = (name: string) => ({
  displayName: name, state: 'enabledForReportingButNotEnforced',
  conditions: { users: { includeUsers: ['All'] }, applications: { includeApplications: [DEVICE_REGISTRATION_APP_ID] } },
  grantControls: { operator: 'OR', builtInControls: ['mfa'] },
});

describe('admin API resources', () => {
  let s: TestServer;
  let token: string;
  before(async () => {
    s = await startTestServer();
    token = await tokenFor(s);
    for (let i = 0; i < 27; i++) await createUser(s.ctx, s.orgId, { userPrincipalName: `user${String(i).padStart(2, '0')}@demo.openpsso.test` });
  });
  after(async () => { await s.close(); });

  it('pages users through @odata.nextLink on both prefixes and filters by UPN', async () => {
    for (const prefix of ['/v1.0', '/beta']) {
      const seen: string[] = [];
      let next: string | undefined = `${prefix}/users?$top=10&$select=userPrincipalName`;
      let pages = 0;
      while (next) {
        const r = await call(s, token, 'GET', next);
        assert.equal(r.status, 200, JSON.stringify(r.body));
        assert.match(r.body['@odata.context'], /\$metadata#users$/);
        for (const u of r.body.value) { assert.deepEqual(Object.keys(u).sort(), ['@odata.type', 'id', 'userPrincipalName']); seen.push(u.userPrincipalName); }
        next = r.body['@odata.nextLink'];
        if (next) assert.ok(next.startsWith(`${s.url}${prefix}/users?`) && next.includes('$top=10'), next);
        pages++;
      }
      assert.equal(seen.length, 30);
      assert.equal(new Set(seen).size, 30);
      assert.equal(pages, 3);
    }
    const one = await call(s, token, 'GET', `/v1.0/users?$filter=${encodeURIComponent(`userPrincipalName eq '${ALICE}'`)}`);
    assert.equal(one.body.value.length, 1);
    assert.equal(one.body.value[0].displayName, 'Alice Appleseed');
    assert.equal(one.body.value[0].accountEnabled, true);
  });

  it('gets a user by id or UPN, with memberOf', async () => {
    const byUpn = await call(s, token, 'GET', `/v1.0/users/${ALICE}`);
    assert.equal(byUpn.status, 200);
    const byId = await call(s, token, 'GET', `/v1.0/users/${byUpn.body.id}`);
    assert.equal(byId.body.userPrincipalName, ALICE);
    const groups = await call(s, token, 'GET', `/v1.0/users/${ALICE}/transitiveMemberOf`);
    assert.deepEqual(groups.body.value.map((g: any) => g.displayName).sort(), ['engineering', 'mac-admins']);
    const eng = groups.body.value.find((g: any) => g.displayName === 'engineering');
    const members = await call(s, token, 'GET', `/v1.0/groups/${eng.id}/members?$top=1`);
    assert.equal(members.body.value.length, 1);
    const rest = await call(s, token, 'GET', members.body['@odata.nextLink']);
    assert.equal(rest.body.value.length, 1);
    assert.equal(rest.body['@odata.nextLink'], undefined);
  });

  it('reads and PATCHes per-user MFA state (204), as Graph beta', async () => {
    const path = `/beta/users/${ALICE}/authentication/requirements`;
    assert.equal((await call(s, token, 'GET', path)).body.perUserMfaState, 'disabled');
    const patched = await call(s, token, 'PATCH', path, { perUserMfaState: 'enforced' });
    assert.equal(patched.status, 204);
    assert.equal((await call(s, token, 'GET', path)).body.perUserMfaState, 'enforced');
    assert.equal((await s.ctx.store.users.getByPrincipalName(s.orgId, ALICE))!.perUserMfaState, 'enforced');
    await call(s, token, 'PATCH', path, { perUserMfaState: 'disabled' });
  });

  it('round-trips a conditional access policy: POST, GET, PATCH (merge), list, DELETE', async () => {
    const created = await call(s, token, 'POST', '/v1.0/identity/conditionalAccess/policies', mfaPolicy('Require MFA at registration'));
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const id = created.body.id as string;
    assert.ok(created.body.createdDateTime);
    const patched = await call(s, token, 'PATCH', `/v1.0/identity/conditionalAccess/policies/${id}`, { state: 'enabled', conditions: { users: { excludeUsers: ['usr_breakglass'] } } });
    assert.equal(patched.status, 204, JSON.stringify(patched.body));
    const got = await call(s, token, 'GET', `/beta/identity/conditionalAccess/policies/${id}`);
    assert.equal(got.body.state, 'enabled');
    assert.deepEqual(got.body.conditions.users.includeUsers, ['All']);
    assert.deepEqual(got.body.conditions.users.excludeUsers, ['usr_breakglass']);
    assert.deepEqual(got.body.conditions.applications.includeApplications, [DEVICE_REGISTRATION_APP_ID]);
    const list = await call(s, token, 'GET', '/v1.0/identity/conditionalAccess/policies');
    assert.ok(list.body.value.some((p: any) => p.id === id));
    const bad = await call(s, token, 'PATCH', `/v1.0/identity/conditionalAccess/policies/${id}`, { grantControls: { builtInControls: ['block', 'mfa'] } });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error_code, 'OPSSO1710');
    assert.match(bad.body.error_description, /grantControls\.builtInControls/);
    assert.equal((await call(s, token, 'DELETE', `/v1.0/identity/conditionalAccess/policies/${id}`)).status, 204);
    assert.equal((await call(s, token, 'GET', `/v1.0/identity/conditionalAccess/policies/${id}`)).status, 404);
  });

  it('manages named locations; a location in use cannot be deleted', async () => {
    const loc = await call(s, token, 'POST', '/v1.0/identity/conditionalAccess/namedLocations', {
      '@odata.type': '#microsoft.graph.ipNamedLocation', displayName: 'HQ', isTrusted: true,
      ipRanges: [{ '@odata.type': '#microsoft.graph.iPv4CidrRange', cidrAddress: '203.0.113.0/24' }],
    });
    assert.equal(loc.status, 201, JSON.stringify(loc.body));
    assert.equal(loc.body['@odata.type'], '#microsoft.graph.ipNamedLocation');
    const p = await call(s, token, 'POST', '/v1.0/identity/conditionalAccess/policies', {
      ...mfaPolicy('Outside HQ'), conditions: { ...mfaPolicy('x').conditions, locations: { includeLocations: ['All'], excludeLocations: [loc.body.id] } },
    });
    assert.equal(p.status, 201, JSON.stringify(p.body));
    const refused = await call(s, token, 'DELETE', `/v1.0/identity/conditionalAccess/namedLocations/${loc.body.id}`);
    assert.equal(refused.status, 409);
    const dangling = await call(s, token, 'POST', '/v1.0/identity/conditionalAccess/policies', {
      ...mfaPolicy('Dangling'), conditions: { ...mfaPolicy('x').conditions, locations: { includeLocations: ['nl_missing'] } },
    });
    assert.equal(dangling.status, 400);
    assert.match(dangling.body.error_description, /conditions\.locations\.includeLocations\[0\]/);
    await call(s, token, 'DELETE', `/v1.0/identity/conditionalAccess/policies/${p.body.id}`);
    assert.equal((await call(s, token, 'PATCH', `/v1.0/identity/conditionalAccess/namedLocations/${loc.body.id}`, { isTrusted: false })).status, 204);
    assert.equal((await call(s, token, 'GET', `/v1.0/identity/conditionalAccess/namedLocations/${loc.body.id}`)).body.isTrusted, false);
    assert.equal((await call(s, token, 'DELETE', `/v1.0/identity/conditionalAccess/namedLocations/${loc.body.id}`)).status, 204);
  });

  it('reads and sets security defaults', async () => {
    const path = '/v1.0/policies/identitySecurityDefaultsEnforcementPolicy';
    assert.equal((await call(s, token, 'GET', path)).body.isEnabled, false);
    assert.equal((await call(s, token, 'PATCH', path, { isEnabled: true })).status, 204);
    assert.equal((await call(s, token, 'GET', path)).body.isEnabled, true);
    await call(s, token, 'PATCH', path, { isEnabled: false });
  });

  it('filters sign-in logs ($filter subset) and pages them with $skiptoken', async () => {
    const base = Math.floor(s.ctx.clock.now() / 1000) * 1000 - 3600_000;
    for (let i = 0; i < 7; i++) await s.ctx.store.signInLogs.append(s.orgId, signInRow({ at: base + i * 1000, code: 50076 }));
    await s.ctx.store.signInLogs.append(s.orgId, signInRow({ at: base + 10_000, code: 0, userPrincipalName: 'bob@demo.openpsso.test', isInteractive: true }));
    const q = (f: string, top = '') => call(s, token, 'GET', `/v1.0/auditLogs/signIns?$filter=${encodeURIComponent(f)}${top}`);
    const mfa = await q('status/errorCode eq 50076');
    assert.equal(mfa.body.value.length, 7);
    assert.ok(mfa.body.value.every((r: any) => r.status.errorCode === 50076 && r.authenticationRequirementSource === 'perUserMfa'));
    const dates = mfa.body.value.map((r: any) => r.createdDateTime);
    assert.deepEqual(dates, [...dates].sort().reverse(), 'newest first');
    const seen: string[] = [];
    let next: string | undefined = `/beta/auditLogs/signIns?$filter=${encodeURIComponent('status/errorCode eq 50076')}&$top=3`;
    while (next) {
      const r = await call(s, token, 'GET', next);
      assert.equal(r.status, 200);
      seen.push(...r.body.value.map((x: any) => x.id));
      next = r.body['@odata.nextLink'];
    }
    assert.equal(seen.length, 7);
    assert.equal(new Set(seen).size, 7);
    assert.equal((await q(`userPrincipalName eq 'BOB@demo.openpsso.test' and isInteractive eq true`)).body.value.length, 1);
    const since = new Date(base + 5000).toISOString();
    assert.equal((await q(`createdDateTime ge ${since} and status/errorCode eq 50076`)).body.value.length, 2);
    const one = await call(s, token, 'GET', `/v1.0/auditLogs/signIns/${seen[0]}`);
    assert.equal(one.body.id, seen[0]);
    const bad = await q('status/errorCode eq');
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error_code, 'OPSSO1708');
    assert.match(bad.body.error_description, /position/);
  });

  it('reports user registration details with the Platform SSO method extension', async () => {
    const r = await call(s, token, 'GET', `/v1.0/reports/authenticationMethods/userRegistrationDetails?$filter=${encodeURIComponent(`userPrincipalName eq '${ALICE}'`)}`);
    assert.equal(r.status, 200);
    assert.equal(r.body.value[0].isMfaRegistered, false);
    assert.equal(r.body.value[0].platformSsoMethod, null);
  });
});
