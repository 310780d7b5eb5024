// Access policy commands over the local store: admin API clients, sign-in logs, per-user MFA, policies, named locations, what-if, doctor, retention.

import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { withContext, type GlobalOptions } from './context-from-options.js';
import type { AppContext } from '../app/context.js';
import { defaultOrganisation, findUser } from '../app/directory.js';
import { createAdminClient, ADMIN_ROLES, isAdminRole } from '../app/admin-api/admin-clients.js';
import { querySignIns } from '../app/admin-api/graph-sign-ins.js';
import { buildLogsFilter, formatSignInTable, type LogsFlags } from '../app/admin-api/logs-query.js';
import { setPerUserMfaState } from '../app/admin-api/graph-directory.js';
import { createNamedLocation, createPolicy, deleteNamedLocation, deletePolicy, updatePolicy } from '../app/admin-api/graph-policies.js';
import { whatIf } from '../app/admin-api/what-if.js';
import { DEFAULT_RETENTION, runRetention, RETENTION_TABLES } from '../app/retention.js';
import { formatDecision } from '../policy/format-decision.js';
import { appDisplayName } from '../policy/app-ids.js';
import { registeredAppNames } from '../app/applications.js';
import { isPssoError } from '../errors/psso-error.js';
import { runDoctorCommand, type DoctorCliOptions } from '../doctor/cli.js';

const g = (cmd: Command): GlobalOptions => cmd.optsWithGlobals() as GlobalOptions;
const collect = (v: string, prev: string[] = []) => [...prev, v];

/** Runs `fn` on the default organisation; plain errors (bad flags, unreachable targets) print one line instead of a stack. */
function onOrg<A extends unknown[]>(fn: (ctx: AppContext, orgId: string, ...args: A) => Promise<void>) {
  return async (...args: [...A, Command]) => {
    const cmd = args[args.length - 1] as Command;
    await guard(() => withContext(g(cmd), async (ctx) => fn(ctx, (await defaultOrganisation(ctx)).id, ...(args.slice(0, -1) as A))));
  };
}

async function guard(fn: () => Promise<unknown>): Promise<void> {
  try {
    await fn();
  } catch (e) {
    if (isPssoError(e) || !(e instanceof Error)) throw e;
    console.error(`openpsso: ${e.message}`);
    process.exitCode = 1;
  }
}

async function findPolicyId(ctx: AppContext, orgId: string, idOrName: string): Promise<string> {
  const all = await ctx.store.policies.list(orgId);
  const hit = all.find((p) => p.id === idOrName) ?? all.find((p) => p.displayName.toLowerCase() === idOrName.toLowerCase());
  return hit?.id ?? idOrName;
}

export function addAccessCommands(program: Command): void {
  const ac = program.command('admin-client').description('clients of the Graph-shaped admin API (OAuth client credentials)');
  ac.command('create').requiredOption('--name <name>').requiredOption('--role <role>', `repeatable: ${ADMIN_ROLES.join(', ')}`, collect)
    .action(onOrg(async (ctx, orgId, o: { name: string; role: string[] }) => {
      const bad = o.role.filter((r) => !isAdminRole(r));
      if (bad.length > 0) throw new Error(`unknown role(s) ${bad.join(', ')}; roles are ${ADMIN_ROLES.join(', ')}`);
      const { client, secret } = await createAdminClient(ctx, orgId, o.name, o.role);
      console.log(`client_id:     ${client.id}\nclient_secret: ${secret}\nroles:         ${client.roles.join(', ')}\n(the secret is shown once and stored only as a hash; token endpoint ${ctx.urls.issuer}/oauth2/v2.0/token)`);
    }));
  ac.command('list').action(onOrg(async (ctx, orgId) => {
    for (const c of await ctx.store.adminClients.list(orgId)) console.log(`${c.id}  ${c.revokedAt ? 'revoked' : 'active '}  ${c.displayName.padEnd(30)} ${c.roles.join(', ')}`);
  }));
  ac.command('revoke <id>').action(onOrg(async (ctx, _orgId, id: string) => {
    console.log((await ctx.store.adminClients.revoke(id, ctx.clock.now())) ? `revoked ${id}; its tokens stop working at once` : `no such client ${id}`);
  }));

  program.command('logs').description('query the sign-in log (newest first)')
    .option('--error <code>', 'error code: 50076, OPSSO1701 or mfa_required').option('--user <upn>').option('--app <appId>', 'app id, or platform-sso, registration, admin')
    .option('--since <when>', '7d, 24h, 30m or an ISO date-time').option('--interactive').option('--non-interactive')
    .option('--ca-status <status>', 'success, failure or notApplied').option('--top <n>', 'rows to show (max 1000)', '50').option('--json')
    .action(onOrg(async (ctx, orgId, o: LogsFlags & { top: string; json?: boolean }) => {
      const top = Number(o.top);
      if (!Number.isInteger(top) || top < 1 || top > 1000) throw new Error('--top must be 1-1000');
      const page = await querySignIns(ctx, orgId, { filter: buildLogsFilter(o, ctx.clock.now()), top, cursor: null });
      console.log(o.json ? JSON.stringify(page.items, null, 2) : formatSignInTable(page.items));
      if (!o.json && page.next) console.log(`(more rows: raise --top or narrow the filter)`);
    }));

  // The MFA recovery commands own `mfa`; main.ts registers them first, so `state` joins them.
  const mfa = program.commands.find((c) => c.name() === 'mfa') ?? program.command('mfa').description('multi-factor authentication');
  mfa.command('state <user> [state]').description('show or set per-user MFA: disabled, enabled or enforced')
    .action(onOrg(async (ctx, orgId, user: string, state: string | undefined) => {
      const u = await findUser(ctx, orgId, user);
      if (state === undefined) { console.log(`${u.userPrincipalName}: per-user MFA ${u.perUserMfaState}`); return; }
      const now = await setPerUserMfaState(ctx, u, { perUserMfaState: state });
      console.log(`${u.userPrincipalName}: per-user MFA ${u.perUserMfaState} -> ${now}`);
      if (now !== 'disabled') console.log('note: per-user MFA also applies to the login window, which cannot prompt; prefer a conditional access policy (openpsso doctor).');
    }));

  const policy = program.command('policy').description('conditional access policies (Graph conditionalAccessPolicy JSON)');
  policy.command('list').action(onOrg(async (ctx, orgId) => {
    const all = await ctx.store.policies.list(orgId);
    const names = await registeredAppNames(ctx.store, orgId);
    if (all.length === 0) console.log('no policies');
    for (const p of all) {
      const grant = p.grantControls ? p.grantControls.builtInControls.join(` ${p.grantControls.operator} `) : 'session only';
      const a = p.conditions.applications;
      const target = a.includeUserActions?.length ? `user actions ${a.includeUserActions.join(', ')}` : `apps ${a.includeApplications.map((id) => appDisplayName(id, names)).join(', ')}`;
      console.log(`${p.id}  ${p.state.padEnd(34)} ${p.displayName}  [${grant}; ${target}]`);
    }
  }));
  policy.command('show <policy>').action(onOrg(async (ctx, orgId, id: string) => {
    console.log(JSON.stringify(await ctx.store.policies.get(orgId, await findPolicyId(ctx, orgId, id)) ?? `no policy ${id}`, null, 2));
  }));
  policy.command('add <file>').description('add a policy from a JSON file (one policy or an array)')
    .action(onOrg(async (ctx, orgId, file: string) => {
      let parsed: unknown;
      try { parsed = JSON.parse(readFileSync(file, 'utf8')); } catch (e) { throw new Error(`${file}: ${(e as Error).message}`); }
      for (const body of Array.isArray(parsed) ? parsed : [parsed]) {
        const p = await createPolicy(ctx, orgId, body);
        console.log(`added ${p.id} "${p.displayName}" (${p.state})`);
      }
    }));
  for (const [verb, state] of [['enable', 'enabled'], ['disable', 'disabled'], ['report-only', 'enabledForReportingButNotEnforced']] as const) {
    policy.command(`${verb} <policy>`).action(onOrg(async (ctx, orgId, id: string) => {
      const p = await updatePolicy(ctx, orgId, await findPolicyId(ctx, orgId, id), { state });
      console.log(`${p.id} "${p.displayName}" is now ${p.state}`);
    }));
  }
  policy.command('delete <policy>').action(onOrg(async (ctx, orgId, id: string) => {
    await deletePolicy(ctx, orgId, await findPolicyId(ctx, orgId, id));
    console.log(`deleted ${id}`);
  }));

  const location = program.command('location').description('named locations (IP ranges)');
  location.command('list').action(onOrg(async (ctx, orgId) => {
    for (const l of await ctx.store.namedLocations.list(orgId)) console.log(`${l.id}  ${l.isTrusted ? 'trusted  ' : 'untrusted'}  ${l.displayName}  ${l.ipRanges.map((r) => r.cidrAddress).join(', ')}`);
  }));
  location.command('add').requiredOption('--name <name>').option('--trusted').requiredOption('--range <cidr>', 'repeatable', collect)
    .action(onOrg(async (ctx, orgId, o: { name: string; trusted?: boolean; range: string[] }) => {
      const l = await createNamedLocation(ctx, orgId, {
        displayName: o.name, isTrusted: o.trusted === true,
        ipRanges: o.range.map((c) => ({ '@odata.type': c.includes(':') ? '#microsoft.graph.iPv6CidrRange' : '#microsoft.graph.iPv4CidrRange', cidrAddress: c })),
      });
      console.log(`added ${l.id} "${l.displayName}"${l.isTrusted ? ' (trusted)' : ''}`);
    }));
  location.command('delete <id>').action(onOrg(async (ctx, orgId, id: string) => {
    await deleteNamedLocation(ctx, orgId, id);
    console.log(`deleted ${id}`);
  }));

  program.command('whatif').description('show the access decision and trace for a hypothetical sign-in')
    .requiredOption('--user <upn>').requiredOption('--app <appId>', 'app id, a registered app\'s name, or platform-sso, registration, admin').option('--ip <ip>', 'client address', '')
    .option('--device <id>', 'device id or UUID (omit: unregistered)').option('--interactive', 'the sign-in pages (can prompt)').option('--mfa', 'MFA already done')
    .option('--user-action <scope>', 'Platform SSO authorization scope, e.g. elevation or urn:apple:platformsso:auth:elevation')
    .action(onOrg(async (ctx, orgId, o: { user: string; app: string; ip: string; device?: string; interactive?: boolean; mfa?: boolean; userAction?: string }) => {
      console.log(formatDecision(await whatIf(ctx, orgId, o)));
    }));

  program.command('doctor').description('readiness checks for Platform SSO (local store, --server, or --entra)')
    .option('--server <url>', 'an OpenPSSO server (with --client-id and a secret)').option('--entra', 'a Microsoft Entra tenant through Microsoft Graph')
    .option('--tenant <id>').option('--client-id <id>').option('--client-secret <secret>', 'or $OPENPSSO_CLIENT_SECRET, or prompted')
    .option('--certificate <pem>', 'Entra app certificate (with --key)').option('--key <pem>').option('--login-url <url>').option('--graph-url <url>')
    .option('--scope-group <group>', 'group the Platform SSO profile is assigned to (repeatable; default everyone)', collect)
    .option('--days <n>', 'sign-in window in days (default 7)').option('--json').option('--fix', 'propose the per-user MFA fix').option('--apply', 'apply the fix without asking')
    .option('--mac-ready <url>', 'check a running instance from outside as a Mac would: HTTPS, AASA, JWKS, nonce and each dialect\'s paths')
    .option('--extension <name>', 'with --mac-ready: twocanoes, fleet, uio or native (default: the dialects the AASA lists, and native)')
    .option('--team-id <team>', 'with --mac-ready: the Team ID that signed the extension (UiO: yours)')
    .option('--base-path <path>', 'with --mac-ready: the dialect\'s base path when not the default')
    .option('--ca-file <pem>', 'with --mac-ready: trust this test CA instead of the public roots (a real Mac does not)')
    .action(async (o: DoctorCliOptions, cmd: Command) => guard(async () => { process.exitCode = await runDoctorCommand(o, g(cmd)); }));

  const retention = program.command('retention').description('retention of sign-in logs, tokens, nonces and sessions');
  retention.command('purge').description('delete ended tokens, nonces, sessions and passes, and sign-in logs past retention, in batches')
    .option('--batch-size <n>', 'rows per DELETE statement (1-10000)', String(DEFAULT_RETENTION.batchSize))
    .option('--max-batches <n>', 'statements per table (1-1000000)', String(DEFAULT_RETENTION.maxBatchesPerTable))
    .action(onOrg(async (ctx, _orgId, o: { batchSize: string; maxBatches: string }) => {
      const batchSize = Number(o.batchSize);
      const maxBatchesPerTable = Number(o.maxBatches);
      if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 10_000) throw new Error('--batch-size must be 1-10000');
      if (!Number.isInteger(maxBatchesPerTable) || maxBatchesPerTable < 1 || maxBatchesPerTable > 1_000_000) throw new Error('--max-batches must be 1-1000000');
      const report = await runRetention(ctx, { batchSize, maxBatchesPerTable });
      for (const table of RETENTION_TABLES) {
        const t = report[table];
        console.log(`${table.padEnd(22)} ${String(t.deleted).padStart(8)} row(s) purged in ${t.batches} batch(es)${t.capped ? '; more left (run again)' : ''}`);
      }
    }));
  retention.command('set <days>').action(onOrg(async (ctx, orgId, days: string) => {
    const n = Number(days);
    if (!Number.isInteger(n) || n < 1 || n > 3650) throw new Error('retention is 1-3650 days');
    await ctx.store.orgSettings.put({ ...(await ctx.store.orgSettings.get(orgId)), signInLogRetentionDays: n });
    console.log(`sign-in logs are kept ${n} day(s)`);
  }));
}
