// `openpsso backup`: a consistent copy of a SQLite database taken while servers keep serving it,
// with SQLite's online backup API, packed with a manifest into one archive (docs/backup.md).

import { accessSync, constants, existsSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync, unlinkSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { PssoError } from '../errors/psso-error.js';
import { masterKeyId } from './master-key.js';
import { masterKeyPath, nextMasterKeyPath, parseMasterKey, syncDir } from './master-key-files.js';
import { DATABASE, MASTER_KEY, NEXT_MASTER_KEY, sha256, writeArchive, type BackupManifest } from './backup-archive.js';

export interface BackupOptions {
  /** The SQLite database file the servers use. */
  dbFile: string;
  dataDir: string;
  out: string;
  /** Also pack the master key: the file is then as secret as the key itself. */
  includeMasterKey?: boolean;
  env?: NodeJS.ProcessEnv;
  now?: () => number;
}

export interface BackupResult {
  manifest: BackupManifest;
  bytes: number;
}

/** Every page in one step: the copy is one read transaction, so one consistent snapshot; with WAL it never blocks writers. */
const ALL_PAGES = 0x7fffffff;

export async function createBackup(opts: BackupOptions): Promise<BackupResult> {
  const env = opts.env ?? process.env;
  const out = resolve(opts.out);
  if (!existsSync(opts.dbFile)) throw new PssoError('invalid_configuration', `no database at ${opts.dbFile}; nothing to back up`);
  if (existsSync(out)) throw new PssoError('backup_out_unusable', `${out} exists`);
  try {
    accessSync(dirname(out), constants.W_OK);
  } catch {
    throw new PssoError('backup_out_unusable', `cannot write in ${dirname(out)}`);
  }
  const keys = masterKeys(opts.dataDir, env);
  const work = mkdtempSync(join(dirname(out), `.${basename(out)}.work-`));
  try {
    const snapshot = join(work, DATABASE);
    const source = new Database(opts.dbFile, { fileMustExist: true });
    try {
      source.pragma('busy_timeout = 5000');
      await source.backup(snapshot, { progress: () => ALL_PAGES });
    } finally {
      source.close();
    }
    const snap = new Database(snapshot);
    let migrations: string[];
    let organisations: { id: string; name: string }[];
    try {
      // A standalone file: no -wal beside it to lose.
      snap.pragma('journal_mode = DELETE');
      const check = snap.pragma('quick_check', { simple: true });
      if (check !== 'ok') throw new PssoError('backup_invalid', `the database copy fails SQLite's quick_check: ${String(check)}`);
      migrations = (snap.prepare('select name from openpsso_migration order by name').all() as { name: string }[]).map((r) => r.name);
      organisations = snap.prepare('select id, name from organisations order by id').all() as { id: string; name: string }[];
    } finally {
      snap.close();
    }
    const contents = new Map<string, Buffer>([[DATABASE, readFileSync(snapshot)]]);
    if (opts.includeMasterKey) for (const [name, key] of keys.files) contents.set(name, Buffer.from(key.toString('base64') + '\n'));
    const manifest: BackupManifest = {
      format: 'openpsso-backup', formatVersion: 1,
      createdAt: new Date(opts.now?.() ?? Date.now()).toISOString(),
      database: { kind: 'sqlite', migrations },
      organisations,
      masterKey: { keyIds: keys.ids, included: opts.includeMasterKey === true },
      files: Object.fromEntries([...contents].map(([name, data]) => [name, { sha256: sha256(data), bytes: data.length }])),
    };
    const tmp = join(dirname(out), `.${basename(out)}.tmp-${randomBytes(6).toString('hex')}`);
    try {
      writeArchive(tmp, manifest, contents);
      renameSync(tmp, out);
    } catch (e) {
      if (existsSync(tmp)) unlinkSync(tmp);
      throw e;
    }
    syncDir(dirname(out));
    return { manifest, bytes: statSync(out).size };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** The master key(s) the data directory uses, as archive entries and ids (next key first, as the ring orders them). */
function masterKeys(dataDir: string, env: NodeJS.ProcessEnv): { files: [string, Buffer][]; ids: string[] } {
  if (env.OPENPSSO_MASTER_KEY) {
    const key = parseMasterKey(env.OPENPSSO_MASTER_KEY, 'OPENPSSO_MASTER_KEY');
    return { files: [[MASTER_KEY, key]], ids: [masterKeyId(key)] };
  }
  const files: [string, Buffer][] = [];
  for (const [name, path] of [[NEXT_MASTER_KEY, nextMasterKeyPath(dataDir)], [MASTER_KEY, masterKeyPath(dataDir)]] as const) {
    if (existsSync(path)) files.push([name, parseMasterKey(readFileSync(path, 'utf8'), path)]);
  }
  if (files.length === 0) throw new PssoError('master_key_unknown', `no master key in ${dataDir}: the backup could never be read`);
  return { files, ids: files.map(([, k]) => masterKeyId(k)) };
}
