// `openpsso user`: add, import, export, list, set-password, unlock, enable, disable, delete.

import type { Command } from 'commander';
import { closeSync, openSync, readFileSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { createInterface } from 'node:readline/promises';
import { stringify } from 'csv-stringify/sync';
import { withContext, type GlobalOptions } from './context-from-options.js';
import { createUser, defaultOrganisation, findUser, setPassword } from '../app/directory.js';
import { readSecret } from './read-secret.js';
import { formatUnlockTime, lockState, unlockAccount } from '../app/credential-guard.js';
import { deleteUser, setUserEnabled } from '../app/user-lifecycle.js';
import { applyUserImport, importErrors, planUserImport, type ImportPlan } from '../app/user-import.js';
import { MAX_IMPORT_BYTES, tooLarge } from '../app/user-import-rows.js';
import { exportUsersCsv } from '../app/user-export.js';
import { TAP_MAX_LIFETIME_MINUTES, TAP_MIN_LIFETIME_MINUTES } from '../policy/temporary-access-pass.js';
import { isPssoError, type PssoError } from '../errors/psso-error.js';
import type { RowError } from '../app/user-import-rows.js';

const g = (cmd: Command): GlobalOptions => cmd.optsWithGlobals() as GlobalOptions;
const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** Prints every row problem of an import_invalid error (sorted by line) and returns the exit code. */
export function printRowErrors(command: string, e: PssoError, errors: RowError[]): number {
  console.error(`openpsso ${command}: ${e.code} ${e.message}`);
  for (const r of errors) console.error(`  line ${r.line}${r.column ? `, ${r.column}` : ''}: ${r.message}`);
  console.error(`  fix: ${e.entry.remediation}`);
  return 1;
}

function describePlan(file: string, plan: ImportPlan, apply: boolean, passesOut?: string): string[] {
  const c = plan.counts;
  const verb = apply ? '' : ' to';
  const out = [`${file}: ${plural(plan.rows.length, 'row')}${apply ? ' imported' : ' checked, no problems (dry run: nothing was written; add --apply to import)'}`];
  out.push(`  ${c.create}${apply ? ' created' : ' to create'}, ${c.update}${apply ? ' updated' : ' to update'}, ${c.unchanged} unchanged`);
  const updates = plan.rows.filter((r) => r.action === 'update');
  for (const r of updates.slice(0, 20)) {
    const what = [...r.changes, ...(r.addGroups.length ? [`groups +${r.addGroups.join(';')}`] : [])].join(', ');
    out.push(`    line ${r.line}: ${r.userPrincipalName}: ${what}`);
  }
  if (updates.length > 20) out.push(`    ... and ${updates.length - 20} more updates`);
  if (c.memberships > 0) out.push(`  ${plural(c.memberships, 'group membership')}${verb} add${apply ? 'ed' : ''} (import never removes one)`);
  if (plan.groupsToCreate.length > 0) out.push(`  ${plural(plan.groupsToCreate.length, 'group')}${apply ? ' created' : ' to create'}: ${plan.groupsToCreate.slice(0, 10).join(', ')}${plan.groupsToCreate.length > 10 ? ', ...' : ''}`);
  if (c.passwordsIgnored > 0) out.push(`  password column ignored for ${plural(c.passwordsIgnored, 'existing user')}: import never overwrites a password (use \`openpsso user set-password\`)`);
  if (plan.options.temporaryAccessPass && c.create > 0) out.push(`  ${plural(c.create, 'temporary access pass')}${apply ? ` written to ${passesOut} (mode 0600)` : ` to issue, written to ${passesOut ?? '--passes-out FILE'}`}`);
  return out;
}

interface ImportCliOptions { apply?: boolean; createGroups?: boolean; temporaryAccessPass?: boolean; passesOut?: string; tapMinutes: string; tapOneTime?: boolean }

export function addUserCommands(program: Command): void {
  const user = program.command('user').description('manage users (one at a time, or many with import/export)');
  user.command('add <upn>').description('add a user').option('--name <displayName>').option('--email <email>')
    .option('--password <password>', 'initial password (prompted if omitted and stdin is a terminal)')
    .action(async (upn: string, o: { name?: string; email?: string; password?: string }, cmd: Command) => withContext(g(cmd), async (ctx) => {
      const org = await defaultOrganisation(ctx);
      const password = o.password ?? (await readSecret('Password: '));
      const u = await createUser(ctx, org.id, { userPrincipalName: upn, ...(o.name ? { displayName: o.name } : {}), ...(o.email ? { email: o.email } : {}), ...(password ? { password } : {}) });
      console.log(`added ${u.userPrincipalName} (${u.id})`);
    }));

  user.command('import <file>').description('add and update users from a CSV file (dry run unless --apply; see docs/user-import.md)')
    .option('--apply', 'write the changes (without it, only check the file and say what would change)')
    .option('--create-groups', 'create groups the file names that do not exist yet')
    .option('--temporary-access-pass', 'give each new user a temporary access pass instead of a password from the file')
    .option('--passes-out <file>', 'where the passes go (CSV upn,pass,expires; created with mode 0600, must not exist)')
    .option('--tap-minutes <n>', `pass lifetime, ${TAP_MIN_LIFETIME_MINUTES} to ${TAP_MAX_LIFETIME_MINUTES}`, '10080')
    .option('--tap-one-time', 'each pass works once')
    .action(async (file: string, o: ImportCliOptions, cmd: Command) => {
      const minutes = Number(o.tapMinutes);
      const usage = (m: string) => { console.error(`openpsso user import: ${m}`); process.exitCode = 2; };
      if (!Number.isInteger(minutes) || minutes < TAP_MIN_LIFETIME_MINUTES || minutes > TAP_MAX_LIFETIME_MINUTES) return usage(`--tap-minutes must be a whole number from ${TAP_MIN_LIFETIME_MINUTES} to ${TAP_MAX_LIFETIME_MINUTES}`);
      if (o.passesOut && !o.temporaryAccessPass) return usage('--passes-out goes with --temporary-access-pass');
      if (o.temporaryAccessPass && o.apply && !o.passesOut) return usage('--temporary-access-pass with --apply needs --passes-out FILE: passes are written to a file, never to the terminal');
      let csv: Buffer;
      try {
        if (statSync(file).size > MAX_IMPORT_BYTES) throw tooLarge(`${file} is ${statSync(file).size} bytes; at most ${MAX_IMPORT_BYTES} per import`);
        csv = readFileSync(file);
      } catch (e) {
        if (isPssoError(e)) throw e;
        return usage(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
      }
      await withContext(g(cmd), async (ctx) => {
        const org = await defaultOrganisation(ctx);
        const opts = { createGroups: o.createGroups === true, temporaryAccessPass: o.temporaryAccessPass ? { minutes, oneTime: o.tapOneTime === true } : null };
        let plan: ImportPlan;
        try {
          plan = await planUserImport(ctx, org.id, csv, opts);
        } catch (e) {
          const rows = importErrors(e);
          if (rows) { process.exitCode = printRowErrors('user import', e as PssoError, rows); return; }
          throw e;
        }
        if (!o.apply) { for (const l of describePlan(file, plan, false, o.passesOut)) console.log(l); return; }
        // Open the passes file before writing anything, so a bad path cannot strand issued passes.
        let fd: number | null = null;
        if (opts.temporaryAccessPass && plan.counts.create > 0) {
          try { fd = openSync(o.passesOut!, 'wx', 0o600); } catch (e) { return usage(`cannot create ${o.passesOut}: ${(e as NodeJS.ErrnoException).code} (it must not exist yet)`); }
        }
        try {
          const result = await applyUserImport(ctx, plan);
          if (fd !== null) writeSync(fd, stringify(result.passes.map((p) => [p.userPrincipalName, p.code, iso(p.expiresAt)]), { header: true, columns: ['upn', 'pass', 'expires'], record_delimiter: 'unix' }));
        } finally {
          if (fd !== null) closeSync(fd);
        }
        for (const l of describePlan(file, plan, true, o.passesOut)) console.log(l);
      });
    });

  user.command('export').description('write every user as CSV in the import columns (no passwords)').option('--out <file>', 'write to a file instead of standard output')
    .action(async (o: { out?: string }, cmd: Command) => withContext(g(cmd), async (ctx) => {
      const csv = await exportUsersCsv(ctx, (await defaultOrganisation(ctx)).id);
      if (o.out) writeFileSync(o.out, csv, { mode: 0o600 });
      else process.stdout.write(csv);
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
    user.command(`${verb} <user>`).description(enabled ? 'allow sign-in again (a full login)' : "refuse sign-in and end the user's sessions on every Mac")
      .action(async (name: string, _o: unknown, cmd: Command) => withContext(g(cmd), async (ctx) => {
        const r = await setUserEnabled(ctx, (await defaultOrganisation(ctx)).id, name, enabled);
        console.log(`${r.user.userPrincipalName} ${verb}d${enabled ? '' : `; ${plural(r.refreshTokensRevoked, 'refresh token')} and ${plural(r.bearerTokensRevoked, 'registration token')} ended`}`);
      }));
  }
  user.command('delete <user>').description('delete a user with their tokens on every Mac, platform credentials, MFA methods, passes and memberships (sign-in logs stay)')
    .option('--yes', 'do not ask for confirmation')
    .action(async (name: string, o: { yes?: boolean }, cmd: Command) => withContext(g(cmd), async (ctx) => {
      const org = await defaultOrganisation(ctx);
      const u = await findUser(ctx, org.id, name);
      if (!o.yes) {
        if (!process.stdin.isTTY) {
          console.error('openpsso user delete: pass --yes to delete without a terminal to confirm at');
          process.exitCode = 2;
          return;
        }
        const rl = createInterface({ input: process.stdin, output: process.stdout });
        const answer = await rl.question(`Delete ${u.userPrincipalName} and everything bound to them? This cannot be undone. Type the user name to confirm: `);
        rl.close();
        if (answer.trim().toLowerCase() !== u.userPrincipalName.toLowerCase()) { console.error('not confirmed; nothing deleted'); process.exitCode = 1; return; }
      }
      const d = await deleteUser(ctx, org.id, u.id);
      console.log(`deleted ${u.userPrincipalName} (${u.id}): ${plural(d.refreshTokensDeleted, 'refresh token')}, ${plural(d.registrationsDeleted, 'platform credential')}, `
        + `${plural(d.mfaMethodsDeleted, 'MFA method')}, ${plural(d.passesDeleted, 'temporary access pass', )} removed; sign-in logs kept`);
    }));
}
