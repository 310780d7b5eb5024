// The application context: configuration, storage, clock, keys and caches, built once by the composition root.

import type { KeyObject } from 'node:crypto';
import type { X509Certificate } from 'node:crypto';
import type { Config } from '../config/schema.js';
import { endpoints } from '../config/load.js';
import type { Store } from '../storage/ports.js';
import type { Clock } from './clock.js';
import type { MasterKey } from './master-key.js';
import type { ServerKeys } from './server-keys.js';
import type { SignInRecorder } from './sign-in-events.js';
import { publicKeyFromX963 } from '../protocol/ec-keys.js';
import type { Metrics } from './metrics.js';
import type { PasswordWork } from './password-work.js';

/** Caches pure derivations (key bytes → KeyObject), never authorisation state such as device status. */
export class KeyCache {
  private readonly map = new Map<string, KeyObject>();
  constructor(private readonly max = 50_000) {}

  publicKey(x963: Uint8Array): KeyObject {
    const id = Buffer.from(x963).toString('base64');
    let k = this.map.get(id);
    if (!k) {
      k = publicKeyFromX963(x963);
      if (this.map.size >= this.max) this.map.delete(this.map.keys().next().value as string);
      this.map.set(id, k);
    }
    return k;
  }

}

export interface AppContext {
  config: Config;
  urls: ReturnType<typeof endpoints>;
  store: Store;
  clock: Clock;
  master: MasterKey;
  keys: ServerKeys;
  keyCache: KeyCache;
  signIns: SignInRecorder;
  /** Trusted smart card CAs, loaded from smartCard.trustedCaFiles. */
  smartCardCas: X509Certificate[];
  /** Trusted Apple device attestation roots: Apple's built in, or attestation.trustedRootFiles. */
  attestationRoots: X509Certificate[];
  metrics: Metrics;
  /** The bounded queue every argon2id verification runs through (credential-guard.ts). */
  passwordWork: PasswordWork;
}
