// Conditional access policy, named location, admin client and organisation settings stores over
// Kysely: Graph documents as JSON keyed by (org, id), listed in creation order.
import type { Selectable } from 'kysely';
import { PssoError } from '../../errors/psso-error.js';
import type { ConditionalAccessPolicy, NamedLocation } from '../../policy/types.js';
import type {
  AdminClientRecord, AdminClientStore, AdminRole, NamedLocationStore, OrgSettings, OrgSettingsStore, PolicyStore,
} from '../ports-access.js';
import type { AdminClientsTable } from './schema-access.js';
import { ATTESTATION_MODES, type AttestationMode } from '../ports-access.js';
import { fromBool, fromJsonList, guardWrite, toBool, toJsonList, type Db } from './support.js';

/** The list order: the document's own createdDateTime, or the time it was stored when it has none. */
function createdAt(doc: { createdDateTime?: string }): number {
  const ms = doc.createdDateTime === undefined ? Number.NaN : Date.parse(doc.createdDateTime);
  return Number.isNaN(ms) ? Date.now() : ms;
}

export function policyStore(db: Db): PolicyStore {
  const parse = (r: { data: string }) => JSON.parse(r.data) as ConditionalAccessPolicy;
  return {
    async list(orgId) {
      const rows = await db.selectFrom('conditional_access_policies').select('data').where('org_id', '=', orgId)
        .orderBy('created_at').orderBy('id').execute();
      return rows.map(parse);
    },
    async get(orgId, id) {
      const r = await db.selectFrom('conditional_access_policies').select('data').where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst();
      return r ? parse(r) : null;
    },
    async create(orgId, p) {
      const res = await guardWrite('conditional access policy', () =>
        db.insertInto('conditional_access_policies').values({
          org_id: orgId, id: p.id, display_name: p.displayName, state: p.state, data: JSON.stringify(p), created_at: createdAt(p),
        }).onConflict((oc) => oc.doNothing()).executeTakeFirst());
      if (Number(res.numInsertedOrUpdatedRows ?? 0) === 0) throw new PssoError('conflict', `policy ${p.id}`);
    },
    async replace(orgId, p) {
      // created_at stays: replacing a policy does not move it in the list.
      const res = await db.updateTable('conditional_access_policies')
        .set({ display_name: p.displayName, state: p.state, data: JSON.stringify(p) })
        .where('org_id', '=', orgId).where('id', '=', p.id).executeTakeFirst();
      return Number(res.numUpdatedRows) > 0;
    },
    async delete(orgId, id) {
      const res = await db.deleteFrom('conditional_access_policies').where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst();
      return Number(res.numDeletedRows) > 0;
    },
  };
}

export function namedLocationStore(db: Db): NamedLocationStore {
  const parse = (r: { data: string }) => JSON.parse(r.data) as NamedLocation;
  return {
    async list(orgId) {
      const rows = await db.selectFrom('named_locations').select('data').where('org_id', '=', orgId)
        .orderBy('created_at').orderBy('id').execute();
      return rows.map(parse);
    },
    async get(orgId, id) {
      const r = await db.selectFrom('named_locations').select('data').where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst();
      return r ? parse(r) : null;
    },
    async create(orgId, l) {
      const res = await guardWrite('named location', () =>
        db.insertInto('named_locations').values({
          org_id: orgId, id: l.id, display_name: l.displayName, is_trusted: toBool(l.isTrusted), data: JSON.stringify(l), created_at: createdAt(l),
        }).onConflict((oc) => oc.doNothing()).executeTakeFirst());
      if (Number(res.numInsertedOrUpdatedRows ?? 0) === 0) throw new PssoError('conflict', `named location ${l.id}`);
    },
    async replace(orgId, l) {
      const res = await db.updateTable('named_locations')
        .set({ display_name: l.displayName, is_trusted: toBool(l.isTrusted), data: JSON.stringify(l) })
        .where('org_id', '=', orgId).where('id', '=', l.id).executeTakeFirst();
      return Number(res.numUpdatedRows) > 0;
    },
    async delete(orgId, id) {
      const res = await db.deleteFrom('named_locations').where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst();
      return Number(res.numDeletedRows) > 0;
    },
  };
}

function mapAdminClient(r: Selectable<AdminClientsTable>): AdminClientRecord {
  return {
    id: r.id, orgId: r.org_id, displayName: r.display_name, secretHash: r.secret_hash, roles: fromJsonList(r.roles) as AdminRole[],
    createdAt: Number(r.created_at), revokedAt: r.revoked_at === null ? null : Number(r.revoked_at),
  };
}

export function adminClientStore(db: Db): AdminClientStore {
  return {
    async create(c) {
      const res = await guardWrite('admin client', () =>
        db.insertInto('admin_clients').values({
          id: c.id, org_id: c.orgId, display_name: c.displayName, secret_hash: c.secretHash, roles: toJsonList(c.roles),
          created_at: c.createdAt, revoked_at: c.revokedAt,
        }).onConflict((oc) => oc.doNothing()).executeTakeFirst());
      if (Number(res.numInsertedOrUpdatedRows ?? 0) === 0) throw new PssoError('conflict', `admin client ${c.id}`);
    },
    async get(id) {
      const r = await db.selectFrom('admin_clients').selectAll().where('id', '=', id).executeTakeFirst();
      return r ? mapAdminClient(r) : null;
    },
    async list(orgId) {
      const rows = await db.selectFrom('admin_clients').selectAll().where('org_id', '=', orgId).orderBy('created_at').orderBy('id').execute();
      return rows.map(mapAdminClient);
    },
    async revoke(id, at) {
      // Keeps the first revocation time, as registration tokens do.
      const res = await db.updateTable('admin_clients')
        .set((eb) => ({ revoked_at: eb.fn.coalesce('revoked_at', eb.val(at)) }))
        .where('id', '=', id).executeTakeFirst();
      return Number(res.numUpdatedRows) > 0;
    },
  };
}

/** What an organisation gets before an admin saves anything (the port's documented defaults). */
export const DEFAULT_ORG_SETTINGS: Omit<OrgSettings, 'orgId'> = {
  securityDefaultsEnabled: false,
  signInLogRetentionDays: 30,
  lockoutThreshold: 10,
  lockoutSeconds: 60,
  attestationMode: 'off',
};

export function orgSettingsStore(db: Db): OrgSettingsStore {
  return {
    async get(orgId) {
      const r = await db.selectFrom('org_settings').selectAll().where('org_id', '=', orgId).executeTakeFirst();
      if (!r) return { orgId, ...DEFAULT_ORG_SETTINGS };
      return {
        orgId,
        securityDefaultsEnabled: fromBool(r.security_defaults_enabled),
        signInLogRetentionDays: Number(r.sign_in_log_retention_days),
        lockoutThreshold: Number(r.lockout_threshold),
        lockoutSeconds: Number(r.lockout_seconds),
        // A value this code does not know fails closed: it never weakens an organisation to 'off'.
        attestationMode: ATTESTATION_MODES.includes(r.attestation_mode as AttestationMode) ? r.attestation_mode as AttestationMode : 'required',
      };
    },
    async put(s) {
      const columns = {
        security_defaults_enabled: toBool(s.securityDefaultsEnabled),
        sign_in_log_retention_days: s.signInLogRetentionDays,
        lockout_threshold: s.lockoutThreshold,
        lockout_seconds: s.lockoutSeconds,
        attestation_mode: s.attestationMode,
      };
      // One upsert statement, so concurrent first saves cannot collide on the primary key.
      await guardWrite('organisation settings', () =>
        db.insertInto('org_settings').values({ org_id: s.orgId, ...columns })
          .onConflict((oc) => oc.column('org_id').doUpdateSet(columns)).execute());
    },
  };
}
