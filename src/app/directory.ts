// Organisations, users, groups and devices as admins manage them (CLI and admin API).

import type { AppContext } from './context.js';
import type { Device, Group, Organisation, User } from '../storage/ports.js';
import { PssoError } from '../errors/psso-error.js';
import { newId } from './ids.js';
import { hashPassword } from './passwords.js';
import { assertNameInDomains } from './organisation-domains.js';

export async function createOrganisation(ctx: AppContext, name: string): Promise<Organisation> {
  const org = { id: newId('org'), name, createdAt: ctx.clock.now() };
  await ctx.store.organisations.create(org);
  return org;
}

export async function defaultOrganisation(ctx: AppContext): Promise<Organisation> {
  const orgs = await ctx.store.organisations.list();
  if (!orgs[0]) throw new PssoError('not_initialised', 'run `openpsso init` first');
  return orgs[0];
}

export interface NewUser {
  userPrincipalName: string;
  displayName?: string;
  email?: string | null;
  password?: string;
}

export async function createUser(ctx: AppContext, orgId: string, u: NewUser): Promise<User> {
  if (!/^[^\s@]+(@[^\s@]+)?$/.test(u.userPrincipalName)) throw new PssoError('registration_invalid', 'userPrincipalName must be a name or name@domain');
  await assertNameInDomains(ctx.store, orgId, u.userPrincipalName);
  const now = ctx.clock.now();
  const user: User = {
    id: newId('usr'), orgId, userPrincipalName: u.userPrincipalName,
    displayName: u.displayName ?? u.userPrincipalName.split('@')[0]!, email: u.email ?? (u.userPrincipalName.includes('@') ? u.userPrincipalName : null),
    passwordHash: u.password ? await hashPassword(u.password) : null, enabled: true, perUserMfaState: 'disabled',
    passwordChangedAt: u.password ? now : null, createdAt: now, updatedAt: now,
  };
  await ctx.store.users.create(user);
  return user;
}

export async function findUser(ctx: AppContext, orgId: string, idOrName: string): Promise<User> {
  const user = idOrName.startsWith('usr_') ? await ctx.store.users.get(idOrName) : await ctx.store.users.getByPrincipalName(orgId, idOrName);
  if (!user) throw new PssoError('resource_not_found', `user ${idOrName}`);
  return user;
}

export async function setPassword(ctx: AppContext, user: User, password: string): Promise<void> {
  if (password.length < 8) throw new PssoError('registration_invalid', 'passwords need at least 8 characters');
  const now = ctx.clock.now();
  await ctx.store.users.update(user.id, { passwordHash: await hashPassword(password), passwordChangedAt: now, updatedAt: now });
}

export async function createGroup(ctx: AppContext, orgId: string, displayName: string, description: string | null = null): Promise<Group> {
  const g = { id: newId('grp'), orgId, displayName, description, createdAt: ctx.clock.now() };
  await ctx.store.groups.create(g);
  return g;
}

export async function findGroup(ctx: AppContext, orgId: string, idOrName: string): Promise<Group> {
  const g = idOrName.startsWith('grp_') ? await ctx.store.groups.get(idOrName) : await ctx.store.groups.getByName(orgId, idOrName);
  if (!g) throw new PssoError('resource_not_found', `group ${idOrName}`);
  return g;
}

/** Revoking a device ends all its tokens at once (refresh tokens; device requests fail from now on). */
export async function revokeDevice(ctx: AppContext, idOrUuid: string): Promise<Device> {
  const now = ctx.clock.now();
  return ctx.store.transaction(async (tx) => {
    let device = await tx.devices.get(idOrUuid);
    if (!device) {
      for (const org of await tx.organisations.list()) {
        device = await tx.devices.getByUuid(org.id, idOrUuid.toUpperCase());
        if (device) break;
      }
    }
    if (!device) throw new PssoError('resource_not_found', `device ${idOrUuid}`);
    await tx.devices.revoke(device.id, now);
    await tx.refreshTokens.revokeForDevice(device.id, now);
    return { ...device, status: 'revoked' as const, revokedAt: now };
  });
}
