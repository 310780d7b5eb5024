// Per-user registration and unlock-key stores over Kysely: both are keyed by (device, user), written
// with ON CONFLICT so concurrent requests converge on one row.
import type { Selectable } from 'kysely';
import type { UnlockKeyRecord, UnlockKeyStore, UserRegistration, UserRegistrationStore } from '../ports.js';
import type { UnlockKeysTable, UserRegistrationsTable } from './schema.js';
import { fromBool, fromBytes, fromBytesOrNull, guardWrite, toBool, toBytes, toBytesOrNull, type Db } from './support.js';

function mapRegistration(r: Selectable<UserRegistrationsTable>): UserRegistration {
  return {
    id: r.id,
    deviceId: r.device_id,
    userId: r.user_id,
    method: r.method as UserRegistration['method'],
    userKey: fromBytesOrNull(r.user_key),
    userKid: r.user_kid,
    certificate: fromBytesOrNull(r.certificate),
    certificateThumbprint: r.certificate_thumbprint,
    mfaVerified: fromBool(r.mfa_verified),
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
  };
}

export function userRegistrationStore(db: Db): UserRegistrationStore {
  return {
    async upsert(r) {
      const row = await guardWrite('user registration', () =>
        db.insertInto('user_registrations').values({
          id: r.id,
          device_id: r.deviceId,
          user_id: r.userId,
          method: r.method,
          user_key: toBytesOrNull(r.userKey),
          user_kid: r.userKid,
          certificate: toBytesOrNull(r.certificate),
          certificate_thumbprint: r.certificateThumbprint,
          mfa_verified: toBool(r.mfaVerified),
          created_at: r.createdAt,
          updated_at: r.updatedAt,
        }).onConflict((oc) => oc.columns(['device_id', 'user_id']).doUpdateSet((eb) => ({
          method: eb.ref('excluded.method'),
          user_key: eb.ref('excluded.user_key'),
          user_kid: eb.ref('excluded.user_kid'),
          certificate: eb.ref('excluded.certificate'),
          certificate_thumbprint: eb.ref('excluded.certificate_thumbprint'),
          mfa_verified: eb.ref('excluded.mfa_verified'),
          updated_at: eb.ref('excluded.updated_at'),
        }))).returningAll().executeTakeFirstOrThrow());
      return mapRegistration(row);
    },
    async get(deviceId, userId) {
      const r = await db.selectFrom('user_registrations').selectAll()
        .where('device_id', '=', deviceId).where('user_id', '=', userId).executeTakeFirst();
      return r ? mapRegistration(r) : null;
    },
    async getByUserKid(kid) {
      // Not unique (the same user key could be re-registered); the newest registration wins.
      const r = await db.selectFrom('user_registrations').selectAll().where('user_kid', '=', kid)
        .orderBy('updated_at', 'desc').orderBy('id').limit(1).executeTakeFirst();
      return r ? mapRegistration(r) : null;
    },
    async listForDevice(deviceId) {
      const rows = await db.selectFrom('user_registrations').selectAll().where('device_id', '=', deviceId).orderBy('id').execute();
      return rows.map(mapRegistration);
    },
    async listForUser(userId) {
      const rows = await db.selectFrom('user_registrations').selectAll().where('user_id', '=', userId).orderBy('id').execute();
      return rows.map(mapRegistration);
    },
    async deleteForDevice(deviceId) {
      const res = await db.deleteFrom('user_registrations').where('device_id', '=', deviceId).executeTakeFirst();
      return Number(res.numDeletedRows);
    },
    async deleteForUser(userId) {
      const res = await db.deleteFrom('user_registrations').where('user_id', '=', userId).executeTakeFirst();
      return Number(res.numDeletedRows);
    },
  };
}

function mapUnlockKey(r: Selectable<UnlockKeysTable>): UnlockKeyRecord {
  return {
    id: r.id,
    userId: r.user_id,
    deviceId: r.device_id,
    purpose: r.purpose as UnlockKeyRecord['purpose'],
    publicKey: fromBytes(r.public_key),
    sealedPrivateKey: fromBytes(r.sealed_private_key),
    certificate: fromBytes(r.certificate),
    createdAt: Number(r.created_at),
  };
}

export function unlockKeyStore(db: Db): UnlockKeyStore {
  const get: UnlockKeyStore['get'] = async (userId, deviceId, purpose) => {
    const r = await db.selectFrom('unlock_keys').selectAll()
      .where('user_id', '=', userId).where('device_id', '=', deviceId).where('purpose', '=', purpose).executeTakeFirst();
    return r ? mapUnlockKey(r) : null;
  };
  return {
    async getOrCreate(k) {
      // Insert-if-absent then read: a concurrent caller's insert waits on the unique index and then
      // does nothing, so every caller reads back the one stored key. No conflict target: callers
      // racing with the same record also collide on the id, which must not raise either.
      await guardWrite('unlock key', () =>
        db.insertInto('unlock_keys').values({
          id: k.id,
          user_id: k.userId,
          device_id: k.deviceId,
          purpose: k.purpose,
          public_key: toBytes(k.publicKey),
          sealed_private_key: toBytes(k.sealedPrivateKey),
          certificate: toBytes(k.certificate),
          created_at: k.createdAt,
        }).onConflict((oc) => oc.doNothing()).execute());
      const stored = await get(k.userId, k.deviceId, k.purpose);
      if (!stored) throw new Error('unlock key vanished between insert and read');
      return stored;
    },
    get,
    async deleteForDevice(deviceId) {
      const res = await db.deleteFrom('unlock_keys').where('device_id', '=', deviceId).executeTakeFirst();
      return Number(res.numDeletedRows);
    },
    async deleteForUser(userId) {
      const res = await db.deleteFrom('unlock_keys').where('user_id', '=', userId).executeTakeFirst();
      return Number(res.numDeletedRows);
    },
  };
}
