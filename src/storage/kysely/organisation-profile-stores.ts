// Organisation domain and directory role stores over Kysely, identical on SQLite and PostgreSQL.
// Domain names are lower-cased here, so the (org_id, name) key is the case-insensitive rule.
import { sql } from 'kysely';
import { PssoError } from '../../errors/psso-error.js';
import type { DirectoryRole, DirectoryRoleAssignment, DirectoryRoleStore, OrganisationDomain, OrganisationDomainStore } from '../ports.js';
import { fromBool, guardWrite, inTx, toBool, type Db } from './support.js';

const domainKey = (name: string): string => name.normalize('NFC').toLowerCase();

/** LIKE pattern for "ends in @name", with the wildcards a name could contain escaped. */
const endsWithAt = (name: string): string => `%@${domainKey(name).replace(/[\\%_]/g, (c) => `\\${c}`)}`;

export function organisationDomainStore(db: Db): OrganisationDomainStore {
  const map = (r: { org_id: string; name: string; is_default: number; created_at: number }): OrganisationDomain =>
    ({ orgId: r.org_id, name: r.name, isDefault: fromBool(r.is_default), createdAt: Number(r.created_at) });
  return {
    async add(d) {
      const res = await guardWrite('organisation domain', () =>
        db.insertInto('organisation_domains').values({ org_id: d.orgId, name: domainKey(d.name), is_default: toBool(d.isDefault), created_at: d.createdAt })
          .onConflict((oc) => oc.doNothing()).executeTakeFirst());
      if (Number(res.numInsertedOrUpdatedRows ?? 0) === 0) throw new PssoError('conflict', `domain ${d.name}`);
    },
    async list(orgId) {
      const rows = await db.selectFrom('organisation_domains').selectAll().where('org_id', '=', orgId)
        .orderBy('is_default', 'desc').orderBy('name').execute();
      return rows.map(map);
    },
    async remove(orgId, name) {
      const res = await db.deleteFrom('organisation_domains').where('org_id', '=', orgId).where('name', '=', domainKey(name)).executeTakeFirst();
      return Number(res.numDeletedRows) > 0;
    },
    async setDefault(orgId, name) {
      return inTx(db, async (trx) => {
        const found = await trx.selectFrom('organisation_domains').select('name').where('org_id', '=', orgId).where('name', '=', domainKey(name)).executeTakeFirst();
        if (!found) return false;
        await trx.updateTable('organisation_domains').set({ is_default: toBool(false) }).where('org_id', '=', orgId).execute();
        await trx.updateTable('organisation_domains').set({ is_default: toBool(true) }).where('org_id', '=', orgId).where('name', '=', found.name).execute();
        return true;
      });
    },
    async countUsersIn(orgId, names) {
      if (names.length === 0) return 0;
      const r = await db.selectFrom('users').select((eb) => eb.fn.countAll<number | string>().as('n'))
        .where('org_id', '=', orgId)
        .where((eb) => eb.or(names.map((n) => sql<boolean>`${eb.ref('upn_key')} like ${endsWithAt(n)} escape '\\'`)))
        .executeTakeFirstOrThrow();
      return Number(r.n);
    },
  };
}

export function directoryRoleStore(db: Db): DirectoryRoleStore {
  const map = (r: { org_id: string; user_id: string; role: string; created_at: number }): DirectoryRoleAssignment =>
    ({ orgId: r.org_id, userId: r.user_id, role: r.role as DirectoryRole, createdAt: Number(r.created_at) });
  return {
    async assign(a) {
      await guardWrite('directory role assignment', () =>
        db.insertInto('directory_role_assignments').values({ org_id: a.orgId, user_id: a.userId, role: a.role, created_at: a.createdAt })
          .onConflict((oc) => oc.columns(['user_id', 'role']).doNothing()).execute());
    },
    async listForUser(userId) {
      return (await db.selectFrom('directory_role_assignments').selectAll().where('user_id', '=', userId).orderBy('role').execute()).map(map);
    },
    async listForOrg(orgId, role) {
      let q = db.selectFrom('directory_role_assignments').selectAll().where('org_id', '=', orgId);
      if (role !== undefined) q = q.where('role', '=', role);
      return (await q.orderBy('user_id').orderBy('role').execute()).map(map);
    },
    async revoke(userId, role) {
      const res = await db.deleteFrom('directory_role_assignments').where('user_id', '=', userId).where('role', '=', role).executeTakeFirst();
      return Number(res.numDeletedRows) > 0;
    },
    async removeAllForUser(userId) {
      const res = await db.deleteFrom('directory_role_assignments').where('user_id', '=', userId).executeTakeFirst();
      return Number(res.numDeletedRows);
    },
  };
}
