// Conformance cases for organisations, users and groups: conflicts as PssoError, case-insensitive
// login names, partial updates, and cursor paging.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Page, Store, User } from '../../../src/storage/ports.js';
import { makeGroup, makeOrg, makeUser, rejectsWith, storeHook, T0, type MakeStore } from './fixtures.js';

async function newOrg(store: Store): Promise<string> {
  const org = makeOrg();
  await store.organisations.create(org);
  return org.id;
}

export function identityCases(make: MakeStore): void {
  describe('organisations', () => {
    const s = storeHook(make);
    it('creates, gets and lists; a duplicate id is a conflict', async () => {
      const a = makeOrg({ name: 'A' });
      const b = makeOrg({ name: 'B' });
      await s().organisations.create(a);
      await s().organisations.create(b);
      assert.deepEqual(await s().organisations.get(a.id), a);
      assert.equal(await s().organisations.get('org_missing'), null);
      assert.deepEqual((await s().organisations.list()).map((o) => o.id).sort(), [a.id, b.id].sort());
      await rejectsWith(s().organisations.create({ ...a, name: 'again' }), 'conflict');
    });
  });

  describe('users', () => {
    const s = storeHook(make);

    it('round-trips every field, nulls and both boolean values', async () => {
      const orgId = await newOrg(s());
      const full = makeUser(orgId, {
        email: 'alice@example.com', enabled: false, perUserMfaState: 'enforced', passwordChangedAt: T0 + 5, updatedAt: T0 + 9,
      });
      const bare = makeUser(orgId, { passwordHash: null, enabled: true });
      await s().users.create(full);
      await s().users.create(bare);
      assert.deepEqual(await s().users.get(full.id), full);
      assert.deepEqual(await s().users.get(bare.id), bare);
      assert.equal(await s().users.get('usr_missing'), null);
    });

    it('finds users by principal name case-insensitively, within the organisation', async () => {
      const orgId = await newOrg(s());
      const other = await newOrg(s());
      const u = makeUser(orgId, { userPrincipalName: 'Alice.Smith@Example.COM' });
      await s().users.create(u);
      assert.equal((await s().users.getByPrincipalName(orgId, 'alice.smith@example.com'))?.id, u.id);
      assert.equal((await s().users.getByPrincipalName(orgId, 'ALICE.SMITH@EXAMPLE.COM'))?.id, u.id);
      assert.equal((await s().users.getByPrincipalName(orgId, 'Alice.Smith@Example.COM'))?.userPrincipalName, 'Alice.Smith@Example.COM');
      assert.equal(await s().users.getByPrincipalName(other, 'alice.smith@example.com'), null);
      assert.equal(await s().users.getByPrincipalName(orgId, 'bob@example.com'), null);
      // Non-ASCII names fold the same way on every engine.
      const e = makeUser(orgId, { userPrincipalName: 'ÉLODIE@exemple.fr' });
      await s().users.create(e);
      assert.equal((await s().users.getByPrincipalName(orgId, 'élodie@EXEMPLE.fr'))?.id, e.id);
    });

    it('rejects a principal name taken in the same organisation, in any case, as PssoError conflict', async () => {
      const orgId = await newOrg(s());
      const other = await newOrg(s());
      await s().users.create(makeUser(orgId, { userPrincipalName: 'bob@example.com' }));
      const dup = makeUser(orgId, { userPrincipalName: 'BOB@example.com' });
      await rejectsWith(s().users.create(dup), 'conflict');
      assert.equal(await s().users.get(dup.id), null);
      await s().users.create(makeUser(other, { userPrincipalName: 'bob@example.com' }));
      const sameId = makeUser(orgId);
      await s().users.create(sameId);
      await rejectsWith(s().users.create({ ...sameId, userPrincipalName: 'fresh@example.com' }), 'conflict');
    });

    it('rejects a user of an unknown organisation as PssoError', async () => {
      await rejectsWith(s().users.create(makeUser('org_missing')), 'resource_not_found');
    });

    it('applies partial updates, including a rename, and refuses a taken name', async () => {
      const orgId = await newOrg(s());
      const u = makeUser(orgId, { userPrincipalName: 'carol@example.com' });
      const taken = makeUser(orgId, { userPrincipalName: 'dave@example.com' });
      await s().users.create(u);
      await s().users.create(taken);
      await s().users.update(u.id, {
        userPrincipalName: 'Carol.New@example.com', enabled: false, perUserMfaState: 'enabled', passwordChangedAt: T0 + 1,
        email: 'c@example.com', updatedAt: T0 + 2,
      });
      const got = await s().users.get(u.id);
      assert.deepEqual(got, {
        ...u, userPrincipalName: 'Carol.New@example.com', enabled: false, perUserMfaState: 'enabled', passwordChangedAt: T0 + 1,
        email: 'c@example.com', updatedAt: T0 + 2,
      });
      assert.equal(await s().users.getByPrincipalName(orgId, 'carol@example.com'), null);
      assert.equal((await s().users.getByPrincipalName(orgId, 'carol.new@EXAMPLE.com'))?.id, u.id);
      await s().users.update(u.id, { passwordHash: null, email: null });
      assert.equal((await s().users.get(u.id))?.passwordHash, null);
      await s().users.update(u.id, {});
      await rejectsWith(s().users.update(u.id, { userPrincipalName: 'DAVE@example.com' }), 'conflict');
      assert.equal((await s().users.get(u.id))?.userPrincipalName, 'Carol.New@example.com');
      await rejectsWith(s().users.update('usr_missing', { displayName: 'x' }), 'resource_not_found');
      await rejectsWith(s().users.update('usr_missing', {}), 'resource_not_found');
    });

    it('pages through 250 users with opaque cursors, ordered by id, only from the organisation', async () => {
      const orgId = await newOrg(s());
      const other = await newOrg(s());
      await s().users.create(makeUser(other));
      const ids: string[] = [];
      await s().transaction(async (tx) => {
        for (let i = 0; i < 250; i++) {
          const u = makeUser(orgId);
          ids.push(u.id);
          await tx.users.create(u);
        }
      });
      const seen: string[] = [];
      const sizes: number[] = [];
      let cursor: string | null = null;
      do {
        const page: Page<User> = await s().users.list(orgId, { cursor });
        sizes.push(page.items.length);
        seen.push(...page.items.map((u) => u.id));
        cursor = page.next;
      } while (cursor !== null);
      assert.deepEqual(sizes, [100, 100, 50]);
      assert.deepEqual(seen, [...seen].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
      assert.deepEqual([...seen].sort(), [...ids].sort());
      // A last page that is exactly full reports no next page.
      const p1 = await s().users.list(orgId, { limit: 125 });
      const p2 = await s().users.list(orgId, { limit: 125, cursor: p1.next });
      assert.equal(p2.items.length, 125);
      assert.equal(p2.next, null);
      assert.deepEqual((await s().users.list('org_empty')).items, []);
    });
  });

  describe('groups', () => {
    const s = storeHook(make);

    it('creates and finds groups; a duplicate name in the organisation is a conflict', async () => {
      const orgId = await newOrg(s());
      const other = await newOrg(s());
      const g = makeGroup(orgId, { displayName: 'Engineering', description: 'Builders' });
      await s().groups.create(g);
      assert.deepEqual(await s().groups.get(g.id), g);
      assert.deepEqual(await s().groups.getByName(orgId, 'Engineering'), g);
      assert.equal(await s().groups.getByName(other, 'Engineering'), null);
      assert.equal(await s().groups.get('grp_missing'), null);
      await rejectsWith(s().groups.create(makeGroup(orgId, { displayName: 'Engineering' })), 'conflict');
      await s().groups.create(makeGroup(other, { displayName: 'Engineering' }));
    });

    it('lists groups page by page', async () => {
      const orgId = await newOrg(s());
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) {
        const g = makeGroup(orgId);
        ids.push(g.id);
        await s().groups.create(g);
      }
      const a = await s().groups.list(orgId, { limit: 2 });
      const b = await s().groups.list(orgId, { limit: 2, cursor: a.next });
      const c = await s().groups.list(orgId, { limit: 2, cursor: b.next });
      assert.deepEqual([...a.items, ...b.items, ...c.items].map((g) => g.id).sort(), ids.sort());
      assert.equal(c.items.length, 1);
      assert.equal(c.next, null);
    });

    it('adds members idempotently, removes them, and answers both directions', async () => {
      const orgId = await newOrg(s());
      const [u1, u2] = [makeUser(orgId), makeUser(orgId)];
      await s().users.create(u1);
      await s().users.create(u2);
      const [g1, g2] = [makeGroup(orgId), makeGroup(orgId)];
      await s().groups.create(g1);
      await s().groups.create(g2);
      await s().groups.addMember(g1.id, u1.id);
      await s().groups.addMember(g1.id, u1.id);
      await s().groups.addMember(g1.id, u2.id);
      await s().groups.addMember(g2.id, u1.id);
      assert.deepEqual((await s().groups.listMembers(g1.id)).sort(), [u1.id, u2.id].sort());
      assert.deepEqual((await s().groups.groupsOfUser(u1.id)).map((g) => g.id).sort(), [g1.id, g2.id].sort());
      assert.deepEqual(await s().groups.groupsOfUser(u2.id), [g1]);
      await s().groups.removeMember(g1.id, u1.id);
      await s().groups.removeMember(g1.id, u1.id);
      assert.deepEqual(await s().groups.listMembers(g1.id), [u2.id]);
      assert.deepEqual(await s().groups.groupsOfUser(u1.id), [g2]);
      assert.deepEqual(await s().groups.listMembers('grp_missing'), []);
      await rejectsWith(s().groups.addMember(g1.id, 'usr_missing'), 'resource_not_found');
    });
  });
}
