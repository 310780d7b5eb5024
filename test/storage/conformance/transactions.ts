// Conformance cases for transactions (commit, rollback, nesting, conflicts inside), migrations and
// value round trips that differ between engines: big millis, raw bytes, booleans.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PssoError } from '../../../src/errors/psso-error.js';
import {
  makeDevice, makeNonce, makeOrg, makeRefresh, makeUser, rejectsWith, seed, storeHook, T0, type MakeStore,
} from './fixtures.js';

export function transactionCases(make: MakeStore): void {
  describe('transactions', () => {
    const s = storeHook(make);

    it('commits and returns the value of fn', async () => {
      const org = makeOrg();
      const user = makeUser(org.id);
      const out = await s().transaction(async (tx) => {
        await tx.organisations.create(org);
        await tx.users.create(user);
        assert.deepEqual(await tx.users.get(user.id), user);
        return 42;
      });
      assert.equal(out, 42);
      assert.deepEqual(await s().users.get(user.id), user);
    });

    it('rolls everything back when fn throws, and rethrows the same error', async () => {
      const { org, user, device } = await seed(s());
      const t = makeRefresh(user.id, device.id);
      await s().refreshTokens.create(t);
      const boom = new Error('boom');
      const newUser = makeUser(org.id);
      const newDevice = makeDevice(org.id);
      const nonce = makeNonce();
      await s().nonces.create(nonce);
      await assert.rejects(s().transaction(async (tx) => {
        await tx.users.create(newUser);
        await tx.devices.upsert(newDevice);
        await tx.users.update(user.id, { displayName: 'changed' });
        assert.equal(await tx.refreshTokens.rotate(t.id, makeRefresh(user.id, device.id), T0 + 1), true);
        assert.equal(await tx.nonces.consume(nonce.value, T0 + 1), 'ok');
        throw boom;
      }), (e) => e === boom);
      assert.equal(await s().users.get(newUser.id), null);
      assert.equal(await s().devices.get(newDevice.id), null);
      assert.equal((await s().users.get(user.id))?.displayName, user.displayName);
      assert.equal((await s().refreshTokens.getByHash(t.tokenHash))?.revokedAt, null);
      assert.equal(await s().nonces.consume(nonce.value, T0 + 2), 'ok');
    });

    it('runs nested transactions inside the outer one', async () => {
      const org = makeOrg();
      await s().organisations.create(org);
      const a = makeUser(org.id);
      const b = makeUser(org.id);
      await assert.rejects(s().transaction(async (tx) => {
        await tx.users.create(a);
        await tx.transaction(async (inner) => {
          await inner.users.create(b);
          assert.ok(await inner.users.get(a.id));
        });
        throw new Error('outer fails');
      }));
      assert.equal(await s().users.get(a.id), null);
      assert.equal(await s().users.get(b.id), null);
      await s().transaction((tx) => tx.transaction((inner) => inner.users.create(a)));
      assert.ok(await s().users.get(a.id));
    });

    it('stays usable after a conflict inside it, so a caller can recover', async () => {
      const { org, user } = await seed(s());
      const other = makeUser(org.id);
      await s().transaction(async (tx) => {
        await rejectsWith(tx.users.create({ ...makeUser(org.id), userPrincipalName: user.userPrincipalName.toUpperCase() }), 'conflict');
        await tx.users.create(other);
      });
      assert.ok(await s().users.get(other.id));
    });

    it('propagates a PssoError thrown inside unchanged', async () => {
      const err = new PssoError('conflict', 'from app');
      await assert.rejects(s().transaction(async () => { throw err; }), (e) => e === err);
    });
  });

  describe('migrations and round trips', () => {
    const s = storeHook(make);

    it('migrate() is idempotent', async () => {
      await s().migrate();
      await s().migrate();
      const { user } = await seed(s());
      assert.ok(await s().users.get(user.id));
    });

    it('round-trips millis beyond 32 bits up to Number.MAX_SAFE_INTEGER as numbers', async () => {
      const { user, device } = await seed(s());
      const t = makeRefresh(user.id, device.id, { authTime: 0, createdAt: 2 ** 31 + 7, expiresAt: Number.MAX_SAFE_INTEGER });
      await s().refreshTokens.create(t);
      const got = await s().refreshTokens.getByHash(t.tokenHash);
      assert.deepEqual(got, t);
      assert.equal(typeof got?.expiresAt, 'number');
      assert.equal(await s().devices.count(device.orgId), 1);
      assert.equal(typeof (await s().devices.count(device.orgId)), 'number');
    });

    it('round-trips every byte value and empty byte strings', async () => {
      const { org } = await seed(s());
      const every = new Uint8Array(Array.from({ length: 512 }, (_, i) => i % 256));
      const d = makeDevice(org.id, { signingKey: every, encryptionKey: new Uint8Array(0) });
      await s().devices.upsert(d);
      const got = await s().devices.get(d.id);
      assert.deepEqual(got?.signingKey, every);
      assert.deepEqual(got?.encryptionKey, new Uint8Array(0));
      // A view into a larger buffer stores only its own bytes.
      const backing = new Uint8Array(100).fill(7);
      const view = backing.subarray(10, 75);
      const v = makeDevice(org.id, { signingKey: view });
      await s().devices.upsert(v);
      assert.deepEqual((await s().devices.get(v.id))?.signingKey, new Uint8Array(65).fill(7));
    });

    it('round-trips booleans both ways', async () => {
      const { org, user } = await seed(s());
      await s().users.update(user.id, { enabled: false });
      assert.equal((await s().users.get(user.id))?.enabled, false);
      await s().users.update(user.id, { enabled: true });
      assert.equal((await s().users.get(user.id))?.enabled, true);
      const shared = await s().devices.upsert(makeDevice(org.id, { sharedDeviceKeys: true }));
      assert.equal((await s().devices.get(shared.id))?.sharedDeviceKeys, true);
    });
  });
}
