// `openpsso restore`: unpacks a backup into an empty data directory, or does nothing at all. The
// files are assembled and checked in a staging directory beside the target, then renamed into place.

import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { PssoError } from '../errors/psso-error.js';
import { migrations } from '../storage/kysely/migrations.js';
import { openStore } from '../storage/open-store.js';
import { MasterKey, masterKeyId } from './master-key.js';
import { parseMasterKey, syncDir } from './master-key-files.js';
import { firstUnreadable } from './master-key-rotation.js';
import { DATABASE, MASTER_KEY, NEXT_MASTER_KEY, readArchive, type BackupManifest } from './backup-archive.js';

export interface RestoreOptions {
  file: string;
  dataDir: string;
  /** A copy of the master key file, for a backup taken without it. */
  masterKeyFile?: string;
  env?: NodeJS.ProcessEnv;
}

export interface RestoreResult {
  manifest: BackupManifest;
  /** Where the master key came from; 'environment' means no key file was written. */
  masterKeyFrom: 'backup' | 'file' | 'environment';
}

export async function restoreBackup(opts: RestoreOptions): Promise<RestoreResult> {
  const env = opts.env ?? process.env;
  const target = resolve(opts.dataDir);
  assertEmpty(target);
  const { manifest, contents } = readArchive(opts.file);

  const known = new Set(Object.keys(migrations('sqlite')));
  const newer = manifest.database.migrations.filter((m) => !known.has(m));
  if (newer.length > 0) throw new PssoError('backup_schema_newer', `the backup has migrations ${newer.join(', ')}`);

  const keys = keysFor(contents, opts.masterKeyFile, env);
  const staging = stagingBeside(target);
  try {
    const dbFile = join(staging, DATABASE);
    writeFileSync(dbFile, contents.get(DATABASE)!, { mode: 0o600 });
    checkDatabase(dbFile, known);
    // The key must open every sealed value now, not at the first sign-in after the restore.
    const store = await openStore({ kind: 'sqlite', file: dbFile, migrate: false });
    try {
      const unreadable = await firstUnreadable(store, new MasterKey(keys.keys.map(([, k]) => k)));
      if (unreadable) {
        throw new PssoError('master_key_mismatch', `master key ${keys.keys.map(([, k]) => masterKeyId(k)).join(', ')} does not open ${unreadable}; the backup names ${manifest.masterKey.keyIds.join(', ')}`);
      }
    } finally {
      await store.close();
    }
    for (const [name, key] of keys.from === 'environment' ? [] : keys.keys) {
      writeFileSync(join(staging, name), key.toString('base64') + '\n', { mode: 0o600 });
    }
    // The WAL files the check left behind belong to the staging connection only.
    for (const f of readdirSync(staging)) if (f.endsWith('-wal') || f.endsWith('-shm')) rmSync(join(staging, f));
    if (existsSync(target)) removeEmptyTree(target);
    renameSync(staging, target);
    syncDir(dirname(target));
  } catch (e) {
    rmSync(staging, { recursive: true, force: true });
    throw e;
  }
  return { manifest, masterKeyFrom: keys.from };
}

/** Only a missing directory, or one holding nothing but empty directories (a fresh mount's lost+found), will do. */
function assertEmpty(dir: string): void {
  if (!existsSync(dir)) return;
  if (!statSync(dir).isDirectory()) throw new PssoError('restore_target_not_empty', `${dir} is a file`);
  const busy = (d: string): boolean => readdirSync(d).some((f) => { const p = join(d, f); return !statSync(p).isDirectory() || busy(p); });
  if (busy(dir)) throw new PssoError('restore_target_not_empty', `${dir} holds files`);
}

/** The staging directory next to the target (one rename away); a place that cannot hold it is one catalogue line, not a trace. */
function stagingBeside(target: string): string {
  try {
    mkdirSync(dirname(target), { recursive: true });
    return mkdtempSync(join(dirname(target), `.${basename(target)}.restore-`));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    // A recursive mkdir meets EEXIST only when a part of the path exists as a file.
    const why = code === 'ENOTDIR' || code === 'EEXIST' ? 'a part of the path is a file' : code === 'EACCES' || code === 'EPERM' ? 'permission denied' : code === 'EROFS' ? 'read-only file system' : code === 'ENOSPC' ? 'no space left' : (e as Error).message;
    throw new PssoError('startup_database_unwritable', `cannot create ${target}: ${why}`);
  }
}

function removeEmptyTree(dir: string): void {
  for (const f of readdirSync(dir)) removeEmptyTree(join(dir, f));
  rmdirSync(dir);
}

function keysFor(contents: Map<string, Buffer>, file: string | undefined, env: NodeJS.ProcessEnv): { keys: [string, Buffer][]; from: RestoreResult['masterKeyFrom'] } {
  const packed = [NEXT_MASTER_KEY, MASTER_KEY].filter((n) => contents.has(n));
  if (packed.length > 0) return { keys: packed.map((n) => [n, parseMasterKey(contents.get(n)!.toString('utf8'), `${n} in the backup`)]), from: 'backup' };
  if (file) {
    let text: string;
    try { text = readFileSync(file, 'utf8'); } catch (e) {
      throw new PssoError('restore_master_key_needed', `cannot read ${file}: ${(e as Error).message}`);
    }
    return { keys: [[MASTER_KEY, parseMasterKey(text, file)]], from: 'file' };
  }
  if (env.OPENPSSO_MASTER_KEY) return { keys: [[MASTER_KEY, parseMasterKey(env.OPENPSSO_MASTER_KEY, 'OPENPSSO_MASTER_KEY')]], from: 'environment' };
  throw new PssoError('restore_master_key_needed');
}

/** SQLite's own check, and the schema read from the database itself rather than trusted from the manifest. */
function checkDatabase(file: string, known: Set<string>): void {
  let db: Database.Database;
  try {
    db = new Database(file, { fileMustExist: true });
  } catch (e) {
    throw new PssoError('backup_invalid', `the database in the backup cannot be opened: ${(e as Error).message}`);
  }
  try {
    let applied: string[];
    try {
      const check = db.pragma('quick_check', { simple: true });
      if (check !== 'ok') throw new Error(String(check));
      applied = (db.prepare('select name from openpsso_migration').all() as { name: string }[]).map((r) => r.name);
    } catch (e) {
      throw new PssoError('backup_invalid', `the database in the backup is not an OpenPSSO database in good order: ${(e as Error).message}`);
    }
    const newer = applied.filter((m) => !known.has(m));
    if (newer.length > 0) throw new PssoError('backup_schema_newer', `the database has migrations ${newer.join(', ')}`);
  } finally {
    db.close();
  }
}
