// Directory reads and per-user MFA state for the Graph-shaped admin API: users, groups, devices, registration details (entra-mdm.md §3.2, §5.4 step 1).

import { z } from 'zod';
import type { AppContext } from '../context.js';
import type { Device, Group, Page, User } from '../../storage/ports.js';
import { PssoError } from '../../errors/psso-error.js';
import type { GraphQuery } from './graph-query.js';
import { parseEqFilter } from './graph-query.js';
import { toGraphDevice, toGraphGroup, toGraphUser, toRegistrationDetails } from './graph-mappers.js';

type Item = Record<string, unknown>;

/** Graph addresses users by object id or by UPN; both resolve only within the caller's organisation. */
export async function resolveUser(ctx: AppContext, orgId: string, idOrUpn: string): Promise<User> {
  const u = idOrUpn.startsWith('usr_') ? await ctx.store.users.get(idOrUpn) : await ctx.store.users.getByPrincipalName(orgId, idOrUpn);
  if (!u || u.orgId !== orgId) throw new PssoError('resource_not_found', `user ${idOrUpn.slice(0, 200)}`);
  return u;
}

async function usersPage(ctx: AppContext, orgId: string, q: GraphQuery): Promise<Page<User>> {
  const f = parseEqFilter(q.filter, ['userPrincipalName', 'id']);
  if (f) {
    // An equality filter names at most one user, so there is never a next page.
    const u = f.prop === 'id' ? await ctx.store.users.get(f.value) : await ctx.store.users.getByPrincipalName(orgId, f.value);
    return { items: u && u.orgId === orgId ? [u] : [], next: null };
  }
  return ctx.store.users.list(orgId, { limit: q.top, cursor: q.cursor });
}

export async function listUsers(ctx: AppContext, orgId: string, q: GraphQuery): Promise<Page<Item>> {
  const page = await usersPage(ctx, orgId, q);
  return { items: page.items.map(toGraphUser), next: page.next };
}

/** memberOf and transitiveMemberOf are the same: OpenPSSO groups do not nest. */
export async function userMemberOf(ctx: AppContext, orgId: string, idOrUpn: string): Promise<Item[]> {
  const u = await resolveUser(ctx, orgId, idOrUpn);
  return (await ctx.store.groups.groupsOfUser(u.id)).map(toGraphGroup);
}

export async function resolveGroup(ctx: AppContext, orgId: string, id: string): Promise<Group> {
  const g = await ctx.store.groups.get(id);
  if (!g || g.orgId !== orgId) throw new PssoError('resource_not_found', `group ${id.slice(0, 200)}`);
  return g;
}

export async function listGroups(ctx: AppContext, orgId: string, q: GraphQuery): Promise<Page<Item>> {
  const f = parseEqFilter(q.filter, ['displayName', 'id']);
  if (f) {
    const g = f.prop === 'id' ? await ctx.store.groups.get(f.value) : await ctx.store.groups.getByName(orgId, f.value);
    return { items: g && g.orgId === orgId ? [toGraphGroup(g)] : [], next: null };
  }
  const page = await ctx.store.groups.list(orgId, { limit: q.top, cursor: q.cursor });
  return { items: page.items.map(toGraphGroup), next: page.next };
}

/** Members are paged by position in the sorted id list; the store returns them all at once. */
export async function groupMembers(ctx: AppContext, orgId: string, groupId: string, q: GraphQuery): Promise<Page<Item>> {
  const g = await resolveGroup(ctx, orgId, groupId);
  const ids = (await ctx.store.groups.listMembers(g.id)).sort();
  const start = q.cursor === null ? 0 : Number(q.cursor);
  if (!Number.isInteger(start) || start < 0 || start > ids.length) throw new PssoError('malformed_request', 'invalid $skiptoken');
  const slice = ids.slice(start, start + q.top);
  const users = (await Promise.all(slice.map((id) => ctx.store.users.get(id)))).filter((u): u is User => u !== null);
  return { items: users.map(toGraphUser), next: start + q.top < ids.length ? String(start + q.top) : null };
}

async function lastActivity(ctx: AppContext, d: Device): Promise<number | null> {
  const tokens = await ctx.store.refreshTokens.listActiveForDevice(d.id, ctx.clock.now());
  return tokens.reduce<number | null>((max, t) => (max === null || t.createdAt > max ? t.createdAt : max), null);
}

export async function resolveDevice(ctx: AppContext, orgId: string, id: string): Promise<Device> {
  const d = await ctx.store.devices.get(id);
  if (!d || d.orgId !== orgId) throw new PssoError('resource_not_found', `device ${id.slice(0, 200)}`);
  return d;
}

export async function getDevice(ctx: AppContext, orgId: string, id: string): Promise<Item> {
  const d = await resolveDevice(ctx, orgId, id);
  return toGraphDevice(d, await lastActivity(ctx, d));
}

export async function listDevices(ctx: AppContext, orgId: string, q: GraphQuery): Promise<Page<Item>> {
  const f = parseEqFilter(q.filter, ['deviceId', 'id']);
  if (f) {
    const d = f.prop === 'id' ? await ctx.store.devices.get(f.value) : await ctx.store.devices.getByUuid(orgId, f.value.toUpperCase());
    return { items: d && d.orgId === orgId ? [toGraphDevice(d, await lastActivity(ctx, d))] : [], next: null };
  }
  const page = await ctx.store.devices.list(orgId, { limit: q.top, cursor: q.cursor });
  return { items: await Promise.all(page.items.map(async (d) => toGraphDevice(d, await lastActivity(ctx, d)))), next: page.next };
}

export async function deviceRegisteredUsers(ctx: AppContext, orgId: string, id: string): Promise<Item[]> {
  const d = await resolveDevice(ctx, orgId, id);
  const regs = await ctx.store.userRegistrations.listForDevice(d.id);
  const users = await Promise.all([...new Set(regs.map((r) => r.userId))].map((uid) => ctx.store.users.get(uid)));
  return users.filter((u): u is User => u !== null).map(toGraphUser);
}

export async function registrationDetails(ctx: AppContext, orgId: string, q: GraphQuery): Promise<Page<Item>> {
  const page = await usersPage(ctx, orgId, q);
  const items = await Promise.all(page.items.map(async (u) => toRegistrationDetails(
    u, await ctx.store.mfaMethods.listForUser(u.id), await ctx.store.userRegistrations.listForUser(u.id))));
  return { items, next: page.next };
}

const requirementsPatch = z.strictObject({
  '@odata.context': z.string().optional(),
  perUserMfaState: z.enum(['disabled', 'enabled', 'enforced'], { error: "perUserMfaState must be 'disabled', 'enabled' or 'enforced'" }),
});

/** PATCH /beta/users/{id}/authentication/requirements (§3.2). Registered MFA methods are kept, as Graph does. */
export async function setPerUserMfaState(ctx: AppContext, user: User, body: unknown): Promise<User['perUserMfaState']> {
  const r = requirementsPatch.safeParse(body);
  if (!r.success) throw new PssoError('malformed_request', r.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '));
  await ctx.store.users.update(user.id, { perUserMfaState: r.data.perUserMfaState, updatedAt: ctx.clock.now() });
  return r.data.perUserMfaState;
}
