// Conformance cases for the organisation profile (migration 0006): renaming, domains unique per
// organisation case-insensitively with one default, users counted by domain, and role assignments.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Store } from '../../../src/storage/ports.js';
import { makeOrg, makeUser, rejectsWith, storeHook, T0, type MakeStore } from './fixtures.js';

async function newOrg(store: Store): Promise<string> {
  const org = makeOrg();
  await store.organisations.create(org);
  return org.id;
}

export function organisationProfileCases(make: MakeStore): void {
  describe('organisation profile', () => {
    const s = storeHook(make);

    it('renames an organisation; an unknown id is false', async () => {
      const id = await newOrg(s());
      assert.equal(await s().organisations.rename(id, 'Renamed Ltd'), true);
      assert.equal((await s().organisations.get(id))?.name, 'Renamed Ltd');
      assert.equal(await s().organisations.rename('org_missing', 'X'), false);
    });

    it('keeps domains per organisation, lower-cased, unique case-insensitively, default first', async () => {
      const a = await newOrg(s());
      const b = await newOrg(s());
      await s().organisationDomains.add({ orgId: a, name: 'zeta.example', isDefault: false, createdAt: T0 });
      await s().organisationDomains.add({ orgId: a, name: 'Example.COM', isDefault: true, createdAt: T0 + 1 });
      await rejectsWith(s().organisationDomains.add({ orgId: a, name: 'example.com', isDefault: false, createdAt: T0 }), 'conflict');
      // Another organisation may use the same name.
      await s().organisationDomains.add({ orgId: b, name: 'example.com', isDefault: true, createdAt: T0 });
      assert.deepEqual(await s().organisationDomains.list(a), [
        { orgId: a, name: 'example.com', isDefault: true, createdAt: T0 + 1 },
        { orgId: a, name: 'zeta.example', isDefault: false, createdAt: T0 },
      ]);
      await rejectsWith(s().organisationDomains.add({ orgId: 'org_missing', name: 'x.example', isDefault: true, createdAt: T0 }), 'resource_not_found');
    });

    it('moves the default and removes a domain, case-insensitively', async () => {
      const a = await newOrg(s());
      await s().organisationDomains.add({ orgId: a, name: 'one.example', isDefault: true, createdAt: T0 });
      await s().organisationDomains.add({ orgId: a, name: 'two.example', isDefault: false, createdAt: T0 });
      assert.equal(await s().organisationDomains.setDefault(a, 'TWO.example'), true);
      assert.equal(await s().organisationDomains.setDefault(a, 'three.example'), false);
      assert.deepEqual((await s().organisationDomains.list(a)).map((d) => [d.name, d.isDefault]), [['two.example', true], ['one.example', false]]);
      assert.equal(await s().organisationDomains.remove(a, 'One.Example'), true);
      assert.equal(await s().organisationDomains.remove(a, 'one.example'), false);
      assert.deepEqual((await s().organisationDomains.list(a)).map((d) => d.name), ['two.example']);
    });

    it('counts the users of an organisation whose names end in @domain, and only those', async () => {
      const a = await newOrg(s());
      const b = await newOrg(s());
      for (const upn of ['Alice@Example.com', 'bob@example.com', 'carol@sub.example.com', 'dave@notexample.com', 'eve', 'x_y@ex_ample.com']) {
        await s().users.create(makeUser(a, { userPrincipalName: upn }));
      }
      await s().users.create(makeUser(b, { userPrincipalName: 'zed@example.com' }));
      assert.equal(await s().organisationDomains.countUsersIn(a, ['example.com']), 2);
      assert.equal(await s().organisationDomains.countUsersIn(a, ['EXAMPLE.com', 'sub.example.com']), 3);
      // LIKE wildcards in a name match only themselves.
      assert.equal(await s().organisationDomains.countUsersIn(a, ['ex_ample.com']), 1);
      assert.equal(await s().organisationDomains.countUsersIn(a, ['ex%.com']), 0);
      assert.equal(await s().organisationDomains.countUsersIn(a, []), 0);
    });

    it('assigns roles idempotently, lists them per user and organisation, revokes one or all', async () => {
      const a = await newOrg(s());
      const u = makeUser(a);
      const v = makeUser(a);
      await s().users.create(u);
      await s().users.create(v);
      await s().directoryRoles.assign({ orgId: a, userId: u.id, role: 'Global Administrator', createdAt: T0 });
      await s().directoryRoles.assign({ orgId: a, userId: u.id, role: 'Global Administrator', createdAt: T0 + 5 });
      await s().directoryRoles.assign({ orgId: a, userId: u.id, role: 'Global Reader', createdAt: T0 });
      await s().directoryRoles.assign({ orgId: a, userId: v.id, role: 'Cloud Device Administrator', createdAt: T0 });
      assert.deepEqual(await s().directoryRoles.listForUser(u.id), [
        { orgId: a, userId: u.id, role: 'Global Administrator', createdAt: T0 },
        { orgId: a, userId: u.id, role: 'Global Reader', createdAt: T0 },
      ]);
      assert.deepEqual((await s().directoryRoles.listForOrg(a, 'Global Administrator')).map((r) => r.userId), [u.id]);
      assert.equal((await s().directoryRoles.listForOrg(a)).length, 3);
      assert.equal(await s().directoryRoles.revoke(u.id, 'Global Reader'), true);
      assert.equal(await s().directoryRoles.revoke(u.id, 'Global Reader'), false);
      assert.equal(await s().directoryRoles.removeAllForUser(u.id), 1);
      assert.deepEqual(await s().directoryRoles.listForUser(u.id), []);
      assert.equal((await s().directoryRoles.listForOrg(a)).length, 1);
      await rejectsWith(s().directoryRoles.assign({ orgId: a, userId: 'usr_missing', role: 'Global Reader', createdAt: T0 }), 'resource_not_found');
    });
  });
}
