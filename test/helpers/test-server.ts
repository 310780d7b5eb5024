// Starts a real OpenPSSO server on loopback over a fresh SQLite file, for end-to-end tests.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { loadConfig } from '../../src/config/load.js';
import { createAppContext } from '../../src/app/bootstrap.js';
import { buildServer } from '../../src/server/build-server.js';
import { seedDemo } from '../../src/app/demo.js';
import type { AppContext } from '../../src/app/context.js';
import { ManualClock, type Clock } from '../../src/app/clock.js';
import { MemorySignInRecorder } from '../../src/app/sign-in-events.js';
import { freePort } from './ports.js';

export interface TestServer {
  ctx: AppContext;
  app: FastifyInstance;
  url: string;
  dataDir: string;
  orgId: string;
  registrationToken: string;
  signIns: MemorySignInRecorder;
  close(): Promise<void>;
}

export interface TestServerOptions {
  overrides?: Record<string, unknown>;
  clock?: Clock;
  /** Receives the server's log lines (JSON) at level info and above; silent otherwise. */
  logStream?: NodeJS.WritableStream;
  /** Adds test-only routes before the server listens. */
  beforeListen?: (app: FastifyInstance, ctx: AppContext) => void | Promise<void>;
}


/** Binds port 0 first, then builds the context with the real issuer URL (the `aud` Macs sign). */
export async function startTestServer(opts: TestServerOptions = {}): Promise<TestServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'openpsso-test-'));
  const port = await freePort();
  const issuer = `http://127.0.0.1:${port}`;
  const config = loadConfig({ env: {}, overrides: { dataDir, issuer, demo: true, listen: { host: '127.0.0.1', port }, log: { level: 'silent' }, ...opts.overrides } });
  const signIns = new MemorySignInRecorder(10_000);
  const ctx = await createAppContext(config, { clock: opts.clock ?? new ManualClock(Date.now()), observeSignIns: signIns });
  const seed = await seedDemo(ctx);
  const app = await buildServer(ctx, opts.logStream ? { logLevel: 'info', logStream: opts.logStream } : { logLevel: 'silent' });
  await opts.beforeListen?.(app, ctx);
  await app.listen({ host: '127.0.0.1', port });
  return {
    ctx, app, url: issuer, dataDir, orgId: seed.orgId, registrationToken: seed.registrationToken!, signIns,
    async close() {
      await app.close();
      await ctx.signIns.flush?.();
      await ctx.store.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * A second instance of `first`'s deployment, as behind a load balancer: its own process state (AppContext,
 * Fastify, port) over the same database, master key (data dir) and public issuer, so a Mac's requests and
 * admin tokens are valid on both. `url` is where this instance listens; `issuer` stays the first one's URL.
 * Closing it leaves the shared data dir to `first`.
 */
export async function startPeerServer(first: TestServer, opts: TestServerOptions = {}): Promise<TestServer> {
  const port = await freePort();
  const config = loadConfig({ env: {}, overrides: {
    dataDir: first.dataDir, issuer: first.url, demo: true, listen: { host: '127.0.0.1', port }, log: { level: 'silent' }, ...opts.overrides,
  } });
  const signIns = new MemorySignInRecorder(10_000);
  const ctx = await createAppContext(config, { clock: opts.clock ?? new ManualClock(Date.now()), observeSignIns: signIns });
  const app = await buildServer(ctx, { logLevel: 'silent' });
  await app.listen({ host: '127.0.0.1', port });
  return {
    ctx, app, url: `http://127.0.0.1:${port}`, dataDir: first.dataDir, orgId: first.orgId, registrationToken: first.registrationToken, signIns,
    async close() {
      await app.close();
      await ctx.store.close();
    },
  };
}
