// `openpsso user export`: the directory's users in the import's CSV columns (without passwords), so
// importing an export changes nothing.

import { stringify } from 'csv-stringify/sync';
import type { AppContext } from './context.js';
import type { Group, User } from '../storage/ports.js';
import { IMPORT_COLUMNS } from './user-import-rows.js';

export const EXPORT_COLUMNS = IMPORT_COLUMNS.filter((c) => c !== 'password');

export async function exportUsersCsv(ctx: AppContext, orgId: string): Promise<string> {
  // One pass over the groups' member lists instead of one groups-of-user query per user.
  const groupsOf = new Map<string, string[]>();
  let gCursor: string | null = null;
  do {
    const page: { items: Group[]; next: string | null } = await ctx.store.groups.list(orgId, { limit: 1000, cursor: gCursor });
    for (const g of page.items) {
      for (const userId of await ctx.store.groups.listMembers(g.id)) groupsOf.set(userId, [...(groupsOf.get(userId) ?? []), g.displayName]);
    }
    gCursor = page.next;
  } while (gCursor);

  const rows: string[][] = [];
  let cursor: string | null = null;
  do {
    const page: { items: User[]; next: string | null } = await ctx.store.users.list(orgId, { limit: 1000, cursor });
    for (const u of page.items) rows.push([u.userPrincipalName, u.displayName, u.email ?? '', (groupsOf.get(u.id) ?? []).sort().join(';')]);
    cursor = page.next;
  } while (cursor);
  return stringify(rows, { header: true, columns: [...EXPORT_COLUMNS], record_delimiter: 'unix' });
}
