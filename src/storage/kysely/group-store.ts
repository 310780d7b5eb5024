// Group store over Kysely: groups unique by display name per organisation, and idempotent membership.
import type { Selectable } from 'kysely';
import { PssoError } from '../../errors/psso-error.js';
import type { Group, GroupStore } from '../ports.js';
import type { GroupsTable } from './schema.js';
import { decodeCursor, guardWrite, pageLimit, toPage, type Db } from './support.js';

function mapGroup(r: Selectable<GroupsTable>): Group {
  return { id: r.id, orgId: r.org_id, displayName: r.display_name, description: r.description, createdAt: Number(r.created_at) };
}

export function groupStore(db: Db): GroupStore {
  return {
    async create(g) {
      const res = await guardWrite('group', () =>
        db.insertInto('groups').values({
          id: g.id, org_id: g.orgId, display_name: g.displayName, description: g.description, created_at: g.createdAt,
        }).onConflict((oc) => oc.doNothing()).executeTakeFirst());
      if (Number(res.numInsertedOrUpdatedRows ?? 0) === 0) throw new PssoError('conflict', `group ${g.displayName}`);
    },
    async get(id) {
      const r = await db.selectFrom('groups').selectAll().where('id', '=', id).executeTakeFirst();
      return r ? mapGroup(r) : null;
    },
    async getByName(orgId, displayName) {
      const r = await db.selectFrom('groups').selectAll()
        .where('org_id', '=', orgId).where('display_name', '=', displayName).executeTakeFirst();
      return r ? mapGroup(r) : null;
    },
    async list(orgId, opts = {}) {
      const limit = pageLimit(opts.limit);
      const after = decodeCursor(opts.cursor);
      let q = db.selectFrom('groups').selectAll().where('org_id', '=', orgId);
      if (after !== null) q = q.where('id', '>', after);
      return toPage(await q.orderBy('id').limit(limit + 1).execute(), limit, mapGroup);
    },
    async addMember(groupId, userId) {
      await guardWrite('group member', () =>
        db.insertInto('group_members').values({ group_id: groupId, user_id: userId })
          .onConflict((oc) => oc.columns(['group_id', 'user_id']).doNothing()).execute());
    },
    async removeMember(groupId, userId) {
      await db.deleteFrom('group_members').where('group_id', '=', groupId).where('user_id', '=', userId).execute();
    },
    async listMembers(groupId) {
      const rows = await db.selectFrom('group_members').select('user_id').where('group_id', '=', groupId).orderBy('user_id').execute();
      return rows.map((r) => r.user_id);
    },
    async groupsOfUser(userId) {
      const rows = await db.selectFrom('groups')
        .innerJoin('group_members', 'group_members.group_id', 'groups.id')
        .selectAll('groups')
        .where('group_members.user_id', '=', userId)
        .orderBy('groups.id')
        .execute();
      return rows.map(mapGroup);
    },
  };
}
