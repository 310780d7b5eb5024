// Garbage at every admin API route (from docs/openapi.json): missing tokens, bad JSON, wrong types, unknown ids, bad $top/$filter/$skiptoken; always a catalogue code, never a 5xx, nothing stored.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { call, openapi, tokenFor, type Reply } from './helpers.js';
import { encodeSkipToken } from '../../src/app/admin-api/graph-query.js';
import { RawDevice } from '../helpers/raw-device.js';

const routes = Object.entries(openapi.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => ({ method: m.toUpperCase(), path, op: ops[m] as { parameters?: { name: string }[] } })))
  .filter((r) => r.path !== '/oauth2/v2.0/token');

function expectCode(r: Reply, code: string, what: string): void {
  assert.ok(r.status >= 400 && r.status < 500, `${what}: status ${r.status} ${JSON.stringify(r.body)}`);
  assert.equal(r.body?.error_code, code, `${what}: ${JSON.stringify(r.body)}`);
}

describe('admin API bad input', () => {
  let s: TestServer;
  let token: string;
  let counts: () => Promise<number[]>;
  before(async () => {
    s = await startTestServer();
    token = await tokenFor(s);
    counts = async () => [(await s.ctx.store.policies.list(s.orgId)).length, (await s.ctx.store.namedLocations.list(s.orgId)).length,
      (await s.ctx.store.users.list(s.orgId, { limit: 1000 })).items.filter((u) => u.perUserMfaState !== 'disabled').length,
      (await s.ctx.store.applications.list(s.orgId)).length];
  });
  after(async () => { await s.close(); });

  it('refuses every route without a token (401) and with a garbage token (401)', async () => {
    for (const r of routes) {
      const path = r.path.replace('{id}', 'x');
      expectCode(await call(s, null, r.method, path, r.method === 'GET' || r.method === 'DELETE' ? undefined : {}), 'OPSSO1601', `${r.method} ${path} no token`);
      expectCode(await call(s, 'eyJhbGciOiJub25lIn0.e30.', r.method, path), 'OPSSO1601', `${r.method} ${path} alg none`);
    }
  });

  it('answers unknown ids with 404 resource_not_found', async () => {
    // A NUL is refused before lookup (OPSSO1010, test/server/unrepresentable-input.test.ts).
    const ids = ['does-not-exist', "it's", 'usr_nope', '%E2%80%AE', 'x'.repeat(99)];
    const before = await counts();
    for (const r of routes.filter((x) => x.path.includes('{id}'))) {
      for (const id of ids) {
        const path = r.path.replace('{id}', id);
        const body = r.method === 'PATCH' ? (r.path.endsWith('requirements') ? { perUserMfaState: 'disabled' } : { displayName: 'x' }) : undefined;
        const res = await call(s, token, r.method, path, body);
        assert.ok(res.status < 500, `${r.method} ${path}: ${res.status}`);
        expectCode(res, 'OPSSO1602', `${r.method} ${r.path} id=${id.slice(0, 20)}`);
      }
    }
    assert.deepEqual(await counts(), before);
    // Past Fastify's 100-character parameter limit the router answers 414 itself, before any route
    // (build-server.ts could map it through `frameworkErrors`); still a 4xx, never a 5xx.
    const long = await call(s, token, 'GET', `/v1.0/users/${'x'.repeat(3000)}`);
    assert.ok(long.status >= 400 && long.status < 500, String(long.status));
  });

  it('refuses bad $top, $skiptoken, $filter and unsupported options on every collection', async () => {
    const collections = routes.filter((r) => r.method === 'GET' && (r.op.parameters ?? []).some((p) => p.name === '$top'))
      .map((r) => ({ raw: r.path, hasFilter: (r.op.parameters ?? []).some((p) => p.name === '$filter') }));
    assert.ok(collections.length >= 10);
    const groupId = (await s.ctx.store.groups.list(s.orgId)).items[0]!.id;
    let filtered = 0;
    for (const { raw, hasFilter } of collections) {
      const path = raw.replace('{id}', groupId);
      for (const q of ['$top=abc', '$top=0', '$top=-1', '$top=1.5', '$top=1&$top=2', '$skiptoken=%%%', '$skiptoken=bm9wZQ', `$skiptoken=${encodeSkipToken('elsewhere', 'x')}`, '$orderby=id']) {
        expectCode(await call(s, token, 'GET', `${path}?${q}`), 'OPSSO1001', `${path}?${q}`);
      }
      if (hasFilter) {
        filtered++;
        for (const f of ["nope eq 'x'", 'status/errorCode eq', "userPrincipalName eq 'unterminated", '(((']) {
          expectCode(await call(s, token, 'GET', `${path}?$filter=${encodeURIComponent(f)}`), 'OPSSO1708', `${path} $filter=${f}`);
        }
      }
    }
    assert.ok(filtered >= 10, `filters tried on ${filtered} collections`);
    // $top above the cap is clamped, as Graph does, not refused.
    assert.equal((await call(s, token, 'GET', '/v1.0/users?$top=5000')).status, 200);
  });

  it('refuses bad bodies on every write with stable codes, storing nothing', async () => {
    const before = await counts();
    const writes = routes.filter((r) => r.method === 'POST' || r.method === 'PATCH');
    const [alice] = (await s.ctx.store.users.list(s.orgId, { limit: 1 })).items;
    const policy = await call(s, token, 'POST', '/v1.0/identity/conditionalAccess/policies', {
      displayName: 'p', state: 'disabled', conditions: { users: { includeUsers: ['All'] }, applications: { includeApplications: ['All'] } }, grantControls: { operator: 'OR', builtInControls: ['mfa'] },
    });
    const loc = await call(s, token, 'POST', '/v1.0/identity/conditionalAccess/namedLocations', { displayName: 'l', ipRanges: [{ '@odata.type': '#microsoft.graph.iPv4CidrRange', cidrAddress: '10.0.0.0/8' }] });
    const device = new RawDevice(s.url);
    assert.equal((await device.register(s.registrationToken)).status, 201);
    const group = (await s.ctx.store.groups.list(s.orgId)).items[0]!;
    const app = await call(s, token, 'POST', '/v1.0/applications', { displayName: 'a', web: { redirectUris: ['https://a.example/cb'] } });
    const idFor = (p: string) => (p.includes('/users/') ? alice!.id : p.includes('/devices/') ? device.id : p.includes('/groups/') ? group.id
      : p.includes('namedLocations') ? loc.body.id : p.includes('/applications/') ? app.body.id : policy.body.id);
    const appBefore = await s.ctx.store.applications.get(s.orgId, app.body.id);
    const after0 = await counts();
    for (const r of writes) {
      const path = r.path.replace('{id}', idFor(r.path));
      const w = `${r.method} ${r.path}`;
      expectCode(await call(s, token, r.method, path, '{"broken":'), 'OPSSO1001', `${w} bad JSON`);
      expectCode(await call(s, token, r.method, path, 'displayName=x', { 'content-type': 'text/plain' }), 'OPSSO1002', `${w} text/plain`);
      expectCode(await call(s, token, r.method, path, 'a=b', { 'content-type': 'application/x-www-form-urlencoded' }), 'OPSSO1002', `${w} form`);
      const typed = r.path.includes('/conditionalAccess/') ? 'OPSSO1710' : r.path.includes('/applications') ? 'OPSSO1830' : 'OPSSO1001';
      for (const body of [[], 'null', '"text"', '42', { displayName: 5, state: 'on', perUserMfaState: 'sometimes', isEnabled: 'yes', ipRanges: 'all' }]) {
        expectCode(await call(s, token, r.method, path, typeof body === 'string' ? body : body), typed, `${w} ${JSON.stringify(body)}`);
      }
    }
    assert.deepEqual(await counts(), after0);
    assert.equal((await s.ctx.store.devices.get(device.id))?.status, 'active', 'no bad body disabled the device');
    assert.equal((await s.ctx.store.users.get(alice!.id))?.enabled, true, 'no bad body disabled the user');
    assert.deepEqual(await s.ctx.store.applications.get(s.orgId, app.body.id), appBefore, 'no bad body changed the app or its secret');
    expectCode(await call(s, token, 'POST', '/v1.0/identity/conditionalAccess/policies', { displayName: 'x', state: 'enabled', conditions: { users: { includeRoles: ['r1'] }, applications: { includeApplications: ['All'] } }, grantControls: { builtInControls: ['mfa'] } }), 'OPSSO1710', 'unsupported role condition');
    expectCode(await call(s, token, 'POST', '/v1.0/identity/conditionalAccess/namedLocations', { displayName: 'x', ipRanges: [{ '@odata.type': '#microsoft.graph.iPv4CidrRange', cidrAddress: '10.0.0.1/8' }] }), 'OPSSO1710', 'host bits');
    expectCode(await call(s, token, 'POST', '/v1.0/identity/conditionalAccess/policies', { ...policy.body, id: policy.body.id, '@odata.context': undefined }), 'OPSSO1603', 'same id twice');
    assert.deepEqual((await counts()).slice(0, 2), [before[0]! + 1, before[1]! + 1]);
    assert.equal((await counts())[3], before[3]! + 1);
  });
});
