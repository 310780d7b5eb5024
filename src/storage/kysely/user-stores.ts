// Organisation and user stores over Kysely: create-or-conflict inserts, case-insensitive login
// names and id-ordered paging, identical on SQLite and PostgreSQL.
import type { Selectable, Updateable } from 'kysely';
import { PssoError } from '../../errors/psso-error.js';
import type { Organisation, OrganisationStore, User, UserStore } from '../ports.js';
import type { UsersTable } from './schema.js';
import { decodeCursor, fromBool, guardWrite, inTx, pageLimit, toBool, toPage, upnKey, type Db } from './support.js';

export function organisationStore(db: Db): OrganisationStore {
  const map = (r: { id: string; name: string; created_at: number }): Organisation => ({ id: r.id, name: r.name, createdAt: Number(r.created_at) });
  return {
    async create(o) {
      const res = await guardWrite('organisation', () =>
        db.insertInto('organisations').values({ id: o.id, name: o.name, created_at: o.createdAt })
          .onConflict((oc) => oc.doNothing()).executeTakeFirst());
      if (Number(res.numInsertedOrUpdatedRows ?? 0) === 0) throw new PssoError('conflict', `organisation ${o.id}`);
    },
    async get(id) {
      const r = await db.selectFrom('organisations').selectAll().where('id', '=', id).executeTakeFirst();
      return r ? map(r) : null;
    },
    async list() {
      return (await db.selectFrom('organisations').selectAll().orderBy('id').execute()).map(map);
    },
    async rename(id, name) {
      const res = await db.updateTable('organisations').set({ name }).where('id', '=', id).executeTakeFirst();
      return Number(res.numUpdatedRows) > 0;
    },
  };
}

function mapUser(r: Selectable<UsersTable>): User {
  return {
    id: r.id,
    orgId: r.org_id,
    userPrincipalName: r.user_principal_name,
    displayName: r.display_name,
    email: r.email,
    passwordHash: r.password_hash,
    enabled: fromBool(r.enabled),
    perUserMfaState: r.per_user_mfa_state as User['perUserMfaState'],
    passwordChangedAt: r.password_changed_at === null ? null : Number(r.password_changed_at),
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
  };
}

type UserPatch = Parameters<UserStore['update']>[1];

function userColumns(p: UserPatch): Updateable<UsersTable> {
  const set: Updateable<UsersTable> = {};
  if (p.userPrincipalName !== undefined) {
    set.user_principal_name = p.userPrincipalName;
    set.upn_key = upnKey(p.userPrincipalName);
  }
  if (p.displayName !== undefined) set.display_name = p.displayName;
  if (p.email !== undefined) set.email = p.email;
  if (p.passwordHash !== undefined) set.password_hash = p.passwordHash;
  if (p.enabled !== undefined) set.enabled = toBool(p.enabled);
  if (p.perUserMfaState !== undefined) set.per_user_mfa_state = p.perUserMfaState;
  if (p.passwordChangedAt !== undefined) set.password_changed_at = p.passwordChangedAt;
  if (p.updatedAt !== undefined) set.updated_at = p.updatedAt;
  return set;
}

export function userStore(db: Db): UserStore {
  return {
    async create(u) {
      // ON CONFLICT DO NOTHING rather than catching the error: on PostgreSQL a failed statement
      // would poison the caller's whole transaction.
      const res = await guardWrite('user', () =>
        db.insertInto('users').values({
          id: u.id,
          org_id: u.orgId,
          user_principal_name: u.userPrincipalName,
          upn_key: upnKey(u.userPrincipalName),
          display_name: u.displayName,
          email: u.email,
          password_hash: u.passwordHash,
          enabled: toBool(u.enabled),
          per_user_mfa_state: u.perUserMfaState,
          password_changed_at: u.passwordChangedAt,
          created_at: u.createdAt,
          updated_at: u.updatedAt,
        }).onConflict((oc) => oc.doNothing()).executeTakeFirst());
      if (Number(res.numInsertedOrUpdatedRows ?? 0) === 0) throw new PssoError('conflict', `user ${u.userPrincipalName}`);
    },
    async get(id) {
      const r = await db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
      return r ? mapUser(r) : null;
    },
    async getByPrincipalName(orgId, upn) {
      const r = await db.selectFrom('users').selectAll()
        .where('org_id', '=', orgId).where('upn_key', '=', upnKey(upn)).executeTakeFirst();
      return r ? mapUser(r) : null;
    },
    async list(orgId, opts = {}) {
      const limit = pageLimit(opts.limit);
      const after = decodeCursor(opts.cursor);
      let q = db.selectFrom('users').selectAll().where('org_id', '=', orgId);
      if (after !== null) q = q.where('id', '>', after);
      const rows = await q.orderBy('id').limit(limit + 1).execute();
      return toPage(rows, limit, mapUser);
    },
    async update(id, patch) {
      const set = userColumns(patch);
      if (Object.keys(set).length === 0) {
        const exists = await db.selectFrom('users').select('id').where('id', '=', id).executeTakeFirst();
        if (!exists) throw new PssoError('resource_not_found', `user ${id}`);
        return;
      }
      const res = await guardWrite('user', () => db.updateTable('users').set(set).where('id', '=', id).executeTakeFirst());
      if (Number(res.numUpdatedRows) === 0) throw new PssoError('resource_not_found', `user ${id}`);
    },
    async delete(id) {
      // Memberships cascade, but not every SQLite connection enforces foreign keys: delete them here too.
      return inTx(db, async (trx) => {
        await trx.deleteFrom('group_members').where('user_id', '=', id).execute();
        await trx.updateTable('devices').set({ registered_by_user_id: null }).where('registered_by_user_id', '=', id).execute();
        const res = await guardWrite('user', () => trx.deleteFrom('users').where('id', '=', id).executeTakeFirst());
        return Number(res.numDeletedRows) > 0;
      });
    },
  };
}
