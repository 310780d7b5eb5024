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
    // Nonce rows are created by the nonce request itself, which is not part of the refused request.
    delete out.nonces;
    return out;
  } finally {
    db.close();
  }
}
