// Seals private keys and secrets at rest with AES-256-GCM under the server's master key ring
// (data/master.key, plus data/master.key.next while a rotation runs: see master-key-files.ts).

import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto';
import { PssoError } from '../errors/psso-error.js';

/** version(1) || iv(12) || tag(16) || ciphertext: blobs sealed before master keys had ids. */
const V1 = 1;
/** version(1) || keyId(8) || iv(12) || tag(16) || ciphertext. */
const V2 = 2;
const ID_BYTES = 8;

/** A short public name for a key, derived from it, so key files need no format change. */
export function masterKeyId(key: Buffer): string {
  return createHash('sha256').update('openpsso master key id\0').update(key).digest().subarray(0, ID_BYTES).toString('hex');
}

/** The key id a blob names, or null for a version-1 blob (sealed before ids existed). */
export function sealedKeyId(blob: Uint8Array): string | null {
  const b = Buffer.from(blob);
  return b[0] === V2 && b.length >= 1 + ID_BYTES ? b.subarray(1, 1 + ID_BYTES).toString('hex') : null;
}

export interface MasterKeySource {
  /** The keys on disk now; the first one seals. Called again when the files change. */
  read(): Buffer[];
  /** True when the files may have changed since the last read (a cheap stat). */
  changed(): boolean;
}

export class MasterKey {
  /** Every key this process has seen; never forgotten, so a value sealed mid-rotation stays readable here. */
  private readonly keys = new Map<string, Buffer>();
  private sealing!: string;

  /** `keys[0]` seals; the others only unseal. A source makes the ring follow the key files. */
  constructor(keys: Buffer[], private readonly source?: MasterKeySource) {
    this.adopt(keys);
  }

  get currentId(): string {
    this.refreshIfChanged();
    return this.sealing;
  }

  seal(plaintext: Uint8Array, aad: string): Buffer {
    this.refreshIfChanged();
    const key = this.keys.get(this.sealing)!;
    const iv = randomBytes(12);
    const c = createCipheriv('aes-256-gcm', key, iv);
    c.setAAD(Buffer.from(aad, 'utf8'));
    const ct = Buffer.concat([c.update(plaintext), c.final()]);
    return Buffer.concat([Buffer.from([V2]), Buffer.from(this.sealing, 'hex'), iv, c.getAuthTag(), ct]);
  }

  /**
   * 32-byte keys derived for one purpose (HKDF-SHA256), one per master key, the sealing key's first:
   * signing keys such as the OpenID Provider's cookie keys, which must survive a restart and follow a
   * master key rotation (older keys still verify) without ever exposing the master key itself.
   */
  derive(purpose: string): Buffer[] {
    this.refreshIfChanged();
    return this.ordered().map((k) => Buffer.from(hkdfSync('sha256', k, Buffer.alloc(0), `openpsso derived key: ${purpose}`, 32)));
  }

  unseal(blob: Uint8Array, aad: string): Buffer {
    const b = Buffer.from(blob);
    if (b[0] === V1 && b.length >= 29) {
      // No id: try each key, the sealing one first. GCM's tag rejects a wrong key.
      for (const key of this.ordered()) {
        try { return open(key, b.subarray(1), aad); } catch { /* next key */ }
      }
      throw new PssoError('master_key_unknown', 'no master key in the ring decrypts this value (sealed before master key ids)');
    }
    if (b[0] !== V2 || b.length < 1 + ID_BYTES + 28) throw new Error('sealed blob has an unknown format');
    const id = b.subarray(1, 1 + ID_BYTES).toString('hex');
    // Another process may have rotated the master key: the new key file is in place before any value uses it.
    if (!this.keys.has(id) && this.source) this.adopt(this.source.read());
    const key = this.keys.get(id);
    if (!key) throw new PssoError('master_key_unknown', `value sealed under master key ${id}, which is not in the key files`);
    return open(key, b.subarray(1 + ID_BYTES), aad);
  }

  private ordered(): Buffer[] {
    const first = this.keys.get(this.sealing)!;
    return [first, ...[...this.keys.values()].filter((k) => k !== first)];
  }

  private refreshIfChanged(): void {
    if (this.source?.changed()) this.adopt(this.source.read());
  }

  private adopt(keys: Buffer[]): void {
    if (keys.length === 0) throw new Error('master key ring is empty');
    for (const k of keys) {
      if (k.length !== 32) throw new Error('master key must be 32 bytes');
      this.keys.set(masterKeyId(k), k);
    }
    this.sealing = masterKeyId(keys[0]!);
  }
}

/** iv(12) || tag(16) || ciphertext. */
function open(key: Buffer, rest: Buffer, aad: string): Buffer {
  const d = createDecipheriv('aes-256-gcm', key, rest.subarray(0, 12));
  d.setAAD(Buffer.from(aad, 'utf8'));
  d.setAuthTag(rest.subarray(12, 28));
  return Buffer.concat([d.update(rest.subarray(28)), d.final()]);
}
