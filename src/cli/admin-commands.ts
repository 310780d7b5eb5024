// Admin commands over the same storage the server uses: users, groups, devices, registration tokens, keys.

import type { Command } from 'commander';
import { withContext, type GlobalOptions } from './context-from-options.js';
import { createGroup, createUser, defaultOrganisation, findGroup, findUser, revokeDevice, setPassword } from '../app/directory.js';
import { addMember, removeMember } from '../app/membership.js';
import { createRegistrationToken } from '../app/registration-auth.js';
import { readSecret } from './read-secret.js';
import { formatUnlockTime, lockState, unlockAccount } from '../app/credential-guard.js';

const g = (cmd: Command): GlobalOptions => cmd.optsWithGlobals() as GlobalOptions;
const iso = (ms: number | null) => (ms === null ? '-' : new Date(ms).toISOString());

export function addAdminCommands(program: Command): void {
  const user = program.command('user').description('manage users');
  user.command('add <upn>').description('add a user').option('--name <displayName>').option('--email <email>')
    .option('--password <password>', 'initial password (prompted if omitted and stdin is a terminal)')
    .action(async (upn: string, o: { name?: string; email?: string; password?: string }, cmd: Command) => withContext(g(cmd), async (ctx) => {
      const org = await defaultOrganisation(ctx);
      const password = o.password ?? (await readSecret('Password: '));
      const u = await createUser(ctx, org.id, { userPrincipalName: upn, ...(o.name ? { displayName: o.name } : {}), ...(o.email ? { email: o.email } : {}), ...(password ? { password } : {}) });
      console.log(`added ${u.userPrincipalName} (${u.id})`);
    }));
  user.command('set-password <user>').option('--password <password>')
    .action(async (name: string, o: { password?: string }, cmd: Command) => withContext(g(cmd), async (ctx) => {
      const org = await defaultOrganisation(ctx);
      const u = await findUser(ctx, org.id, name);
      await setPassword(ctx, u, o.password ?? (await readSecret('New password: ')) ?? '');
      console.log(`password set for ${u.userPrincipalName}`);
    }));
  user.command('list').action(async (_o: unknown, cmd: Command) => withContext(g(cmd), async (ctx) => {
    const org = await defaultOrganisation(ctx);
    let cursor: string | null = null;
    do {
      const page = await ctx.store.users.list(org.id, { cursor });
      for (const u of page.items) console.log(`${u.id}  ${u.userPrincipalName.padEnd(32)} ${u.enabled ? 'enabled ' : 'disabled'}  mfa:${u.perUserMfaState}  ${u.displayName}`);
      cursor = page.next;
    } while (cursor);
  }));
  user.command('unlock <user>').description('end a sign-in lockout now (both familiar and unfamiliar networks)')
    .action(async (name: string, _o: unknown, cmd: Command) => withContext(g(cmd), async (ctx) => {
      const org = await defaultOrganisation(ctx);
      const u = await findUser(ctx, org.id, name);
      const now = ctx.clock.now();
      const locks = (await lockState(ctx, org.id, u.userPrincipalName)).filter((r) => r.lockedUntil !== null && r.lockedUntil > now);
      await unlockAccount(ctx, org.id, u.userPrincipalName);
      if (locks.length === 0) console.log(`${u.userPrincipalName} was not locked; failure counts cleared`);
      else console.log(`${u.userPrincipalName} unlocked (was locked ${formatUnlockTime(Math.max(...locks.map((r) => r.lockedUntil!)), now)} after ${Math.max(...locks.map((r) => r.failures))} failures)`);
    }));
  for (const [verb, enabled] of [['enable', true], ['disable', false]] as const) {
    user.command(`${verb} <user>`).action(async (name: string, _o: unknown, cmd: Command) => withContext(g(cmd), async (ctx) => {
      const org = await defaultOrganisation(ctx);
      const u = await findUser(ctx, org.id, name);
      await ctx.store.users.update(u.id, { enabled, updatedAt: ctx.clock.now() });
      console.log(`${u.userPrincipalName} ${verb}d`);
    }));
  }

  const group = program.command('group').description('manage groups');
  group.command('add <name>').option('--description <text>')
    .action(async (name: string, o: { description?: string }, cmd: Command) => withContext(g(cmd), async (ctx) => {
      const org = await defaultOrganisation(ctx);
      const grp = await createGroup(ctx, org.id, name, o.description ?? null);
      console.log(`added group ${grp.displayName} (${grp.id})`);
    }));
  group.command('add-member <group> <user>').action(async (gn: string, un: string, _o: unknown, cmd: Command) => withContext(g(cmd), async (ctx) => {
    const org = await defaultOrganisation(ctx);
    const [grp, u] = [await findGroup(ctx, org.id, gn), await findUser(ctx, org.id, un)];
    await addMember(ctx, grp.id, u.id);
    console.log(`${u.userPrincipalName} is in ${grp.displayName}`);
  }));
  group.command('remove-member <group> <user>').action(async (gn: string, un: string, _o: unknown, cmd: Command) => withContext(g(cmd), async (ctx) => {
    const org = await defaultOrganisation(ctx);
    const [grp, u] = [await findGroup(ctx, org.id, gn), await findUser(ctx, org.id, un)];
    await removeMember(ctx, grp.id, u.id);
    console.log(`${u.userPrincipalName} removed from ${grp.displayName}`);
  }));
  group.command('list').action(async (_o: unknown, cmd: Command) => withContext(g(cmd), async (ctx) => {
    const org = await defaultOrganisation(ctx);
    for (const grp of (await ctx.store.groups.list(org.id)).items) {
      console.log(`${grp.id}  ${grp.displayName.padEnd(24)} ${(await ctx.store.groups.listMembers(grp.id)).length} members`);
    }
  }));

  const device = program.command('device').description('list and revoke devices');
  device.command('list').option('--all', 'include revoked devices').action(async (o: { all?: boolean }, cmd: Command) => withContext(g(cmd), async (ctx) => {
    const org = await defaultOrganisation(ctx);
    let cursor: string | null = null;
    console.log('ID                        DEVICE UUID                           STATUS   SHARED KEYS  USERS  REGISTERED');
    do {
      const page = await ctx.store.devices.list(org.id, { cursor, ...(o.all ? {} : { status: 'active' as const }) });
      for (const d of page.items) {
        const users = await ctx.store.userRegistrations.listForDevice(d.id);
        console.log(`${d.id.padEnd(25)} ${d.deviceUuid}  ${d.status.padEnd(8)} ${String(d.sharedDeviceKeys).padEnd(12)} ${String(users.length).padEnd(6)} ${iso(d.createdAt)}`);
      }
      cursor = page.next;
    } while (cursor);
  }));
  device.command('revoke <device>').description('revoke a device by id or UUID; ends all its tokens')
    .action(async (id: string, _o: unknown, cmd: Command) => withContext(g(cmd), async (ctx) => {
      const d = await revokeDevice(ctx, id);
      console.log(`revoked ${d.id} (${d.deviceUuid}); its refresh tokens are revoked and its requests are refused`);
    }));

  const rt = program.command('regtoken').description('registration tokens for MDM profiles');
  rt.command('create').option('--description <text>', 'what it is for', 'MDM profile').option('--days <n>', 'lifetime in days (0 = no expiry)', '365')
    .action(async (o: { description: string; days: string }, cmd: Command) => withContext(g(cmd), async (ctx) => {
      const org = await defaultOrganisation(ctx);
      const days = Number(o.days);
      const t = await createRegistrationToken(ctx, org.id, o.description, days > 0 ? days : null);
      console.log(`${t.token}\n(id ${t.id}, expires ${iso(t.expiresAt)}; shown once, stored only as a hash)`);
    }));
  rt.command('list').action(async (_o: unknown, cmd: Command) => withContext(g(cmd), async (ctx) => {
    const org = await defaultOrganisation(ctx);
    for (const t of await ctx.store.registrationTokens.list(org.id)) {
      console.log(`${t.id}  ${t.revokedAt ? 'revoked' : 'active '}  expires ${iso(t.expiresAt)}  ${t.description}`);
    }
  }));
  rt.command('revoke <id>').action(async (id: string, _o: unknown, cmd: Command) => withContext(g(cmd), async (ctx) => {
    console.log((await ctx.store.registrationTokens.revoke(id, ctx.clock.now())) ? `revoked ${id}` : `no such token ${id}`);
  }));

  const keys = program.command('keys').description('the identity provider signing and encryption keys');
  keys.command('list').action(async (_o: unknown, cmd: Command) => withContext(g(cmd), async (ctx) => {
    for (const k of ctx.keys.list()) console.log(`${k.kid}  ${k.use}  ${k.alg.padEnd(7)} ${k.status.padEnd(9)} created ${iso(k.createdAt)}`);
  }));
  keys.command('rotate').option('--use <use>', 'sig or enc', 'sig').action(async (o: { use: string }, cmd: Command) => withContext(g(cmd), async (ctx) => {
    const use = o.use === 'enc' ? 'enc' : 'sig';
    const kid = await ctx.keys.rotate(use);
    console.log(`new active ${use} key ${kid}; the previous key stays published until you retire it`);
  }));
  keys.command('retire <kid>').action(async (kid: string, _o: unknown, cmd: Command) => withContext(g(cmd), async (ctx) => {
    console.log((await ctx.keys.retire(kid)) ? `retired ${kid}` : `cannot retire ${kid} (unknown, or the active key: rotate first)`);
  }));
}
