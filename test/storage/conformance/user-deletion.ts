// Conformance cases for deleting a user: every per-user delete removes only that user's rows, and
// users.delete takes the memberships with it and leaves the devices the user registered.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { makeBearer, makeDevice, makeGroup, makeRefresh, makeRegistration, makeUnlockKey, makeUser, seed, storeHook, T0, type MakeStore } from './fixtures.js';
import { makeSession, makeSignIn, makeTap, makeTotp } from './fixtures-access.js';

export function userDeletionCases(make: MakeStore): void {
  describe('user deletion', () => {
    const s = storeHook(make);

    it('per-user deletes remove the user’s tokens, registrations, keys, passes and sessions on every device, and nobody else’s', async () => {
      const { org, user, device } = await seed(s());
      const other = makeUser(org.id);
      await s().users.create(other);
      const second = makeDevice(org.id);
      await s().devices.upsert(second);
      for (const u of [user, other]) {
        for (const d of [device, second]) {
          await s().userRegistrations.upsert(makeRegistration(d.id, u.id));
          await s().refreshTokens.create(makeRefresh(u.id, d.id));
          await s().unlockKeys.getOrCreate(makeUnlockKey(u.id, d.id));
        }
        await s().bearerTokens.create(makeBearer(u.id));
        await s().temporaryAccessPasses.create(makeTap(u.id));
        await s().signInSessions.create(makeSession(org.id, { userId: u.id }));
      }
      assert.equal(await s().refreshTokens.deleteForUser(user.id), 2);
      assert.equal(await s().userRegistrations.deleteForUser(user.id), 2);
      assert.equal(await s().unlockKeys.deleteForUser(user.id), 2);
      assert.equal(await s().bearerTokens.deleteForUser(user.id), 1);
      assert.equal(await s().temporaryAccessPasses.deleteForUser(user.id), 1);
      assert.equal(await s().signInSessions.deleteForUser(user.id), 1);
      // A second call finds nothing left.
      assert.equal(await s().refreshTokens.deleteForUser(user.id), 0);
      assert.equal((await s().userRegistrations.listForUser(user.id)).length, 0);
      assert.equal(await s().unlockKeys.get(user.id, device.id, 'user_unlock'), null);
      assert.equal((await s().temporaryAccessPasses.listUsable(user.id, T0)).length, 0);
      // The other user keeps everything.
      assert.equal((await s().userRegistrations.listForUser(other.id)).length, 2);
      assert.notEqual(await s().unlockKeys.get(other.id, second.id, 'user_unlock'), null);
      assert.equal((await s().temporaryAccessPasses.listUsable(other.id, T0)).length, 1);
      assert.equal((await s().refreshTokens.listActiveForDevice(device.id, T0)).filter((t) => t.userId === other.id).length, 1);
      assert.equal((await s().refreshTokens.listActiveForDevice(device.id, T0)).filter((t) => t.userId === user.id).length, 0);
    });

    it('users.delete removes the row and its memberships, keeps devices it registered and sign-in log rows, and is false for an unknown id', async () => {
      const { org, user } = await seed(s());
      const other = makeUser(org.id);
      await s().users.create(other);
      const g = makeGroup(org.id);
      await s().groups.create(g);
      await s().groups.addMember(g.id, user.id);
      await s().groups.addMember(g.id, other.id);
      const registered = makeDevice(org.id, { registeredByUserId: user.id, registeredVia: 'bearer' });
      await s().devices.upsert(registered);
      await s().mfaMethods.create(makeTotp(user.id));
      await s().mfaMethods.deleteForUser(user.id);
      await s().signInLogs.append(org.id, makeSignIn({ userId: user.id, userPrincipalName: user.userPrincipalName }));

      assert.equal(await s().users.delete(user.id), true);
      assert.equal(await s().users.get(user.id), null);
      assert.equal(await s().users.getByPrincipalName(org.id, user.userPrincipalName), null);
      assert.deepEqual(await s().groups.listMembers(g.id), [other.id]);
      assert.equal((await s().devices.get(registered.id))?.registeredByUserId, null);
      assert.equal((await s().signInLogs.query(org.id, { top: 10 })).items.length, 1);
      assert.equal(await s().users.delete(user.id), false);
      // The name is free again.
      await s().users.create(makeUser(org.id, { userPrincipalName: user.userPrincipalName }));
    });

    it('users.delete inside a transaction that fails leaves the user in place', async () => {
      const { user } = await seed(s());
      await assert.rejects(s().transaction(async (tx) => {
        assert.equal(await tx.users.delete(user.id), true);
        throw new Error('abort');
      }), /abort/);
      assert.equal((await s().users.get(user.id))?.id, user.id);
    });
  });
}
