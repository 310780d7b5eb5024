// `openpsso mfa`: an admin's recovery tools for a user's MFA methods (list, reset, temporary access pass).

import type { Command } from 'commander';
import { withContext, type GlobalOptions } from './context-from-options.js';
import { defaultOrganisation, findUser } from '../app/directory.js';
import { issueTemporaryAccessPass, listMethods, resetMethods } from '../app/interactive/admin.js';
import { TAP_MAX_LIFETIME_MINUTES, TAP_MIN_LIFETIME_MINUTES } from '../policy/temporary-access-pass.js';

const g = (cmd: Command): GlobalOptions => cmd.optsWithGlobals() as GlobalOptions;
const iso = (ms: number | null) => (ms === null ? '-' : new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z'));

export function addMfaCommands(program: Command): void {
  const mfa = program.command('mfa').description("recover a user's MFA: list methods, reset them, issue a temporary access pass");

  mfa.command('methods <user>').description('list MFA methods and usable temporary access passes').option('--json', 'print JSON')
    .action(async (name: string, o: { json?: boolean }, cmd: Command) => withContext(g(cmd), async (ctx) => {
      const u = await findUser(ctx, (await defaultOrganisation(ctx)).id, name);
      const m = await listMethods(ctx, u);
      if (o.json) {
        console.log(JSON.stringify({ userPrincipalName: u.userPrincipalName, perUserMfaState: u.perUserMfaState, ...m }, null, 2));
        return;
      }
      console.log(`${u.userPrincipalName}  per-user MFA: ${u.perUserMfaState}`);
      if (m.methods.length === 0) console.log('  no MFA method: the next sign-in that needs MFA asks the user to set one up');
      for (const x of m.methods) console.log(`  ${x.id}  ${x.kind.padEnd(8)} ${x.displayName.padEnd(20)} added ${iso(x.createdAt)}  last used ${iso(x.lastUsedAt)}`);
      for (const t of m.passes) console.log(`  ${t.id}  tap      ${t.oneTimeUse ? 'one-time' : 'multi-use'}            expires ${iso(t.expiresAt)}  used ${iso(t.usedAt)}`);
    }));

  mfa.command('reset-methods <user>').description('delete every MFA method of the user (they enrol again at the next sign-in)')
    .action(async (name: string, _o: unknown, cmd: Command) => withContext(g(cmd), async (ctx) => {
      const u = await findUser(ctx, (await defaultOrganisation(ctx)).id, name);
      const n = await resetMethods(ctx, u);
      console.log(`${u.userPrincipalName}: ${n} method${n === 1 ? '' : 's'} removed.`);
      console.log('  Next: the user sets up a method at the next sign-in that needs MFA; give them a pass with `openpsso mfa tap` so a stranger with the password cannot do it first.');
    }));

  mfa.command('tap <user>').description('issue a temporary access pass (counts as MFA; lets a user without methods sign in and enrol)')
    .option('--minutes <n>', `lifetime, ${TAP_MIN_LIFETIME_MINUTES} to ${TAP_MAX_LIFETIME_MINUTES}`, '60')
    .option('--one-time', 'the pass works once')
    .action(async (name: string, o: { minutes: string; oneTime?: boolean }, cmd: Command) => withContext(g(cmd), async (ctx) => {
      const minutes = Number(o.minutes);
      if (!Number.isInteger(minutes) || minutes < TAP_MIN_LIFETIME_MINUTES || minutes > TAP_MAX_LIFETIME_MINUTES) {
        console.error(`openpsso mfa tap: --minutes must be a whole number from ${TAP_MIN_LIFETIME_MINUTES} to ${TAP_MAX_LIFETIME_MINUTES} (Entra's limits)`);
        process.exitCode = 2;
        return;
      }
      const u = await findUser(ctx, (await defaultOrganisation(ctx)).id, name);
      const { code, record } = await issueTemporaryAccessPass(ctx, u, { minutes, oneTime: o.oneTime === true });
      console.log(`Temporary access pass for ${u.userPrincipalName}: ${code}`);
      console.log(`  ${record.oneTimeUse ? 'one-time use' : 'usable until it expires'}; expires ${iso(record.expiresAt)}. It is shown only now.`);
      console.log('  The user signs in with their password, then enters the pass where a second factor is asked.');
    }));
}
