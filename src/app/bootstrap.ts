// The composition root: picks the storage adapter from configuration and assembles the AppContext.
// Nothing else imports a concrete adapter.

import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { X509Certificate } from 'node:crypto';
import type { Config } from '../config/schema.js';
import { endpoints } from '../config/load.js';
import { openStore } from '../storage/open-store.js';
import { KeyCache, type AppContext } from './context.js';
import { systemClock, type Clock } from './clock.js';
import type { MasterKey } from './master-key.js';
import { loadMasterKey } from './master-key-files.js';
import { ServerKeys } from './server-keys.js';
import type { SignInRecorder } from './sign-in-events.js';
import { StoreSignInRecorder } from './sign-in-log.js';
import { PssoError } from '../errors/psso-error.js';
import { createMetrics } from './metrics.js';
import { PasswordWork } from './password-work.js';
import { loadAttestationRoots } from './attestation-roots.js';

export interface BootstrapOptions {
  clock?: Clock;
  /** Also sees every sign-in event (tests observe them); events are always stored in the sign-in log. */
  observeSignIns?: SignInRecorder;
  /** Where sign-in log write failures are reported. */
  log?: (msg: string, err: unknown) => void;
}

function loadCas(files: string[]): X509Certificate[] {
  const out: X509Certificate[] = [];
  for (const f of files) {
    let text: string;
    try { text = readFileSync(resolve(f), 'utf8'); } catch (e) {
      throw new PssoError('invalid_configuration', `smartCard.trustedCaFiles: cannot read ${f}: ${(e as Error).message}`);
    }
    for (const pem of text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? []) out.push(new X509Certificate(pem));
  }
  return out;
}

export async function createAppContext(config: Config, opts: BootstrapOptions = {}): Promise<AppContext> {
  const clock = opts.clock ?? systemClock;
  const metrics = createMetrics();
  const observeQueries = (kind: string, seconds: number, failed: boolean) => {
    metrics.dbQueries.observe({ operation: kind }, seconds);
    if (failed) metrics.dbQueryErrors.inc({ operation: kind });
  };
  const store = await openStore(config.database.kind === 'sqlite'
    ? { kind: 'sqlite', file: config.database.file ?? join(config.dataDir, 'openpsso.db'), observeQueries }
    : { kind: 'postgres', url: config.database.url, ...(config.database.schema ? { schema: config.database.schema } : {}), observeQueries });
  let master: MasterKey;
  let keys: ServerKeys;
  let smartCardCas: X509Certificate[];
  let attestationRoots: X509Certificate[];
  try {
    await store.migrate();
    // A missing master key is only created for a database with no keys sealed under an earlier one.
    const sealedKeys = (await store.serverKeys.list()).length;
    master = loadMasterKey(config.dataDir, process.env, { create: sealedKeys === 0 });
    keys = new ServerKeys(store, master, clock);
    await keys.load();
    smartCardCas = loadCas(config.smartCard.trustedCaFiles);
    attestationRoots = loadAttestationRoots(config.attestation.trustedRootFiles);
  } catch (e) {
    // A failed start must not leave a pool open that keeps the process alive.
    await store.close().catch(() => {});
    throw e;
  }
  const persistent = new StoreSignInRecorder(store, opts.log ?? ((msg, err) => console.error(`openpsso: ${msg}:`, err)), metrics, () => clock.now());
  const observer = opts.observeSignIns;
  const signIns: SignInRecorder = observer
    ? { record: async (e) => { await observer.record(e); await persistent.record(e); }, flush: () => persistent.flush() }
    : persistent;
  return {
    config, urls: endpoints(config), store, clock, master, keys,
    keyCache: new KeyCache(), signIns,
    smartCardCas,
    attestationRoots,
    metrics,
    passwordWork: new PasswordWork({
      concurrency: config.credentialGuard.passwordConcurrency,
      queueLimit: config.credentialGuard.passwordQueueLimit,
      maxWaitMs: config.credentialGuard.passwordMaxWaitMs,
    }, metrics),
  };
}
