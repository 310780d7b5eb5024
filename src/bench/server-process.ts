// The server side of `openpsso bench`: a child process that runs the real identity provider on
// 127.0.0.1 over a fresh SQLite file in a temporary data directory (log level silent, demo
// organisation seeded), so it can be pinned to one core apart from the load generator.
// Talks to the parent over the fork IPC channel:
//   child → parent  {type:'ready', url, registrationToken, orgId, pid}
//   parent → child  {id, cmd:'stats'|'crypto'|'bulk'|'exit', ...} → {id, result} or {id, error}

import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import Database from 'better-sqlite3';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../config/load.js';
import { createAppContext } from '../app/bootstrap.js';
import { buildServer } from '../server/build-server.js';
import { seedDemo, DEMO_PASSWORD } from '../app/demo.js';
import { createUser } from '../app/directory.js';
import { createApplication } from '../app/applications.js';
import { measurePrimitives } from './raw-crypto.js';
import { installPolicies, measureEvaluation } from './policy-load.js';
import { bulkInsertDevices } from './bulk-devices.js';
import { measureGuard } from './guard-cost.js';
import { scheduleRetention } from '../app/retention.js';

export interface ServerStats {
  rss: number;
  peakRss: number;
  heapUsed: number;
  cpuMicros: number;
  /** CPU microseconds by thread (Linux /proc/self/task): the main (JavaScript) thread, and the rest (libuv pool, V8 GC workers). */
  threadCpuMicros: Record<string, number>;
  devices: number;
  /** HTTP requests answered since start. */
  requests: number;
}

/** Per-thread CPU time from /proc, grouped by thread name (the main thread is the one whose tid is the pid). */
function threadCpu(): Record<string, number> {
  const out: Record<string, number> = {};
  try {
    for (const tid of readdirSync('/proc/self/task')) {
      let name: string;
      let ticks: number;
      try {
        const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
        const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        ticks = Number(f[11]) + Number(f[12]);
        const comm = readFileSync(`/proc/self/task/${tid}/comm`, 'utf8').trim();
        // Node 20 leaves the libuv pool and V8's GC workers named after the process, so only the main thread stands out.
        name = Number(tid) === process.pid ? 'main' : comm === 'node' ? 'pool+GC' : comm;
      } catch { continue; }
      out[name] = (out[name] ?? 0) + ticks * 10_000;
    }
  } catch { /* not Linux */ }
  return out;
}

export type ControlMessage =
  | { id: number; cmd: 'stats' }
  | { id: number; cmd: 'crypto'; seconds: number; argon2?: boolean }
  | { id: number; cmd: 'bulk'; target: number }
  | { id: number; cmd: 'policies'; on: boolean }
  | { id: number; cmd: 'evalcost' }
  | { id: number; cmd: 'tables' }
  | { id: number; cmd: 'guardcost' }
  | { id: number; cmd: 'users'; count: number }
  | { id: number; cmd: 'ssoapp' }
  | { id: number; cmd: 'metrics' }
  | { id: number; cmd: 'exit' };

function peakRss(): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
    return m ? Number(m[1]) * 1024 : process.memoryUsage().rss;
  } catch {
    return process.memoryUsage().rss;
  }
}

/** Rows per table, for the growth per million requests (what retention has to keep up with). */
function tableRows(file: string): Record<string, number> {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const out: Record<string, number> = {};
    const tables = db.prepare("select name from sqlite_master where type = 'table' and name not like 'sqlite_%' and name not like 'openpsso_migration%'").all() as { name: string }[];
    for (const { name } of tables) out[name] = (db.prepare(`select count(*) as n from "${name}"`).get() as { n: number }).n;
    return out;
  } finally {
    db.close();
  }
}

async function freePort(): Promise<number> {
  const probe = createServer();
  const port: number = await new Promise((resolve) => probe.listen(0, '127.0.0.1', () => resolve((probe.address() as { port: number }).port)));
  await new Promise((r) => probe.close(r));
  return port;
}

async function main(): Promise<void> {
  if (!process.send) throw new Error('server-process must be started with an IPC channel (child_process.fork)');
  const send = (m: unknown) => process.send!(m);
  const dataDir = mkdtempSync(join(tmpdir(), 'openpsso-bench-'));
  // An explicit empty config file, so neither ./openpsso.config.json nor OPENPSSO_* variables leak in.
  const configFile = join(dataDir, 'bench.config.json');
  writeFileSync(configFile, '{}');
  const port = await freePort();
  const issuer = `http://127.0.0.1:${port}`;
  const config = loadConfig({
    file: configFile, env: {},
    // OPENPSSO_BENCH_OVERRIDES (JSON) lets an experiment vary one setting, e.g. {"admission":{"concurrency":4}}.
    overrides: { dataDir, issuer, demo: true, listen: { host: '127.0.0.1', port }, log: { level: 'silent' }, ...JSON.parse(process.env.OPENPSSO_BENCH_OVERRIDES ?? '{}') as object },
  });
  const ctx = await createAppContext(config);
  const seed = await seedDemo(ctx);
  const app = await buildServer(ctx, { logLevel: 'silent' });
  let requests = 0;
  app.addHook('onResponse', async () => { requests++; });
  // As `openpsso serve` does.
  const retention = scheduleRetention(ctx);
  await app.listen({ host: '127.0.0.1', port });

  let closing = false;
  const shutdown = async () => {
    if (closing) return;
    closing = true;
    await retention.stop();
    await app.close().catch(() => undefined);
    await ctx.store.close().catch(() => undefined);
    rmSync(dataDir, { recursive: true, force: true });
  };

  process.on('message', (raw: ControlMessage) => {
    void (async () => {
      try {
        let result: unknown;
        if (raw.cmd === 'stats') {
          const cpu = process.cpuUsage();
          const mem = process.memoryUsage();
          result = {
            rss: mem.rss, peakRss: peakRss(), heapUsed: mem.heapUsed, cpuMicros: cpu.user + cpu.system, threadCpuMicros: threadCpu(),
            devices: await ctx.store.devices.count(seed.orgId), requests,
          } satisfies ServerStats;
        } else if (raw.cmd === 'crypto') {
          result = await measurePrimitives(raw.seconds, raw.argon2 !== false);
        } else if (raw.cmd === 'bulk') {
          result = bulkInsertDevices(join(dataDir, 'openpsso.db'), seed.orgId, raw.target);
        } else if (raw.cmd === 'policies') {
          result = await installPolicies(ctx, seed.orgId, raw.on);
        } else if (raw.cmd === 'evalcost') {
          result = measureEvaluation();
        } else if (raw.cmd === 'users') {
          // One user per benchmark Mac, as in a real fleet: the credential guard throttles one account
          // signing in many times a second, so sharing the three demo users would measure the throttle.
          const names: string[] = [];
          for (let i = 0; i < raw.count; i++) {
            const u = await createUser(ctx, seed.orgId, { userPrincipalName: `bench-user-${i}@demo.openpsso.test`, displayName: `Bench User ${i}`, password: DEMO_PASSWORD });
            names.push(u.userPrincipalName);
          }
          result = names;
        } else if (raw.cmd === 'ssoapp') {
          // The app `mac browse` signs in to (bench/sso-browse.ts), any loopback port. Public (PKCE, no
          // secret), so the figure is single sign-on itself, not the app's client authentication.
          const r = await createApplication(ctx, seed.orgId, { displayName: 'Bench SSO app', clientType: 'public', redirectUris: ['http://127.0.0.1/callback'] });
          result = { clientId: r.app.appId, clientSecret: r.clientSecret, opIssuer: `${issuer}/oidc` };
        } else if (raw.cmd === 'guardcost') {
          result = await measureGuard(ctx, seed.orgId);
        } else if (raw.cmd === 'tables') {
          result = tableRows(join(dataDir, 'openpsso.db'));
        } else if (raw.cmd === 'metrics') {
          // Counters only, summed over labels: what was refused, retried or dropped.
          const out: Record<string, number> = {};
          for (const m of await ctx.metrics.registry.getMetricsAsJSON()) out[m.name] = m.values.reduce((n, v) => n + Number(v.value), 0);
          result = out;
        } else if (raw.cmd === 'exit') {
          await shutdown();
          send({ id: raw.id, result: true });
          process.disconnect();
          return;
        }
        send({ id: raw.id, result });
      } catch (e) {
        send({ id: raw.id, error: e instanceof Error ? e.stack ?? e.message : String(e) });
      }
    })();
  });
  // The parent went away: clean up and leave.
  process.on('disconnect', () => { void shutdown().then(() => process.exit(0)); });

  send({ type: 'ready', url: issuer, registrationToken: seed.registrationToken, orgId: seed.orgId, pid: process.pid });
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
