// `openpsso doctor`: picks the target (local store in-process, a remote OpenPSSO server, or an Entra tenant) and runs the doctor over its Graph client; `--mac-ready URL` checks an instance from outside as a Mac would (mac-ready.ts).

import { createInterface } from 'node:readline/promises';
import { withContext, type GlobalOptions } from '../cli/context-from-options.js';
import { findGroup, defaultOrganisation } from '../app/directory.js';
import { toSeconds } from '../app/clock.js';
import { readSecret } from '../cli/read-secret.js';
import { runDoctor, type DoctorRunOptions } from './run-doctor.js';
import { runMacReady } from './mac-ready.js';
import type { DialectName } from './mac-ready-paths.js';
import { withLocalGraphClient } from './local-target.js';
import { entraGraphClient, serverGraphClient } from './targets.js';

export interface DoctorCliOptions {
  server?: string;
  entra?: boolean;
  tenant?: string;
  clientId?: string;
  clientSecret?: string;
  certificate?: string;
  key?: string;
  loginUrl?: string;
  graphUrl?: string;
  json?: boolean;
  fix?: boolean;
  apply?: boolean;
  scopeGroup?: string[];
  days?: string;
  macReady?: string;
  extension?: string;
  teamId?: string;
  basePath?: string;
  caFile?: string;
}

/** Asks on the terminal; without one there is nobody to ask, so the answer is no. */
async function askYes(question: string): Promise<boolean> {
  if (!process.stdin.isTTY) return false;
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  try {
    return /^y(es)?$/i.test((await rl.question(question)).trim());
  } finally {
    rl.close();
  }
}

/** The client secret from the flag, $OPENPSSO_CLIENT_SECRET, or a prompt (so it stays out of shell history). */
async function secretFrom(o: DoctorCliOptions): Promise<string> {
  const s = o.clientSecret ?? process.env.OPENPSSO_CLIENT_SECRET ?? (await readSecret('Client secret: '));
  if (!s) throw new Error('a client secret is needed (--client-secret, $OPENPSSO_CLIENT_SECRET or the prompt)');
  return s;
}

export async function runDoctorCommand(o: DoctorCliOptions, globals: GlobalOptions): Promise<number> {
  if (o.macReady !== undefined) {
    if (!/^https?:\/\/[^/?#]+/i.test(o.macReady)) throw new Error(`--mac-ready takes the instance's URL, e.g. https://sso.example.com, got '${o.macReady}'`);
    if (o.extension !== undefined && !['twocanoes', 'fleet', 'uio', 'native'].includes(o.extension)) throw new Error('--extension is twocanoes, fleet, uio or native');
    if (o.basePath !== undefined && !o.extension) throw new Error('--base-path goes with --extension');
    const r = await runMacReady({
      url: o.macReady, ...(o.extension ? { extension: o.extension as DialectName } : {}), ...(o.teamId ? { teamId: o.teamId } : {}),
      ...(o.basePath !== undefined ? { basePath: o.basePath } : {}), ...(o.caFile ? { caFile: o.caFile } : {}), ...(o.json ? { json: true } : {}),
    });
    return r.exitCode;
  }
  if (o.apply && !o.fix) throw new Error('--apply goes with --fix');
  if (o.server && o.entra) throw new Error('choose --server or --entra, not both');
  const days = o.days === undefined ? undefined : Number(o.days);
  if (days !== undefined && !(Number.isInteger(days) && days > 0 && days <= 90)) throw new Error('--days must be a whole number of days, 1-90');
  const base: Omit<DoctorRunOptions, 'client' | 'target' | 'now'> = {
    ...(o.json ? { json: true } : {}), ...(o.fix ? { fix: true } : {}), ...(o.apply ? { apply: true } : {}),
    ...(days ? { signInWindowDays: days } : {}), confirm: askYes,
  };
  const scopeIds = o.scopeGroup ?? [];

  if (o.entra) {
    if (!o.tenant || !o.clientId) throw new Error('--entra needs --tenant and --client-id, and --client-secret or --certificate with --key');
    const client = entraGraphClient({
      tenant: o.tenant, clientId: o.clientId,
      ...(o.certificate || o.key ? { certificateFile: o.certificate, keyFile: o.key } : { clientSecret: await secretFrom(o) }),
      ...(o.loginUrl ? { loginUrl: o.loginUrl } : {}), ...(o.graphUrl ? { graphUrl: o.graphUrl } : {}),
    });
    const r = await runDoctor({ ...base, client, target: 'entra', now: toSeconds(Date.now()), ...(scopeIds.length ? { platformSsoScope: { includeGroups: scopeIds } } : {}) });
    return r.exitCode;
  }
  if (o.server) {
    if (!o.clientId) throw new Error('--server needs --client-id and a client secret (openpsso admin-client create)');
    const client = serverGraphClient({ server: o.server, clientId: o.clientId, clientSecret: await secretFrom(o) });
    const r = await runDoctor({ ...base, client, target: 'openpsso', now: toSeconds(Date.now()), ...(scopeIds.length ? { platformSsoScope: { includeGroups: scopeIds } } : {}) });
    return r.exitCode;
  }
  // No target: this installation's own store, through its admin API served in-process.
  return withContext(globals, async (ctx) => {
    const org = await defaultOrganisation(ctx);
    const groups = await Promise.all(scopeIds.map((g) => findGroup(ctx, org.id, g)));
    const r = await withLocalGraphClient(ctx, (client) => runDoctor({
      ...base, client, target: 'openpsso', now: toSeconds(ctx.clock.now()),
      ...(groups.length ? { platformSsoScope: { includeGroups: groups.map((g) => g.id) } } : {}),
    }));
    return r.exitCode;
  });
}
