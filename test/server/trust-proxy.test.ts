// trustProxy over real HTTP on loopback: from a listed proxy, X-Forwarded-For names the client (the
// sign-in log stores it and named locations match it); from any other peer the header is ignored,
// so a forged one can neither move a sign-in to another network nor unlock GET /metrics.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { RawDevice, post } from '../helpers/raw-device.js';
import { buildPssoForm } from '../../src/protocol/index.js';
import { DEMO_PASSWORD } from '../../src/app/demo.js';
import { PLATFORM_SSO_APP_ID } from '../../src/policy/app-ids.js';
import { parseSignInFilter } from '../../src/policy/sign-in-filter.js';
import { loadConfig } from '../../src/config/load.js';
import { PssoError } from '../../src/errors/psso-error.js';

const ALICE = 'alice@demo.openpsso.test';
const BRANCH = '198.51.100.7';

/** A server with a policy blocking Platform SSO sign-in from the "Branch office" range (198.51.100.0/24). */
async function serverWithBranchBlock(trustProxy: false | string[]): Promise<{ s: TestServer; dev: RawDevice }> {
  const s = await startTestServer({ overrides: { trustProxy, ops: { metricsAllowFrom: ['198.51.100.0/24'] } } });
  await s.ctx.store.namedLocations.create(s.orgId, {
    id: 'nl_branch', displayName: 'Branch office', isTrusted: false,
    ipRanges: [{ '@odata.type': '#microsoft.graph.iPv4CidrRange', cidrAddress: '198.51.100.0/24' }],
  });
  await s.ctx.store.policies.create(s.orgId, {
    id: 'pol_branch', displayName: 'Block the branch office', state: 'enabled',
    conditions: {
      users: { includeUsers: ['All'], excludeUsers: [], includeGroups: [], excludeGroups: [] },
      applications: { includeApplications: [PLATFORM_SSO_APP_ID], excludeApplications: [] },
      locations: { includeLocations: ['nl_branch'], excludeLocations: [] },
    },
    grantControls: { operator: 'OR', builtInControls: ['block'] },
  });
  const dev = new RawDevice(s.url);
  assert.equal((await dev.register(s.registrationToken)).status, 201);
  return { s, dev };
}

/** A password login sent with X-Forwarded-For; returns the reply and the stored sign-in log row. */
async function loginForwardedFor(s: TestServer, dev: RawDevice, forwardedFor: string) {
  const built = dev.loginRequest(await dev.nonce(), Math.floor(s.ctx.clock.now() / 1000), { username: ALICE, password: DEMO_PASSWORD });
  const requestId = crypto.randomUUID().toUpperCase();
  const r = await post(dev.tokenUrl, buildPssoForm(built.jwt, '1.0', 'assertion'), undefined, { 'x-forwarded-for': forwardedFor, 'client-request-id': requestId });
  await s.ctx.signIns.flush?.();
  const page = await s.ctx.store.signInLogs.query(s.orgId, { filter: parseSignInFilter(`correlationId eq '${requestId}'`), top: 5 });
  assert.equal(page.items.length, 1, `one sign-in log row for ${requestId}`);
  return { r, row: page.items[0]! };
}

describe('trustProxy: the listed proxy 127.0.0.1 forwards for a client', () => {
  let s: TestServer;
  let dev: RawDevice;
  before(async () => { ({ s, dev } = await serverWithBranchBlock(['127.0.0.1'])); });
  after(async () => { await s.close(); });

  it('the sign-in log records the forwarded address, and a named-location policy matches it', async () => {
    const { r, row } = await loginForwardedFor(s, dev, `203.0.113.50, ${BRANCH}`);
    assert.equal(r.status, 400, r.text);
    assert.equal(r.json.error_code, 'OPSSO1703');
    // The right-most address that is not a listed proxy: what the proxy saw, not what the client wrote.
    assert.equal(row.ipAddress, BRANCH);
    assert.equal(row.status.errorCode, 53003);

    const elsewhere = await loginForwardedFor(s, dev, '203.0.113.50');
    assert.equal(elsewhere.r.status, 200, elsewhere.r.text);
    assert.equal(elsewhere.row.ipAddress, '203.0.113.50');
  });

  it('a forwarded scraper is judged by its own address: allowed inside metricsAllowFrom, refused outside', async () => {
    const inside = await fetch(`${s.url}/metrics`, { headers: { 'x-forwarded-for': BRANCH } });
    assert.equal(inside.status, 200);
    const outside = await fetch(`${s.url}/metrics`, { headers: { 'x-forwarded-for': `${BRANCH}, 203.0.113.9` } });
    assert.equal(outside.status, 403);
    assert.equal((await outside.json()).error_code, 'OPSSO1709');
  });
});

for (const [name, trustProxy] of [['without trustProxy', false], ['from a peer that is not a listed proxy', ['10.0.0.1']]] as const) {
  describe(`trustProxy: X-Forwarded-For ${name}`, () => {
    let s: TestServer;
    let dev: RawDevice;
    before(async () => { ({ s, dev } = await serverWithBranchBlock(trustProxy === false ? false : [...trustProxy])); });
    after(async () => { await s.close(); });

    it('is ignored: the sign-in log has the peer address and the branch policy does not apply', async () => {
      const { r, row } = await loginForwardedFor(s, dev, BRANCH);
      assert.equal(r.status, 200, r.text);
      assert.equal(row.ipAddress, '127.0.0.1');
    });

    it('cannot unlock /metrics with a forged allowed address', async () => {
      const forged = await fetch(`${s.url}/metrics`, { headers: { 'x-forwarded-for': BRANCH } });
      assert.equal(forged.status, 403);
      assert.equal((await forged.json()).error_code, 'OPSSO1709');
    });
  });
}

describe('trustProxy: IPv6 proxies and ranges', () => {
  let s: TestServer;
  before(async () => { s = await startTestServer({ overrides: { trustProxy: ['2001:db8:1::/48', '127.0.0.1'], ops: { metricsAllowFrom: ['2001:db8:ff::/64'] } } }); });
  after(async () => { await s.close(); });

  it('resolves through an IPv6 proxy range, and stops at the first address outside it', async () => {
    const via = (xff: string) => s.app.inject({ method: 'GET', url: '/metrics', remoteAddress: '2001:db8:1::10', headers: { 'x-forwarded-for': xff } });
    assert.equal((await via('2001:db8:ff::5')).statusCode, 200);
    // A client-written allowed address left of an untrusted hop does not count.
    assert.equal((await via('2001:db8:ff::5, 2001:db8:2::1')).statusCode, 403);
    // The same header from a peer outside the proxy range is ignored.
    assert.equal((await s.app.inject({ method: 'GET', url: '/metrics', remoteAddress: '2001:db8:2::10', headers: { 'x-forwarded-for': '2001:db8:ff::5' } })).statusCode, 403);
  });
});

describe('trustProxy configuration', () => {
  const load = (trustProxy: unknown) => loadConfig({ env: {}, overrides: { trustProxy } });

  it('accepts false, addresses and CIDR ranges of both families', () => {
    assert.equal(load(false).trustProxy, false);
    assert.deepEqual(load(['10.0.0.1', '10.1.0.0/16', '::1', 'fd00::/8', '::ffff:10.0.0.2']).trustProxy, ['10.0.0.1', '10.1.0.0/16', '::1', 'fd00::/8', '::ffff:10.0.0.2']);
    assert.equal(loadConfig({ env: { OPENPSSO_TRUST_PROXY: '["10.0.0.1"]' } }).trustProxy?.toString(), '10.0.0.1');
  });

  for (const [bad, why] of [
    ['10.0.0.0/33', /not an IPv4 or IPv6 CIDR range/], ['10.0.0.1/8', /bits set below its \/8 prefix/], ['proxy.example', /not an IPv4 or IPv6 address/],
    ['010.0.0.1', /not an IPv4 or IPv6 address/], ['fe80::1%eth0', /not an IPv4 or IPv6 address/], ['', /trustProxy\.0/],
  ] as const) {
    it(`refuses ${JSON.stringify(bad)} with the key and a reason`, () => {
      assert.throws(() => load([bad]), (e: unknown) => e instanceof PssoError && e.code === 'OPSSO1604' && /trustProxy\.0/.test(e.message) && why.test(e.message));
    });
  }
  it('refuses true (trusting every peer would let any client choose its address)', () => {
    assert.throws(() => load(true), (e: unknown) => e instanceof PssoError && /trustProxy/.test(e.message));
  });
});
