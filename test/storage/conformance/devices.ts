// Conformance cases for devices, user registrations and unlock keys: re-registration keeps the id,
// signing-kid conflicts, revocation, and insert-if-absent under concurrency.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Device, Page } from '../../../src/storage/ports.js';
import {
  kidOf, makeDevice, makeOrg, makeRefresh, makeRegistration, makeUnlockKey, makeUser, rejectsWith, seed, storeHook, T0, x963,
  type MakeStore,
} from './fixtures.js';

const isPlainBytes = (b: unknown) => b instanceof Uint8Array && Object.getPrototypeOf(b) === Uint8Array.prototype;

export function deviceCases(make: MakeStore): void {
  describe('devices', () => {
    const s = storeHook(make);

    it('inserts a device and finds it by id, signing kid and uuid with bytes intact', async () => {
      const { org, user } = await seed(s());
      const d = makeDevice(org.id, { sharedDeviceKeys: true, registeredVia: 'bearer', registeredByUserId: user.id });
      assert.deepEqual(await s().devices.upsert(d), d);
      const got = await s().devices.get(d.id);
      assert.deepEqual(got, d);
      assert.ok(isPlainBytes(got?.signingKey) && isPlainBytes(got?.encryptionKey), 'keys come back as plain Uint8Array');
      assert.deepEqual(await s().devices.getBySigningKid(d.signingKid), d);
      assert.deepEqual(await s().devices.getByUuid(org.id, d.deviceUuid), d);
      assert.equal(await s().devices.getByUuid(makeOrg().id, d.deviceUuid), null);
      assert.equal(await s().devices.getBySigningKid(kidOf(x963())), null);
      assert.equal(await s().devices.get('dev_missing'), null);
    });

    it('re-registration replaces the keys, reactivates and keeps the id and creation time', async () => {
      const { org } = await seed(s());
      const first = await s().devices.upsert(makeDevice(org.id));
      assert.equal(await s().devices.revoke(first.id, T0 + 10), true);
      const again = makeDevice(org.id, { deviceUuid: first.deviceUuid, createdAt: T0 + 20, updatedAt: T0 + 20, sharedDeviceKeys: true });
      const stored = await s().devices.upsert(again);
      assert.deepEqual(stored, { ...again, id: first.id, createdAt: first.createdAt, status: 'active', revokedAt: null });
      assert.deepEqual(await s().devices.get(first.id), stored);
      assert.equal(await s().devices.get(again.id), null);
      assert.equal(await s().devices.getBySigningKid(first.signingKid), null);
      assert.equal((await s().devices.getBySigningKid(again.signingKid))?.id, first.id);
      // The same keys again is a harmless repeat.
      assert.equal((await s().devices.upsert({ ...again, id: 'dev_other' })).id, first.id);
      assert.equal(await s().devices.count(org.id), 2);
    });

    it('stores the attestation facts, and re-registration replaces them (keys and facts go together)', async () => {
      const { org } = await seed(s());
      const attestation = { serialNumber: 'C02XYZ123ABC', udid: '00008103-000A1B2C3D4E001E', sepOsVersion: '24.4.0', rootFingerprint: 'ab'.repeat(32), attestedAt: T0 + 5 };
      const first = await s().devices.upsert(makeDevice(org.id, { attestation }));
      assert.deepEqual(first.attestation, attestation);
      assert.deepEqual((await s().devices.get(first.id))?.attestation, attestation);
      const partial = { ...attestation, serialNumber: null, udid: null, sepOsVersion: null, attestedAt: T0 + 6 };
      const second = await s().devices.upsert(makeDevice(org.id, { deviceUuid: first.deviceUuid, attestation: partial }));
      assert.deepEqual((await s().devices.get(first.id))?.attestation, partial);
      assert.equal(second.id, first.id);
      await s().devices.upsert(makeDevice(org.id, { deviceUuid: first.deviceUuid }));
      assert.equal((await s().devices.get(first.id))?.attestation, null);
    });

    it('refuses a signing kid that belongs to a different device, storing nothing', async () => {
      const { org, device } = await seed(s());
      const thief = makeDevice(org.id, { signingKey: device.signingKey, signingKid: device.signingKid });
      await rejectsWith(s().devices.upsert(thief), 'device_key_conflict');
      assert.equal(await s().devices.getByUuid(org.id, thief.deviceUuid), null);
      // An existing device trying to take another's kid on re-registration is refused too.
      const other = await s().devices.upsert(makeDevice(org.id));
      await rejectsWith(s().devices.upsert({ ...other, signingKid: device.signingKid, updatedAt: T0 + 1 }), 'device_key_conflict');
      assert.deepEqual(await s().devices.get(other.id), other);
      // Another organisation cannot claim it either.
      const org2 = makeOrg();
      await s().organisations.create(org2);
      await rejectsWith(s().devices.upsert(makeDevice(org2.id, { signingKid: device.signingKid })), 'device_key_conflict');
    });

    it('revokes, keeps the first revocation time, and reports unknown ids', async () => {
      const { device } = await seed(s());
      assert.equal(await s().devices.revoke(device.id, T0 + 100), true);
      const got = await s().devices.get(device.id);
      assert.equal(got?.status, 'revoked');
      assert.equal(got?.revokedAt, T0 + 100);
      assert.equal(await s().devices.revoke(device.id, T0 + 200), true);
      assert.equal((await s().devices.get(device.id))?.revokedAt, T0 + 100);
      assert.equal(await s().devices.revoke('dev_missing', T0), false);
    });

    it('restores a revoked device with its keys, and reports unknown ids', async () => {
      const { device } = await seed(s());
      await s().devices.revoke(device.id, T0 + 100);
      assert.equal(await s().devices.restore(device.id, T0 + 200), true);
      assert.deepEqual(await s().devices.get(device.id), { ...device, status: 'active', revokedAt: null, updatedAt: T0 + 200 });
      assert.equal(await s().devices.restore('dev_missing', T0), false);
    });

    it('deletes a device once its dependants are gone, refusing while a token still names it', async () => {
      const { user, device } = await seed(s());
      const other = await s().devices.upsert(makeDevice(device.orgId));
      await s().refreshTokens.create(makeRefresh(user.id, device.id));
      await s().refreshTokens.create(makeRefresh(user.id, other.id));
      await rejectsWith(s().devices.delete(device.id), 'conflict');
      assert.equal(await s().refreshTokens.deleteForDevice(device.id), 1);
      assert.equal(await s().devices.delete(device.id), true);
      assert.equal(await s().devices.get(device.id), null);
      assert.equal(await s().devices.getBySigningKid(device.signingKid), null);
      assert.equal(await s().devices.delete(device.id), false);
      assert.equal((await s().refreshTokens.listActiveForDevice(other.id, T0)).length, 1, "another device's tokens stay");
    });

    it('lists by organisation and status with paging, and counts', async () => {
      const { org, device } = await seed(s());
      const ids = [device.id];
      for (let i = 0; i < 6; i++) ids.push((await s().devices.upsert(makeDevice(org.id))).id);
      await s().devices.revoke(ids[1]!, T0);
      await s().devices.revoke(ids[2]!, T0);
      const all: string[] = [];
      let cursor: string | null = null;
      do {
        const page: Page<Device> = await s().devices.list(org.id, { limit: 3, cursor });
        assert.ok(page.items.length <= 3);
        all.push(...page.items.map((d) => d.id));
        cursor = page.next;
      } while (cursor !== null);
      assert.deepEqual(all.sort(), [...ids].sort());
      const revoked = await s().devices.list(org.id, { status: 'revoked' });
      assert.deepEqual(revoked.items.map((d) => d.id).sort(), [ids[1]!, ids[2]!].sort());
      assert.equal((await s().devices.list(org.id, { status: 'active' })).items.length, 5);
      assert.equal(await s().devices.count(org.id), 7);
      assert.equal(await s().devices.count('org_missing'), 0);
    });
  });

  describe('user registrations', () => {
    const s = storeHook(make);

    it('upserts by (device, user), keeping the id and creation time', async () => {
      const { org, user, device } = await seed(s());
      const r = makeRegistration(device.id, user.id);
      assert.deepEqual(await s().userRegistrations.upsert(r), r);
      const got = await s().userRegistrations.get(device.id, user.id);
      assert.deepEqual(got, r);
      assert.ok(isPlainBytes(got?.userKey));
      assert.deepEqual(await s().userRegistrations.getByUserKid(r.userKid!), r);
      const cert = new Uint8Array(Array.from({ length: 256 }, (_, i) => i));
      const again = makeRegistration(device.id, user.id, {
        method: 'smart_card', userKey: null, userKid: null, certificate: cert, certificateThumbprint: 'ab'.repeat(32),
        mfaVerified: true, createdAt: T0 + 5, updatedAt: T0 + 5,
      });
      const stored = await s().userRegistrations.upsert(again);
      assert.deepEqual(stored, { ...again, id: r.id, createdAt: r.createdAt });
      assert.deepEqual(await s().userRegistrations.get(device.id, user.id), stored);
      assert.equal(await s().userRegistrations.getByUserKid(r.userKid!), null);
      assert.equal(await s().userRegistrations.get(device.id, makeUser(org.id).id), null);
    });

    it('lists per device and per user, and deletes a device\'s registrations', async () => {
      const { org, user, device } = await seed(s());
      const user2 = makeUser(org.id);
      await s().users.create(user2);
      const device2 = await s().devices.upsert(makeDevice(org.id));
      const a = await s().userRegistrations.upsert(makeRegistration(device.id, user.id));
      const b = await s().userRegistrations.upsert(makeRegistration(device.id, user2.id));
      const c = await s().userRegistrations.upsert(makeRegistration(device2.id, user.id, { method: 'password', userKey: null, userKid: null }));
      assert.deepEqual((await s().userRegistrations.listForDevice(device.id)).map((r) => r.id).sort(), [a.id, b.id].sort());
      assert.deepEqual((await s().userRegistrations.listForUser(user.id)).map((r) => r.id).sort(), [a.id, c.id].sort());
      assert.equal(await s().userRegistrations.deleteForDevice(device.id), 2);
      assert.equal(await s().userRegistrations.deleteForDevice(device.id), 0);
      assert.deepEqual(await s().userRegistrations.listForDevice(device.id), []);
      assert.deepEqual(await s().userRegistrations.listForUser(user.id), [c]);
    });

    it('refuses a registration for an unknown device as PssoError', async () => {
      const { user } = await seed(s());
      await rejectsWith(s().userRegistrations.upsert(makeRegistration('dev_missing', user.id)), 'resource_not_found');
    });
  });

  describe('unlock keys', () => {
    const s = storeHook(make);

    it('getOrCreate stores the first key and returns it on every later call', async () => {
      const { user, device } = await seed(s());
      const first = makeUnlockKey(user.id, device.id);
      assert.deepEqual(await s().unlockKeys.getOrCreate(first), first);
      assert.deepEqual(await s().unlockKeys.getOrCreate(makeUnlockKey(user.id, device.id)), first);
      const got = await s().unlockKeys.get(user.id, device.id, 'user_unlock');
      assert.deepEqual(got, first);
      assert.ok(isPlainBytes(got?.sealedPrivateKey) && isPlainBytes(got?.certificate) && isPlainBytes(got?.publicKey));
    });

    it('concurrent getOrCreate calls all return the one stored key', async () => {
      const { user, device } = await seed(s());
      const results = await Promise.all(Array.from({ length: 10 }, () => s().unlockKeys.getOrCreate(makeUnlockKey(user.id, device.id))));
      const ids = new Set(results.map((k) => k.id));
      assert.equal(ids.size, 1);
      assert.deepEqual(await s().unlockKeys.get(user.id, device.id, 'user_unlock'), results[0]);
      // The same record raced against itself is fine too.
      const same = makeUnlockKey(user.id, (await s().devices.upsert(makeDevice(device.orgId))).id);
      const twins = await Promise.all([s().unlockKeys.getOrCreate(same), s().unlockKeys.getOrCreate(same)]);
      assert.deepEqual(twins, [same, same]);
    });

    it('keeps keys per (user, device) and deletes a device\'s keys', async () => {
      const { org, user, device } = await seed(s());
      const device2 = await s().devices.upsert(makeDevice(org.id));
      await s().unlockKeys.getOrCreate(makeUnlockKey(user.id, device.id));
      const other = await s().unlockKeys.getOrCreate(makeUnlockKey(user.id, device2.id));
      assert.equal(await s().unlockKeys.deleteForDevice(device.id), 1);
      assert.equal(await s().unlockKeys.get(user.id, device.id, 'user_unlock'), null);
      assert.deepEqual(await s().unlockKeys.get(user.id, device2.id, 'user_unlock'), other);
      assert.equal(await s().unlockKeys.deleteForDevice('dev_missing'), 0);
    });
  });
}
