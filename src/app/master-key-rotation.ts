// `keys rotate-master`: replaces the master key and re-encrypts every value sealed under it while
// servers keep running (docs/backup.md, "Rotating the master key").
//
// 1. Write master.key.next (atomic). From here every process's ring reads both files and seals
//    with the next key (master-key-files.ts), so nothing can be lost whatever happens next.
// 2. Wait a grace period, so a value a server sealed under the old key just before step 1 is stored
//    before step 3 reads.
// 3. Re-encrypt, in small transactions (servers' writes wait a few milliseconds, never seconds),
//    every value not yet under the next key; each row is replaced only if unchanged since it was read.
// 4. Rename master.key.next over master.key: the old key is gone from the data directory.
// A crash before 4 leaves both files: every value decrypts, and running the command again resumes
// with the same next key.

import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, renameSync } from 'node:fs';
import type { SealedValue, Store } from '../storage/ports.js';
import { MasterKey, masterKeyId, sealedKeyId } from './master-key.js';
import { masterKeyPath, nextMasterKeyPath, parseMasterKey, syncDir, writeKeyFileAtomic } from './master-key-files.js';
import { serverKeyAad } from './server-keys.js';
import { unlockKeyAad } from './key-service.js';
import { totpAad } from './interactive/factors.js';
import { sessionAad } from './interactive/session.js';
import { applicationSecretAad } from './applications.js';
import { PssoError } from '../errors/psso-error.js';

export type RotationStep = 'next-written' | 'batch-re-encrypted' | 're-encrypted';

export interface RotateMasterKeyOptions {
  store: Store;
  dataDir: string;
  env?: NodeJS.ProcessEnv;
  /** Step 2's wait, in milliseconds. */
  graceMs?: number;
  batchSize?: number;
  /** Called after each step; tests throw from it to simulate a crash there. */
  onStep?: (step: RotationStep) => void;
}

export interface RotationResult {
  previousId: string;
  newId: string;
  /** True when an interrupted rotation was finished with its master.key.next. */
  resumed: boolean;
  reEncrypted: number;
}

// Session fields holding sealed strings, with the purpose their AAD names (app/interactive).
interface SessionJson { pendingTotp?: string; result?: { sealedToken?: string } }

export async function rotateMasterKey(opts: RotateMasterKeyOptions): Promise<RotationResult> {
  if ((opts.env ?? process.env).OPENPSSO_MASTER_KEY) throw new PssoError('master_key_from_environment');
  const currentFile = masterKeyPath(opts.dataDir);
  const nextFile = nextMasterKeyPath(opts.dataDir);
  if (!existsSync(currentFile)) throw new PssoError('master_key_unknown', `no master key at ${currentFile}`);
  const current = parseMasterKey(readFileSync(currentFile, 'utf8'), currentFile);
  const resumed = existsSync(nextFile);
  const next = resumed ? parseMasterKey(readFileSync(nextFile, 'utf8'), nextFile) : randomBytes(32);
  if (!resumed) writeKeyFileAtomic(nextFile, next);
  opts.onStep?.('next-written');
  if (opts.graceMs) await new Promise((r) => setTimeout(r, opts.graceMs));

  const ring = new MasterKey([next, current]);
  const target = masterKeyId(next);
  let reEncrypted = 0;
  // A row changed by a server between read and replace was written under the next key already
  // (servers seal with it from step 1); the next pass checks that, and anything else, again.
  for (let pass = 0; ; pass++) {
    const stale = (await opts.store.sealedValues.list()).filter((v) => !underKey(v, target));
    if (stale.length === 0) break;
    if (pass >= 5) throw new Error(`master key rotation: ${stale.length} values kept changing; run the command again`);
    for (let i = 0; i < stale.length; i += opts.batchSize ?? 200) {
      const batch = stale.slice(i, i + (opts.batchSize ?? 200));
      reEncrypted += await opts.store.transaction(async (tx) => {
        let n = 0;
        for (const v of batch) if (await tx.sealedValues.replace(v, reseal(ring, v))) n++;
        return n;
      });
      opts.onStep?.('batch-re-encrypted');
    }
  }
  opts.onStep?.('re-encrypted');

  renameSync(nextFile, currentFile);
  syncDir(opts.dataDir);
  return { previousId: masterKeyId(current), newId: target, resumed, reEncrypted };
}

/** The AAD each stored kind was sealed with. */
function aadOf(v: Exclude<SealedValue, { kind: 'sign_in_session' }>): string {
  switch (v.kind) {
    case 'server_key': return serverKeyAad(v.id);
    case 'unlock_key': return unlockKeyAad(v.userId, v.deviceId, v.purpose);
    case 'mfa_secret': return totpAad(v.id);
    case 'app_secret': return applicationSecretAad(v.id);
  }
}

function sessionFields(data: string): SessionJson | null {
  try {
    const j = JSON.parse(data) as unknown;
    return typeof j === 'object' && j !== null ? (j as SessionJson) : null;
  } catch {
    return null; // unreadable sessions are refused by the server anyway
  }
}

/** True when the value is sealed under `keyId` (a session: each of its sealed fields). */
export function underKey(v: SealedValue, keyId: string): boolean {
  if (v.kind !== 'sign_in_session') return sealedKeyId(v.sealed) === keyId;
  const s = sessionFields(v.data);
  if (!s) return true;
  const fields = [s.pendingTotp, s.result?.sealedToken].filter((f): f is string => typeof f === 'string');
  return fields.every((f) => sealedKeyId(Buffer.from(f, 'base64')) === keyId);
}

/** Opens every sealed part of `v` with the ring and seals it again under the ring's sealing key. */
export function reseal(ring: MasterKey, v: SealedValue): SealedValue {
  if (v.kind !== 'sign_in_session') {
    return { ...v, sealed: ring.seal(ring.unseal(v.sealed, aadOf(v)), aadOf(v)) };
  }
  const s = sessionFields(v.data);
  if (!s) return v;
  const again = (purpose: string, f: string) =>
    ring.seal(ring.unseal(Buffer.from(f, 'base64'), sessionAad(purpose, v.id)), sessionAad(purpose, v.id)).toString('base64');
  if (typeof s.pendingTotp === 'string') s.pendingTotp = again('totp', s.pendingTotp);
  if (s.result && typeof s.result.sealedToken === 'string') s.result.sealedToken = again('token', s.result.sealedToken);
  return { ...v, data: JSON.stringify(s) };
}

/** Unseals every stored value with `ring`; the first one it cannot open, or null. Restore uses it. */
export async function firstUnreadable(store: Store, ring: MasterKey): Promise<string | null> {
  for (const v of await store.sealedValues.list()) {
    try {
      reseal(ring, v);
    } catch {
      return `${v.kind} ${v.id}`;
    }
  }
  return null;
}
