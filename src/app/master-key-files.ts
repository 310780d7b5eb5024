// The master key on disk: <dataDir>/master.key, and <dataDir>/master.key.next while
// `keys rotate-master` runs (docs/backup.md, "Rotating the master key"). Both files are read, the
// next key seals; the rotation ends by renaming master.key.next over master.key.

import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, statSync, writeSync, unlinkSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { MasterKey, type MasterKeySource } from './master-key.js';
import { PssoError } from '../errors/psso-error.js';

export const masterKeyPath = (dataDir: string): string => join(dataDir, 'master.key');
export const nextMasterKeyPath = (dataDir: string): string => join(dataDir, 'master.key.next');

export function parseMasterKey(text: string, where: string): Buffer {
  const b64 = text.trim();
  const key = Buffer.from(b64, 'base64');
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(b64) || key.length !== 32) {
    throw new PssoError('startup_master_key_invalid', `${where} holds ${key.length} bytes of base64, not 32`);
  }
  return key;
}

/** Writes a key file so that a crash leaves either no file or the whole key: temp file, fsync, rename. */
export function writeKeyFileAtomic(file: string, key: Buffer): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileAtomic(file, Buffer.from(key.toString('base64') + '\n'));
}

export function writeFileAtomic(file: string, content: Buffer): void {
  const tmp = join(dirname(file), `.${basename(file)}.tmp-${randomBytes(6).toString('hex')}`);
  const fd = openSync(tmp, 'wx', 0o600);
  try {
    writeSync(fd, content);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    renameSync(tmp, file);
  } catch (e) {
    unlinkSync(tmp);
    throw e;
  }
  syncDir(dirname(file));
}

/** Makes a rename durable: the directory entry is flushed too. */
export function syncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try { fsyncSync(fd); } catch { /* some file systems refuse fsync on a directory; the rename still happened */ } finally { closeSync(fd); }
}

function stamp(file: string): string {
  try {
    const s = statSync(file);
    return `${s.ino}:${s.mtimeMs}:${s.size}`;
  } catch {
    return '-';
  }
}

/** The key files of a data directory as a source for the ring: the next key (if any) first. */
export function fileSource(dataDir: string): MasterKeySource {
  const files = [nextMasterKeyPath(dataDir), masterKeyPath(dataDir)];
  let seen = '';
  const now = () => files.map(stamp).join('|');
  return {
    read() {
      seen = now();
      const keys: Buffer[] = [];
      for (const f of files) {
        let text: string;
        try {
          text = readFileSync(f, 'utf8');
        } catch (e) {
          const code = (e as NodeJS.ErrnoException).code;
          if (code === 'ENOENT') continue; // renamed away between stat and read, or no rotation running
          throw new PssoError('startup_master_key_invalid', `${f}: ${code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'is a directory' : (e as Error).message}`);
        }
        keys.push(parseMasterKey(text, f));
      }
      if (keys.length === 0) throw new PssoError('master_key_unknown', `no master key file in ${dataDir}`);
      return keys;
    },
    changed: () => now() !== seen,
  };
}

export interface LoadMasterKeyOptions {
  /**
   * May a missing key file be created? Only for a database that holds nothing sealed yet: a new
   * master key beside existing sealed keys would make every one of them unreadable.
   */
  create?: boolean;
}

/**
 * OPENPSSO_MASTER_KEY (base64) wins and is used alone; otherwise the key files, with master.key
 * created (mode 0600) on first start.
 */
export function loadMasterKey(dataDir: string, env: NodeJS.ProcessEnv = process.env, opts: LoadMasterKeyOptions = {}): MasterKey {
  if (env.OPENPSSO_MASTER_KEY) return new MasterKey([parseMasterKey(env.OPENPSSO_MASTER_KEY, 'OPENPSSO_MASTER_KEY')]);
  if (!existsSync(masterKeyPath(dataDir)) && !existsSync(nextMasterKeyPath(dataDir))) {
    if (opts.create === false) throw new PssoError('startup_master_key_missing', `${masterKeyPath(dataDir)} does not exist`);
    writeKeyFileAtomic(masterKeyPath(dataDir), randomBytes(32));
  }
  const source = fileSource(dataDir);
  return new MasterKey(source.read(), source);
}
