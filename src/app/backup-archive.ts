// The backup file: a SQLite Archive (https://sqlite.org/sqlar.html; `sqlite3 FILE -Atv` lists it)
// holding manifest.json, openpsso.db and, only when asked for, the master key files.

import { createHash } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, openSync } from 'node:fs';
import { deflateSync, inflateSync } from 'node:zlib';
import Database from 'better-sqlite3';
import { z } from 'zod';
import { PssoError } from '../errors/psso-error.js';

export const MANIFEST = 'manifest.json';
export const DATABASE = 'openpsso.db';
export const MASTER_KEY = 'master.key';
export const NEXT_MASTER_KEY = 'master.key.next';

const entry = z.object({ sha256: z.string().regex(/^[0-9a-f]{64}$/), bytes: z.number().int().nonnegative() });

export const manifestSchema = z.object({
  format: z.literal('openpsso-backup'),
  formatVersion: z.literal(1),
  createdAt: z.string(),
  database: z.object({ kind: z.literal('sqlite'), migrations: z.array(z.string()) }),
  organisations: z.array(z.object({ id: z.string(), name: z.string() })),
  /** Ids of the master keys the data directory used (the first seals); the key itself only if included. */
  masterKey: z.object({ keyIds: z.array(z.string()), included: z.boolean() }),
  /** Every other entry of the archive, with its checksum. */
  files: z.record(z.string(), entry),
});
export type BackupManifest = z.infer<typeof manifestSchema>;

export const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

/** Writes the archive to `file`, which must not exist: created with mode 0600 before SQLite opens it. */
export function writeArchive(file: string, manifest: BackupManifest, contents: Map<string, Buffer>): void {
  closeSync(openSync(file, 'wx', 0o600));
  const db = new Database(file);
  try {
    db.exec('create table sqlar(name text primary key, mode int, mtime int, sz int, data blob)');
    const put = db.prepare('insert into sqlar(name, mode, mtime, sz, data) values (?, ?, ?, ?, ?)');
    const mtime = Math.floor(Date.parse(manifest.createdAt) / 1000);
    db.transaction(() => {
      const m = Buffer.from(JSON.stringify(manifest, null, 2));
      put.run(MANIFEST, 0o100600, mtime, m.length, m);
      for (const [name, data] of contents) {
        // sqlar stores zlib data when smaller, raw bytes otherwise; sz is always the original size.
        const packed = deflateSync(data);
        put.run(name, 0o100600, mtime, data.length, packed.length < data.length ? packed : data);
      }
    })();
  } finally {
    db.close();
  }
  const fd = openSync(file, 'r+');
  try { fsyncSync(fd); } finally { closeSync(fd); }
}

export interface OpenedArchive {
  manifest: BackupManifest;
  /** Entries other than the manifest, unpacked and checked against the manifest's checksums. */
  contents: Map<string, Buffer>;
}

/** Reads and verifies an archive: backup_invalid for anything unreadable, backup_checksum_mismatch for damage. */
export function readArchive(file: string): OpenedArchive {
  if (!existsSync(file)) throw new PssoError('backup_invalid', `${file} does not exist`);
  let rows: { name: string; sz: number; data: Buffer | null }[];
  try {
    const db = new Database(file, { readonly: true, fileMustExist: true });
    try {
      rows = db.prepare('select name, sz, data from sqlar').all() as typeof rows;
    } finally {
      db.close();
    }
  } catch (e) {
    throw new PssoError('backup_invalid', `${file}: ${(e as Error).message}`);
  }
  const unpacked = new Map<string, Buffer>();
  for (const r of rows) {
    const data = r.data ?? Buffer.alloc(0);
    try {
      unpacked.set(r.name, r.sz === data.length ? data : inflateSync(data));
    } catch {
      throw new PssoError('backup_checksum_mismatch', `${r.name} in ${file} cannot be unpacked`);
    }
  }
  const rawManifest = unpacked.get(MANIFEST);
  if (!rawManifest) throw new PssoError('backup_invalid', `${file} has no ${MANIFEST}`);
  let manifest: BackupManifest;
  try {
    manifest = manifestSchema.parse(JSON.parse(rawManifest.toString('utf8')));
  } catch (e) {
    throw new PssoError('backup_invalid', `${file}: ${MANIFEST} is not a valid manifest (${e instanceof z.ZodError ? z.prettifyError(e).split('\n')[0] : (e as Error).message})`);
  }
  const contents = new Map<string, Buffer>();
  for (const [name, want] of Object.entries(manifest.files)) {
    const data = unpacked.get(name);
    if (!data) throw new PssoError('backup_invalid', `${file}: ${name} is listed in the manifest but missing`);
    if (data.length !== want.bytes || sha256(data) !== want.sha256) {
      throw new PssoError('backup_checksum_mismatch', `${name} in ${file}: sha256 ${sha256(data)}, manifest says ${want.sha256}`);
    }
    contents.set(name, data);
  }
  if (!contents.has(DATABASE)) throw new PssoError('backup_invalid', `${file} holds no ${DATABASE}`);
  return { manifest, contents };
}
