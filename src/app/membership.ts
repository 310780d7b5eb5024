// Group membership changes: one at a time, or many from a list of user names (all or nothing).

import type { AppContext } from './context.js';
import type { Group, User } from '../storage/ports.js';
import { PssoError } from '../errors/psso-error.js';
import { principalNameKey } from '../storage/ports.js';
import type { RowError } from './user-import-rows.js';

export async function addMember(ctx: AppContext, groupId: string, userId: string): Promise<void> {
  await ctx.store.groups.addMember(groupId, userId);
}

export async function removeMember(ctx: AppContext, groupId: string, userId: string): Promise<void> {
  await ctx.store.groups.removeMember(groupId, userId);
}

export interface BulkMembershipResult { changed: number; unchanged: number }

/**
 * Adds or removes the users named in `list` (one user name per line; blank lines and lines starting
 * with # are skipped). Every unknown user is reported with its line number, and then nothing changes;
 * otherwise all changes are made in one transaction. Adding a member twice or removing a non-member
 * counts as unchanged, so a re-run is harmless.
 */
export async function bulkMembership(ctx: AppContext, group: Group, list: string, op: 'add' | 'remove'): Promise<BulkMembershipResult> {
  const errors: RowError[] = [];
  const users = new Map<string, User>();
  const lines = list.replace(/^\uFEFF/, '').split(/\r?\n/);
  if (lines.length > 100_000) throw new PssoError('import_too_large', `${lines.length} lines; at most 100000 per file`);
  for (const [i, raw] of lines.entries()) {
    const name = raw.trim();
    if (name === '' || name.startsWith('#')) continue;
    const u = await ctx.store.users.getByPrincipalName(group.orgId, name);
    if (!u) errors.push({ line: i + 1, column: null, message: `unknown user ${JSON.stringify(name.slice(0, 120))}` });
    else users.set(principalNameKey(u.userPrincipalName), u);
  }
  if (errors.length > 0) throw new PssoError('import_invalid', `${errors.length} unknown user${errors.length === 1 ? '' : 's'}`, { errors });
  return ctx.store.transaction(async (tx) => {
    const members = new Set(await tx.groups.listMembers(group.id));
    let changed = 0;
    for (const u of users.values()) {
      if (op === 'add' && !members.has(u.id)) { await tx.groups.addMember(group.id, u.id); changed++; }
      if (op === 'remove' && members.has(u.id)) { await tx.groups.removeMember(group.id, u.id); changed++; }
    }
    return { changed, unchanged: users.size - changed };
  });
}
