// The identity provider's own keys: ES256 id_token signing keys (published in the JWKS, rotatable)
// and the ECDH-ES key a Mac may use as loginRequestEncryptionPublicKey (psso-protocol.md §2.3, §4.4).

import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { calculateJwkThumbprint, type JWK } from 'jose';
import type { ServerKeyRecord, Store } from '../storage/ports.js';
import type { MasterKey } from './master-key.js';
import type { Clock } from './clock.js';
import { PssoError } from '../errors/psso-error.js';
import { generateP256, x963FromPublicKey } from '../protocol/ec-keys.js';

export interface LoadedKey {
  record: ServerKeyRecord;
  privateKey: KeyObject;
  publicKey: KeyObject;
  publicJwk: JWK;
}

/** Binds a sealed private key to its kid (also used by master key rotation). */
export const serverKeyAad = (kid: string): string => `server-key:${kid}`;

export class ServerKeys {
  private keys: LoadedKey[] = [];

  constructor(private readonly store: Store, private readonly master: MasterKey, private readonly clock: Clock) {}

  /** Loads every non-retired key and makes sure one active key of each use exists. */
  async load(): Promise<void> {
    await this.loadRecords();
    if (!this.keys.some((k) => k.record.use === 'sig' && k.record.status === 'active')) await this.rotate('sig');
    if (!this.keys.some((k) => k.record.use === 'enc' && k.record.status === 'active')) await this.rotate('enc');
  }

  /** Adds a new active key; the previous active key stays published so tokens it signed still verify. */
  async rotate(use: 'sig' | 'enc'): Promise<string> {
    const { privateKey } = generateP256();
    const privateJwk = privateKey.export({ format: 'jwk' }) as JWK;
    const publicJwk: JWK = { kty: 'EC', crv: 'P-256', x: privateJwk.x!, y: privateJwk.y! };
    const kid = await calculateJwkThumbprint(publicJwk);
    const alg = use === 'sig' ? 'ES256' : 'ECDH-ES';
    const fullPublic: JWK = { ...publicJwk, kid, use, alg };
    const now = this.clock.now();
    await this.store.transaction(async (tx) => {
      for (const k of this.keys) {
        if (k.record.use === use && k.record.status === 'active') await tx.serverKeys.setStatus(k.record.kid, 'published', now);
      }
      await tx.serverKeys.create({
        kid, use, alg, publicJwk: JSON.stringify(fullPublic),
        sealedPrivateJwk: this.master.seal(Buffer.from(JSON.stringify(privateJwk)), serverKeyAad(kid)),
        status: 'active', createdAt: now, retiredAt: null,
      });
    });
    await this.loadRecords();
    return kid;
  }

  /** Removes a published key from the JWKS. The active key cannot be retired: rotate first. */
  async retire(kid: string): Promise<boolean> {
    const k = this.keys.find((x) => x.record.kid === kid);
    if (!k || k.record.status === 'active') return false;
    const ok = await this.store.serverKeys.setStatus(kid, 'retired', this.clock.now());
    await this.loadRecords();
    return ok;
  }

  /** Reads key records, unsealing only keys not already in memory. */
  private async loadRecords(): Promise<void> {
    const records = await this.store.serverKeys.list();
    const byKid = new Map(this.keys.map((k) => [k.record.kid, k]));
    const next: LoadedKey[] = [];
    for (const record of records) {
      if (record.status === 'retired') continue;
      const known = byKid.get(record.kid);
      if (known) { next.push({ ...known, record }); continue; }
      let sealed: Buffer;
      try {
        sealed = this.master.unseal(record.sealedPrivateJwk, serverKeyAad(record.kid));
      } catch {
        // AES-GCM authentication fails: this blob was sealed under another master key.
        throw new PssoError('startup_master_key_wrong', `server key ${record.kid} cannot be unsealed`);
      }
      const jwk = JSON.parse(sealed.toString('utf8')) as JWK;
      const privateKey = createPrivateKey({ key: jwk as never, format: 'jwk' });
      next.push({ record, privateKey, publicKey: createPublicKey(privateKey), publicJwk: JSON.parse(record.publicJwk) as JWK });
    }
    this.keys = next;
  }

  /** Picks up rotations made by another process (the CLI) without a restart. */
  async refresh(): Promise<void> {
    await this.loadRecords();
  }

  active(use: 'sig' | 'enc'): LoadedKey {
    const k = this.keys.find((x) => x.record.use === use && x.record.status === 'active');
    if (!k) throw new Error(`no active ${use} key; call load() first`);
    return k;
  }

  byKid(kid: string): LoadedKey | undefined {
    return this.keys.find((k) => k.record.kid === kid);
  }

  /** Encryption keys that may decrypt an embedded assertion: active first, then still-published ones. */
  encryptionKeys(): LoadedKey[] {
    return this.keys.filter((k) => k.record.use === 'enc').sort((a) => (a.record.status === 'active' ? -1 : 1));
  }

  encryptionPublicX963(k: LoadedKey): Buffer {
    return x963FromPublicKey(k.publicKey);
  }

  jwks(): { keys: JWK[] } {
    return { keys: this.keys.map((k) => k.publicJwk) };
  }

  list(): ServerKeyRecord[] {
    return this.keys.map((k) => k.record);
  }
}
