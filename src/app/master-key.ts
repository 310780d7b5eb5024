// Seals private keys at rest with AES-256-GCM under the server's master key (data/master.key).

import { randomBytes, createCipheriv, createDecipheriv } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { PssoError } from '../errors/psso-error.js';

const VERSION = 1;

export class MasterKey {
  constructor(private readonly key: Buffer) {
    if (key.length !== 32) throw new Error('master key must be 32 bytes');
  }

  /** Layout: version(1) || iv(12) || tag(16) || ciphertext. `aad` binds the blob to its owner. */
  seal(plaintext: Uint8Array, aad: string): Buffer {
    const iv = randomBytes(12);
    const c = createCipheriv('aes-256-gcm', this.key, iv);
    c.setAAD(Buffer.from(aad, 'utf8'));
    const ct = Buffer.concat([c.update(plaintext), c.final()]);
    return Buffer.concat([Buffer.from([VERSION]), iv, c.getAuthTag(), ct]);
  }

  unseal(blob: Uint8Array, aad: string): Buffer {
    const b = Buffer.from(blob);
    if (b.length < 29 || b[0] !== VERSION) throw new Error('sealed blob has an unknown format');
    const d = createDecipheriv('aes-256-gcm', this.key, b.subarray(1, 13));
    d.setAAD(Buffer.from(aad, 'utf8'));
    d.setAuthTag(b.subarray(13, 29));
    return Buffer.concat([d.update(b.subarray(29)), d.final()]);
  }
}

function decode(text: string, from: string): MasterKey {
  const b64 = text.trim();
  const key = Buffer.from(b64, 'base64');
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(b64) || key.length !== 32) {
    throw new PssoError('startup_master_key_invalid', `${from} holds ${key.length} bytes of base64, not 32`);
  }
  return new MasterKey(key);
}

export interface LoadMasterKeyOptions {
  /**
   * May a missing key file be created? Only for a database that holds nothing sealed yet: a new
   * master key beside existing sealed keys would make every one of them unreadable.
   */
  create?: boolean;
}

/** OPENPSSO_MASTER_KEY (base64) wins; otherwise the key file, created with mode 0600 on first start. */
export function loadMasterKey(file: string, env: NodeJS.ProcessEnv = process.env, opts: LoadMasterKeyOptions = {}): MasterKey {
  if (env.OPENPSSO_MASTER_KEY) return decode(env.OPENPSSO_MASTER_KEY, 'OPENPSSO_MASTER_KEY');
  if (!existsSync(file)) {
    if (opts.create === false) throw new PssoError('startup_master_key_missing', `${file} does not exist`);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, randomBytes(32).toString('base64') + '\n', { mode: 0o600 });
  }
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new PssoError('startup_master_key_invalid', `${file}: ${code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'is a directory' : (e as Error).message}`);
  }
  return decode(text, file);
}
