// Admin commands over the same storage the server uses: users (user-commands.ts), groups, devices, registration tokens, keys.

import type { Command } from 'commander';
import { withContext, type GlobalOptions } from './context-from-options.js';
import { createGroup, defaultOrganisation, findGroup, findUser, revokeDevice } from '../app/directory.js';
import { addMember, bulkMembership, removeMember } from '../app/membership.js';
import { addUserCommands, printRowErrors } from './user-commands.js';
import { importErrors } from '../app/user-import.js';
import type { PssoError } from '../errors/psso-error.js';
import { readFileSync } from 'node:fs';
import { createRegistrationToken } from '../app/registration-auth.js';

const g = (cmd: Command): GlobalOptions => cmd.optsWithGlobals() as GlobalOptions;
const iso = (ms: number | null) => (ms === null ? '-' : new Date(ms).toISOString());

export function addAdminCommands(program: Command): void {
  addUserCommands(program);

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
  for (const op of ['add', 'remove'] as const) {
    group.command(`${op}-members <group>`).description(`${op} every user named in a file (one user name per line), all or nothing`)
      .requiredOption('--file <file>', 'one userPrincipalName per line; blank lines and # comments are skipped')
      .action(async (gn: string, o: { file: string }, cmd: Command) => withContext(g(cmd), async (ctx) => {
        const grp = await findGroup(ctx, (await defaultOrganisation(ctx)).id, gn);
        let list: string;
        try { list = readFileSync(o.file, 'utf8'); } catch (e) {
          console.error(`openpsso group ${op}-members: cannot read ${o.file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
          process.exitCode = 2;
          return;
        }
        try {
          const r = await bulkMembership(ctx, grp, list, op);
          console.log(`${grp.displayName}: ${r.changed} ${op === 'add' ? 'added' : 'removed'}, ${r.unchanged} already ${op === 'add' ? 'members' : 'not members'}`);
        } catch (e) {
          const rows = importErrors(e);
          if (!rows) throw e;
          process.exitCode = printRowErrors(`group ${op}-members`, e as PssoError, rows);
        }
      }));
  }
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
    console.log('ID                        DEVICE UUID                           STATUS   SHARED KEYS  USERS  REGISTERED                ATTESTED  SERIAL        UDID');
    do {
      const page = await ctx.store.devices.list(org.id, { cursor, ...(o.all ? {} : { status: 'active' as const }) });
      for (const d of page.items) {
        const users = await ctx.store.userRegistrations.listForDevice(d.id);
        // Serial and UDID come only from a verified Apple attestation (docs/attestation.md); "-" otherwise.
        const a = d.attestation;
        console.log(`${d.id.padEnd(25)} ${d.deviceUuid}  ${d.status.padEnd(8)} ${String(d.sharedDeviceKeys).padEnd(12)} ${String(users.length).padEnd(6)} ${iso(d.createdAt).padEnd(24)} ${(a ? 'yes' : 'no').padEnd(9)} ${(a?.serialNumber ?? '-').padEnd(13)} ${a?.udid ?? '-'}`);
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
