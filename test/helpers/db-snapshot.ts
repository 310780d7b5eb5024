// Counts every table's rows (and used nonces) in a test server's SQLite file, to prove a refused
// request stored nothing.

import Database from 'better-sqlite3';
import { join } from 'node:path';

export function dbSnapshot(dataDir: string): Record<string, number> {
  const db = new Database(join(dataDir, 'openpsso.db'), { readonly: true, fileMustExist: true });
  try {
    const out: Record<string, number> = {};
    const tables = db.prepare("select name from sqlite_master where type = 'table' and name not like 'sqlite_%'").all() as { name: string }[];
    for (const { name } of tables) out[name] = (db.prepare(`select count(*) as n from "${name}"`).get() as { n: number }).n;
    out['nonces.used'] = (db.prepare('select count(*) as n from nonces where used_at is not null').get() as { n: number }).n;
    out['devices.revoked'] = (db.prepare("select count(*) as n from devices where status = 'revoked'").get() as { n: number }).n;
    out['refresh_tokens.revoked'] = (db.prepare('select count(*) as n from refresh_tokens where revoked_at is not null').get() as { n: number }).n;
    // Failures the credential guard counted (a refusal at the credential stage adds exactly one).
    out['lockouts.failures'] = (db.prepare('select coalesce(sum(failures), 0) as n from lockouts').get() as { n: number }).n;
    // Nonce rows are created by the nonce request itself, which is not part of the refused request;
    // sign-in log rows are what a refusal is supposed to leave behind (see lastSignInErrors).
    delete out.nonces;
    delete out.sign_in_logs;
    return out;
  } finally {
    db.close();
  }
}

/** Error codes of sign-in log rows written after `sinceCount` rows (oldest first). */
export function signInLogCount(dataDir: string): number {
  const db = new Database(join(dataDir, 'openpsso.db'), { readonly: true, fileMustExist: true });
  try {
    return (db.prepare('select count(*) as n from sign_in_logs').get() as { n: number }).n;
  } finally {
    db.close();
  }
}

export function newestSignInErrorCodes(dataDir: string, n: number): number[] {
  if (n === 0) return [];
  const db = new Database(join(dataDir, 'openpsso.db'), { readonly: true, fileMustExist: true });
  try {
    const rows = db.prepare('select error_code as c from sign_in_logs order by created_at desc, rowid desc limit ?').all(n) as { c: number }[];
    return rows.map((r) => r.c);
  } finally {
    db.close();
  }
}
