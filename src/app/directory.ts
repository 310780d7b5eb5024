// Organisations, users, groups and devices as admins manage them (CLI and admin API).

import type { AppContext } from './context.js';
import type { Device, Group, Organisation, User } from '../storage/ports.js';
import { PssoError } from '../errors/psso-error.js';
import { newId } from './ids.js';
import { hashPassword } from './passwords.js';
import { assertNameInDomains, domainOfPrincipalName } from './organisation-domains.js';
import { z } from 'zod';

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

export type UserField = 'userPrincipalName' | 'displayName' | 'mail' | 'password';
export interface UserProblem { field: UserField; message: string }

const MIN_PASSWORD = 8;
const mailSchema = z.email();

/** Field rules shared by creating and changing a user: pure, so an import can report every row's problems at once. */
export function userFieldProblems(u: { userPrincipalName?: string; displayName?: string; email?: string | null; password?: string }): UserProblem[] {
  const out: UserProblem[] = [];
  if (u.userPrincipalName !== undefined) {
    if (!/^[^\s@]+(@[^\s@]+)?$/.test(u.userPrincipalName)) out.push({ field: 'userPrincipalName', message: 'must be a name or name@domain, without spaces' });
    else if (u.userPrincipalName.length > 256) out.push({ field: 'userPrincipalName', message: 'is longer than 256 characters' });
  }
  if (u.displayName !== undefined && (u.displayName.trim() === '' || u.displayName.length > 256)) out.push({ field: 'displayName', message: 'must be 1 to 256 characters' });
  if (u.email !== undefined && u.email !== null && !mailSchema.safeParse(u.email).success) out.push({ field: 'mail', message: `${JSON.stringify(u.email.slice(0, 80))} is not a mail address` });
  if (u.password !== undefined && u.password.length < MIN_PASSWORD) out.push({ field: 'password', message: `needs at least ${MIN_PASSWORD} characters` });
  return out;
}

/**
 * The one check every new user goes through, whichever way it arrives (CLI, CSV import, admin
 * API): organisation-level rules belong here so that each path applies them.
 */
export async function checkNewUser(ctx: AppContext, orgId: string, u: NewUser): Promise<UserProblem[]> {
  const problems = userFieldProblems(u);
  if (problems.some((p) => p.field === 'userPrincipalName')) return problems;
  // An organisation with verified domains only takes user names in them (none: any name, as before init existed).
  const domains = await ctx.store.organisationDomains.list(orgId);
  const domain = domainOfPrincipalName(u.userPrincipalName);
  if (domains.length > 0 && !domains.some((d) => d.name === domain)) {
    problems.push({ field: 'userPrincipalName', message: `is not in the organisation's domains (${domains.map((d) => `@${d.name}`).join(', ')})` });
  }
  return problems;
}

/** The stored record for a new user whose fields passed checkNewUser; `passwordHash` is hashed by the caller. */
export function newUserRecord(orgId: string, u: Omit<NewUser, 'password'>, passwordHash: string | null, now: number): User {
  return {
    id: newId('usr'), orgId, userPrincipalName: u.userPrincipalName,
    displayName: u.displayName ?? u.userPrincipalName.split('@')[0]!, email: u.email ?? (u.userPrincipalName.includes('@') ? u.userPrincipalName : null),
    passwordHash, enabled: true, perUserMfaState: 'disabled',
    passwordChangedAt: passwordHash ? now : null, createdAt: now, updatedAt: now,
  };
}

export function problemsError(problems: UserProblem[]): PssoError {
  return new PssoError('registration_invalid', problems.map((p) => `${p.field} ${p.message}`).join('; '));
}

export async function createUser(ctx: AppContext, orgId: string, u: NewUser): Promise<User> {
  // First, so a name outside the domains gets its own code (OPSSO1612) with the domains to use.
  if (userFieldProblems({ userPrincipalName: u.userPrincipalName }).length === 0) await assertNameInDomains(ctx.store, orgId, u.userPrincipalName);
  const problems = await checkNewUser(ctx, orgId, u);
  if (problems.length > 0) throw problemsError(problems);
  const user = newUserRecord(orgId, u, u.password ? await hashPassword(u.password) : null, ctx.clock.now());
  await ctx.store.users.create(user);
  return user;
}

export async function findUser(ctx: AppContext, orgId: string, idOrName: string): Promise<User> {
  const user = idOrName.startsWith('usr_') ? await ctx.store.users.get(idOrName) : await ctx.store.users.getByPrincipalName(orgId, idOrName);
  if (!user) throw new PssoError('resource_not_found', `user ${idOrName}`);
  return user;
}

export async function setPassword(ctx: AppContext, user: User, password: string): Promise<void> {
  const problems = userFieldProblems({ password });
  if (problems.length > 0) throw problemsError(problems);
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
