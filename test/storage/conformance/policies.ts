// Conformance cases for conditional access policies, named locations, admin API clients and
// organisation settings: JSON documents per organisation, creation order, defaults.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { makeOrg, rejectsWith, storeHook, T0, type MakeStore } from './fixtures.js';
import { iso, makeAdminClient, makeLocation, makePolicy } from './fixtures-access.js';

export function policyCases(make: MakeStore): void {
  describe('conditional access policies and named locations', () => {
    const s = storeHook(make);

    it('round-trips policies with nested conditions and lists them by creation time, then id', async () => {
      const org = makeOrg();
      const other = makeOrg();
      await s().organisations.create(org);
      await s().organisations.create(other);
      const late = makePolicy({ displayName: 'Late', createdDateTime: iso(T0 + 10) });
      const early = makePolicy({ displayName: 'Early', createdDateTime: iso(T0) });
      const tieA = makePolicy({ displayName: 'Tie A', createdDateTime: iso(T0 + 5) });
      const tieB = makePolicy({ displayName: 'Tie B', createdDateTime: iso(T0 + 5) });
      // Minimal Graph shape: optional members absent, grant controls null.
      const bare = makePolicy({ state: 'disabled', grantControls: null, createdDateTime: iso(T0 + 20) });
      delete bare.sessionControls;
      delete bare.modifiedDateTime;
      delete bare.conditions.locations;
      delete bare.conditions.clientAppTypes;
      for (const p of [late, tieB, early, tieA, bare]) await s().policies.create(org.id, p);
      assert.deepEqual(await s().policies.get(org.id, late.id), late);
      assert.deepEqual(await s().policies.get(org.id, bare.id), bare);
      const tie = [tieA, tieB].sort((a, b) => (a.id < b.id ? -1 : 1));
      assert.deepEqual(await s().policies.list(org.id), [early, ...tie, late, bare]);
      assert.deepEqual(await s().policies.list(other.id), []);
      assert.equal(await s().policies.get(other.id, late.id), null);
      await rejectsWith(s().policies.create(org.id, { ...late, displayName: 'again' }), 'conflict');
    });

    it('replaces a whole policy in place and deletes it, per organisation', async () => {
      const org = makeOrg();
      const other = makeOrg();
      await s().organisations.create(org);
      await s().organisations.create(other);
      const a = makePolicy({ createdDateTime: iso(T0) });
      const b = makePolicy({ createdDateTime: iso(T0 + 1) });
      await s().policies.create(org.id, a);
      await s().policies.create(org.id, b);
      const changed = makePolicy({
        id: a.id, displayName: 'Block legacy', state: 'enabledForReportingButNotEnforced', createdDateTime: iso(T0 + 99),
        grantControls: { operator: 'AND', builtInControls: ['block'] }, sessionControls: null,
      });
      assert.equal(await s().policies.replace(org.id, changed), true);
      assert.deepEqual(await s().policies.get(org.id, a.id), changed);
      // Replacing keeps its place in the list.
      assert.deepEqual((await s().policies.list(org.id)).map((p) => p.id), [a.id, b.id]);
      assert.equal(await s().policies.replace(other.id, changed), false);
      assert.equal(await s().policies.replace(org.id, makePolicy()), false);
      assert.equal(await s().policies.delete(other.id, a.id), false);
      assert.equal(await s().policies.delete(org.id, a.id), true);
      assert.equal(await s().policies.delete(org.id, a.id), false);
      assert.deepEqual(await s().policies.list(org.id), [b]);
    });

    it('stores named locations the same way', async () => {
      const org = makeOrg();
      const other = makeOrg();
      await s().organisations.create(org);
      await s().organisations.create(other);
      const office = makeLocation({ createdDateTime: iso(T0 + 1) });
      const vpn = makeLocation({ displayName: 'VPN', isTrusted: false, ipRanges: [], createdDateTime: iso(T0) });
      await s().namedLocations.create(org.id, office);
      await s().namedLocations.create(org.id, vpn);
      assert.deepEqual(await s().namedLocations.list(org.id), [vpn, office]);
      assert.deepEqual(await s().namedLocations.get(org.id, office.id), office);
      assert.equal(await s().namedLocations.get(other.id, office.id), null);
      await rejectsWith(s().namedLocations.create(org.id, office), 'conflict');
      const moved = { ...office, isTrusted: false, ipRanges: [{ '@odata.type': '#microsoft.graph.iPv4CidrRange' as const, cidrAddress: '198.51.100.0/24' }] };
      assert.equal(await s().namedLocations.replace(org.id, moved), true);
      assert.deepEqual(await s().namedLocations.get(org.id, office.id), moved);
      assert.equal(await s().namedLocations.replace(other.id, moved), false);
      assert.equal(await s().namedLocations.delete(org.id, vpn.id), true);
      assert.equal(await s().namedLocations.delete(org.id, vpn.id), false);
      assert.deepEqual(await s().namedLocations.list(org.id), [moved]);
    });

    it('orders documents without createdDateTime by when they were stored', async () => {
      const org = makeOrg();
      await s().organisations.create(org);
      const first = makeLocation();
      delete first.createdDateTime;
      await s().namedLocations.create(org.id, first);
      await new Promise((r) => setTimeout(r, 5));
      const second = makeLocation();
      delete second.createdDateTime;
      await s().namedLocations.create(org.id, second);
      assert.deepEqual((await s().namedLocations.list(org.id)).map((l) => l.id), [first.id, second.id]);
    });
  });

  describe('admin clients', () => {
    const s = storeHook(make);

    it('creates, lists per organisation, and revokes keeping the first time', async () => {
      const org = makeOrg();
      const other = makeOrg();
      await s().organisations.create(org);
      await s().organisations.create(other);
      const a = makeAdminClient(org.id, { roles: ['Directory.ReadWrite', 'Policy.ReadWrite', 'UserAuthenticationMethod.ReadWrite'] });
      const b = makeAdminClient(org.id, { createdAt: T0 + 1, roles: [] });
      const c = makeAdminClient(other.id);
      for (const x of [b, a, c]) await s().adminClients.create(x);
      assert.deepEqual(await s().adminClients.get(a.id), a);
      assert.deepEqual(await s().adminClients.list(org.id), [a, b]);
      await rejectsWith(s().adminClients.create(a), 'conflict');
      await rejectsWith(s().adminClients.create(makeAdminClient('org_missing')), 'resource_not_found');
      assert.equal(await s().adminClients.revoke(a.id, T0 + 5), true);
      assert.equal(await s().adminClients.revoke(a.id, T0 + 9), true);
      assert.equal((await s().adminClients.get(a.id))?.revokedAt, T0 + 5);
      assert.equal(await s().adminClients.revoke('acl_missing', T0), false);
      assert.equal(await s().adminClients.get('acl_missing'), null);
    });
  });

  describe('organisation settings', () => {
    const s = storeHook(make);

    it('returns the documented defaults until settings are saved, then what was saved', async () => {
      const org = makeOrg();
      const other = makeOrg();
      await s().organisations.create(org);
      await s().organisations.create(other);
      const defaults = { securityDefaultsEnabled: false, signInLogRetentionDays: 30, lockoutThreshold: 10, lockoutSeconds: 60, attestationMode: 'off' as const };
      assert.deepEqual(await s().orgSettings.get(org.id), { orgId: org.id, ...defaults });
      const saved = { orgId: org.id, securityDefaultsEnabled: true, signInLogRetentionDays: 90, lockoutThreshold: 5, lockoutSeconds: 300, attestationMode: 'required' as const };
      await s().orgSettings.put(saved);
      assert.deepEqual(await s().orgSettings.get(org.id), saved);
      const again = { ...saved, securityDefaultsEnabled: false, lockoutThreshold: 20, attestationMode: 'preferred' as const };
      await s().orgSettings.put(again);
      assert.deepEqual(await s().orgSettings.get(org.id), again);
      assert.deepEqual(await s().orgSettings.get(other.id), { orgId: other.id, ...defaults });
      await Promise.all([3, 4, 5, 6].map((n) => s().orgSettings.put({ ...saved, orgId: other.id, lockoutThreshold: n })));
      assert.ok([3, 4, 5, 6].includes((await s().orgSettings.get(other.id)).lockoutThreshold));
    });
  });
}
