// Device store over Kysely: registration is one INSERT ... ON CONFLICT (org_id, device_uuid) DO UPDATE,
// so re-registering a Mac replaces its keys and reactivates it while keeping its id.
import type { Selectable } from 'kysely';
import { PssoError } from '../../errors/psso-error.js';
import type { Device, DeviceStore } from '../ports.js';
import type { DevicesTable } from './schema.js';
import {
  decodeCursor, fromBool, fromBytes, isForeignKeyViolation, isUniqueViolation, mapWriteError, pageLimit, toBool, toBytes, toPage,
  violatedConstraint, type Db,
} from './support.js';

function mapDevice(r: Selectable<DevicesTable>): Device {
  return {
    id: r.id,
    orgId: r.org_id,
    deviceUuid: r.device_uuid,
    signingKey: fromBytes(r.signing_key),
    signingKid: r.signing_kid,
    encryptionKey: fromBytes(r.encryption_key),
    encryptionKid: r.encryption_kid,
    sharedDeviceKeys: fromBool(r.shared_device_keys),
    status: r.status as Device['status'],
    registeredVia: r.registered_via as Device['registeredVia'],
    registeredByUserId: r.registered_by_user_id,
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
    revokedAt: r.revoked_at === null ? null : Number(r.revoked_at),
    attestation: r.attested_at === null || r.attestation_root === null ? null : {
      serialNumber: r.serial_number, udid: r.udid, sepOsVersion: r.sep_os_version,
      rootFingerprint: r.attestation_root, attestedAt: Number(r.attested_at),
    },
  };
}

const keyConflict = (kid: string) => new PssoError('device_key_conflict', `signing kid ${kid}`);

export function deviceStore(db: Db): DeviceStore {
  return {
    async upsert(d) {
      // Checked first so the common case does not fail a statement: on PostgreSQL that would abort
      // the caller's transaction. The unique index still decides a race (mapped below).
      const holder = await db.selectFrom('devices').select(['org_id', 'device_uuid'])
        .where('signing_kid', '=', d.signingKid).executeTakeFirst();
      if (holder && (holder.org_id !== d.orgId || holder.device_uuid !== d.deviceUuid)) throw keyConflict(d.signingKid);
      try {
        const row = await db.insertInto('devices').values({
          id: d.id,
          org_id: d.orgId,
          device_uuid: d.deviceUuid,
          signing_key: toBytes(d.signingKey),
          signing_kid: d.signingKid,
          encryption_key: toBytes(d.encryptionKey),
          encryption_kid: d.encryptionKid,
          shared_device_keys: toBool(d.sharedDeviceKeys),
          status: d.status,
          registered_via: d.registeredVia,
          registered_by_user_id: d.registeredByUserId,
          created_at: d.createdAt,
          updated_at: d.updatedAt,
          revoked_at: d.revokedAt,
          serial_number: d.attestation?.serialNumber ?? null,
          udid: d.attestation?.udid ?? null,
          sep_os_version: d.attestation?.sepOsVersion ?? null,
          attested_at: d.attestation?.attestedAt ?? null,
          attestation_root: d.attestation?.rootFingerprint ?? null,
        }).onConflict((oc) => oc.columns(['org_id', 'device_uuid']).doUpdateSet((eb) => ({
          signing_key: eb.ref('excluded.signing_key'),
          signing_kid: eb.ref('excluded.signing_kid'),
          encryption_key: eb.ref('excluded.encryption_key'),
          encryption_kid: eb.ref('excluded.encryption_kid'),
          shared_device_keys: eb.ref('excluded.shared_device_keys'),
          registered_via: eb.ref('excluded.registered_via'),
          registered_by_user_id: eb.ref('excluded.registered_by_user_id'),
          updated_at: eb.ref('excluded.updated_at'),
          // New keys carry their own attestation (or none): facts about the old keys must not stay.
          serial_number: eb.ref('excluded.serial_number'),
          udid: eb.ref('excluded.udid'),
          sep_os_version: eb.ref('excluded.sep_os_version'),
          attested_at: eb.ref('excluded.attested_at'),
          attestation_root: eb.ref('excluded.attestation_root'),
          status: 'active',
          revoked_at: null,
        }))).returningAll().executeTakeFirstOrThrow();
        return mapDevice(row);
      } catch (e) {
        if (isUniqueViolation(e) && violatedConstraint(e).includes('signing_kid')) throw keyConflict(d.signingKid);
        throw mapWriteError(e, `device ${d.id}`);
      }
    },
    async get(id) {
      const r = await db.selectFrom('devices').selectAll().where('id', '=', id).executeTakeFirst();
      return r ? mapDevice(r) : null;
    },
    async getBySigningKid(kid) {
      const r = await db.selectFrom('devices').selectAll().where('signing_kid', '=', kid).executeTakeFirst();
      return r ? mapDevice(r) : null;
    },
    async getByUuid(orgId, deviceUuid) {
      const r = await db.selectFrom('devices').selectAll()
        .where('org_id', '=', orgId).where('device_uuid', '=', deviceUuid).executeTakeFirst();
      return r ? mapDevice(r) : null;
    },
    async list(orgId, opts = {}) {
      const limit = pageLimit(opts.limit);
      const after = decodeCursor(opts.cursor);
      let q = db.selectFrom('devices').selectAll().where('org_id', '=', orgId);
      if (opts.status !== undefined) q = q.where('status', '=', opts.status);
      if (after !== null) q = q.where('id', '>', after);
      return toPage(await q.orderBy('id').limit(limit + 1).execute(), limit, mapDevice);
    },
    async revoke(id, at) {
      // Revoking twice keeps the first revocation time.
      const res = await db.updateTable('devices')
        .set((eb) => ({ status: 'revoked', revoked_at: eb.fn.coalesce('revoked_at', eb.val(at)), updated_at: at }))
        .where('id', '=', id).executeTakeFirst();
      return Number(res.numUpdatedRows) > 0;
    },
    async restore(id, at) {
      const res = await db.updateTable('devices').set({ status: 'active', revoked_at: null, updated_at: at })
        .where('id', '=', id).executeTakeFirst();
      return Number(res.numUpdatedRows) > 0;
    },
    async delete(id) {
      try {
        const res = await db.deleteFrom('devices').where('id', '=', id).executeTakeFirst();
        return Number(res.numDeletedRows) > 0;
      } catch (e) {
        // A row that still names the device is the caller's ordering mistake, not a missing row.
        if (isForeignKeyViolation(e)) throw new PssoError('conflict', `device ${id} still has tokens, registrations or keys`);
        throw e;
      }
    },
    async count(orgId) {
      const r = await db.selectFrom('devices').select((eb) => eb.fn.countAll().as('n'))
        .where('org_id', '=', orgId).executeTakeFirstOrThrow();
      return Number(r.n);
    },
  };
}
