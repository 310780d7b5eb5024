// Group membership over the admin API in Graph's shapes: POST /groups/{id}/members/$ref with an
// @odata.id reference to a user, and DELETE /groups/{id}/members/{userId}/$ref.

import { z } from 'zod';
import type { AppContext } from '../context.js';
import type { Group, User } from '../../storage/ports.js';
import { PssoError } from '../../errors/psso-error.js';
import { resolveGroup, resolveUser } from './graph-directory.js';

const refBody = z.object({ '@odata.id': z.string({ error: '@odata.id must be a string' }) }, { error: 'the body must be {"@odata.id": ".../users/{id}"}' }).strict();

/**
 * The user id a reference names. Graph clients send `https://graph.microsoft.com/v1.0/directoryObjects/{id}`
 * or `.../users/{id}`; any host is accepted (clients point at Microsoft's even when talking to us),
 * the path must end in one of those two forms.
 */
export function userIdFromReference(body: unknown): string {
  const r = refBody.safeParse(body);
  if (!r.success) throw new PssoError('malformed_request', r.error.issues.map((i) => i.message).join('; '));
  let url: URL;
  try {
    url = new URL(r.data['@odata.id']);
  } catch {
    throw new PssoError('malformed_request', '@odata.id must be an absolute URL such as https://graph.microsoft.com/v1.0/directoryObjects/{id}');
  }
  const m = /\/(?:directoryObjects|users)\/([^/]+)$/.exec(url.pathname);
  const id = m ? decodeURIComponent(m[1]!) : '';
  if (!id) throw new PssoError('malformed_request', '@odata.id must name a user: .../directoryObjects/{id} or .../users/{id}');
  return id;
}

async function isMember(ctx: AppContext, group: Group, user: User): Promise<boolean> {
  return (await ctx.store.groups.groupsOfUser(user.id)).some((g) => g.id === group.id);
}

/** Adds the referenced user; 404 for an unknown group or user, 400 (as Graph) when already a member. */
export async function addGroupMemberRef(ctx: AppContext, orgId: string, groupId: string, body: unknown): Promise<{ group: Group; user: User }> {
  return ctx.store.transaction(async (tx) => {
    const c = { ...ctx, store: tx };
    const group = await resolveGroup(c, orgId, groupId);
    const user = await resolveUser(c, orgId, userIdFromReference(body));
    if (await isMember(c, group, user)) throw new PssoError('member_already_exists', `${user.userPrincipalName} in ${group.displayName}`);
    await tx.groups.addMember(group.id, user.id);
    return { group, user };
  });
}

/** Removes the user; 404 when the group, the user or the membership does not exist, as Graph. */
export async function removeGroupMemberRef(ctx: AppContext, orgId: string, groupId: string, userId: string): Promise<{ group: Group; user: User }> {
  return ctx.store.transaction(async (tx) => {
    const c = { ...ctx, store: tx };
    const group = await resolveGroup(c, orgId, groupId);
    const user = await resolveUser(c, orgId, userId);
    if (!(await isMember(c, group, user))) throw new PssoError('resource_not_found', `${user.userPrincipalName} is not a member of ${group.displayName}`);
    await tx.groups.removeMember(group.id, user.id);
    return { group, user };
  });
}
