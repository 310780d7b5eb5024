// The import step of the bench: `openpsso user import` of N users into a fresh SQLite organisation,
// in temporary-pass mode and in password mode (argon2id-bound: each new user costs one hash), in
// this process. Prints the time to plan (check) and to apply, and per-user cost.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { loadConfig } from '../config/load.js';
import { createAppContext } from '../app/bootstrap.js';
import { createOrganisation } from '../app/directory.js';
import { applyUserImport, planUserImport, type ImportOptions } from '../app/user-import.js';

export interface ImportFigures { mode: 'temporary access pass' | 'password'; users: number; planSeconds: number; applySeconds: number; perUserMs: number }

async function measure(users: number, mode: ImportFigures['mode']): Promise<ImportFigures> {
  const dir = mkdtempSync(join(tmpdir(), 'openpsso-bench-import-'));
  const ctx = await createAppContext(loadConfig({ env: {}, overrides: { dataDir: dir, log: { level: 'silent' } } }));
  try {
    const org = await createOrganisation(ctx, 'Bench import');
    const header = mode === 'password' ? 'userPrincipalName,displayName,groups,password' : 'userPrincipalName,displayName,groups';
    const rows = Array.from({ length: users }, (_, i) => `user${i}@bench.example,User ${i},Staff${mode === 'password' ? `,Bench-Passw0rd-${i}` : ''}`);
    const csv = Buffer.from(`${header}\n${rows.join('\n')}\n`);
    const opts: ImportOptions = { createGroups: true, temporaryAccessPass: mode === 'password' ? null : { minutes: 10080, oneTime: false } };
    const t0 = performance.now();
    const plan = await planUserImport(ctx, org.id, csv, opts);
    const t1 = performance.now();
    const result = await applyUserImport(ctx, plan);
    const t2 = performance.now();
    if (result.created !== users) throw new Error(`import created ${result.created} of ${users}`);
    return { mode, users, planSeconds: (t1 - t0) / 1000, applySeconds: (t2 - t1) / 1000, perUserMs: (t2 - t0) / users };
  } finally {
    await ctx.store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function benchImport(users: number, log: (s: string) => void): Promise<ImportFigures[]> {
  const out: ImportFigures[] = [];
  for (const mode of ['temporary access pass', 'password'] as const) {
    log(`importing ${users} users (${mode} mode)`);
    out.push(await measure(users, mode));
  }
  return out;
}

export function renderImport(figures: ImportFigures[]): string {
  const lines = ['User import (openpsso user import, SQLite, in-process; check = dry run, apply = hashing + one transaction)'];
  for (const f of figures) {
    lines.push(`  ${f.mode.padEnd(22)} ${f.users} users: check ${f.planSeconds.toFixed(2)} s, apply ${f.applySeconds.toFixed(2)} s, total ${(f.planSeconds + f.applySeconds).toFixed(2)} s (${f.perUserMs.toFixed(2)} ms per user)`);
  }
  return lines.join('\n');
}
