// Seals private keys at rest with AES-256-GCM under the server's master key (data/master.key).

import { randomBytes, createCipheriv, createDecipheriv } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

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

/** OPENPSSO_MASTER_KEY (base64) wins; otherwise the key file, created with mode 0600 on first start. */
export function loadMasterKey(file: string, env: NodeJS.ProcessEnv = process.env): MasterKey {
  if (env.OPENPSSO_MASTER_KEY) return new MasterKey(Buffer.from(env.OPENPSSO_MASTER_KEY, 'base64'));
  if (!existsSync(file)) {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, randomBytes(32).toString('base64') + '\n', { mode: 0o600 });
  }
  return new MasterKey(Buffer.from(readFileSync(file, 'utf8').trim(), 'base64'));
}
