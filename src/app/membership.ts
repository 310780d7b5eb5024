// Group membership changes.

import type { AppContext } from './context.js';

export async function addMember(ctx: AppContext, groupId: string, userId: string): Promise<void> {
  await ctx.store.groups.addMember(groupId, userId);
}

export async function removeMember(ctx: AppContext, groupId: string, userId: string): Promise<void> {
  await ctx.store.groups.removeMember(groupId, userId);
}
