// `openpsso bench`: starts the identity provider in a child process (pinned to one core when taskset is
// available), drives concurrent virtual Macs against it from this process (pinned to the other core),
// and prints throughput, p50/p99 latency and server memory per operation, next to the raw
// elliptic-curve limit of the same operation measured in the same run, on the server's core.
// Figures are printed, never asserted.

import { fork, execFileSync, type ChildProcess } from 'node:child_process';
import { cpus, loadavg, totalmem } from 'node:os';
import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import { DEMO_PASSWORD } from '../app/demo.js';
import { BenchMac, type Prepared } from './mac.js';
import { startAttack, ATTACKER_ADDRESS, type AttackTally } from './abuse.js';
import type { GuardCost } from './guard-cost.js';
import type { HttpReply } from './http.js';
import { changePct, summarise, type LatencySummary } from './stats.js';
import { describeCost, meanRates, PRIMITIVE_LABEL, rawLimit, type Primitive, type RawMeasurement, type RawRates } from './raw-crypto.js';
import type { ServerStats } from './server-process.js';
import type { BulkResult } from './bulk-devices.js';
import { benchSsoBrowse, renderSsoBench, type SsoBenchFigures } from './sso-browse.js';

// ---------------------------------------------------------------------------------------------------
// Options

export interface BenchOptions {
  quick: boolean;
  macs: number;
  /** Measured seconds per phase. */
  duration: number;
  /** Warm-up seconds before each phase. */
  warmup: number;
  /** Seconds per primitive in the raw crypto measurement (taken at the start and again at the end). */
  rawSeconds: number;
  /** Registered devices for the "small" side of the device-count test. */
  baseDevices: number;
  /** Registered devices for the "large" side. */
  devices: number;
  json: boolean;
  pin: boolean;
  /** Directory for a V8 CPU profile of the server process (node --cpu-prof), written when it exits. */
  profileDir?: string;
  /** Run one step alone instead of the whole bench ('import', or 'sso': the mac browse round trip). */
  only?: 'import' | 'sso';
  /** Users per import run (--only import). */
  importUsers: number;
}

const USAGE = `openpsso bench [options]

Starts the identity provider in a child process on 127.0.0.1 (fresh SQLite file in a temporary
directory), drives concurrent virtual Macs against it, and prints per operation the throughput,
p50/p99 latency, server CPU and memory, and the ratio to the operation's raw elliptic-curve limit
measured in the same run. Figures are printed, never asserted.

Options:
  --quick           small counts for a smoke run (under 30 s)
  --macs N          concurrent virtual Macs (default 50)
  --duration S      measured seconds per phase (default 5; quick 0.8)
  --warmup S        warm-up seconds per phase (default 1; quick 0.2)
  --devices N       registered devices for the device-count test (default 100000; quick 10000)
  --no-pin          do not pin server and load generator to separate cores with taskset
  --json            print the results as JSON
  --server-cpu-prof DIR  write a V8 CPU profile of the server process to DIR (open in Chrome DevTools)
  --only import     run only the user-import step: import --import-users users (default 10000; quick 1000)
                    in temporary-pass mode and in password mode (argon2id per user), in this process
  --import-users N  users per import run
  --only sso        run only the SSO step: registered virtual Macs doing \`mac browse\` round trips to an app
  -h, --help        this text
`;

function parseOnly(v: string): 'import' | 'sso' {
  if (v !== 'import' && v !== 'sso') throw new Error(`--only takes: import, sso (not ${JSON.stringify(v)})`);
  return v;
}

export function parseBenchArgs(argv: string[]): BenchOptions | 'help' {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean', default: false },
      macs: { type: 'string' },
      duration: { type: 'string' },
      warmup: { type: 'string' },
      devices: { type: 'string' },
      'raw-seconds': { type: 'string' },
      'no-pin': { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      'server-cpu-prof': { type: 'string' },
      only: { type: 'string' },
      'import-users': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) return 'help';
  const quick = values.quick === true;
  const num = (name: string, v: string | undefined, dflt: number, min: number, max: number): number => {
    if (v === undefined) return dflt;
    const n = Number(v);
    if (!Number.isFinite(n) || n < min || n > max) throw new Error(`--${name} must be a number between ${min} and ${max}`);
    return n;
  };
  return {
    quick,
    macs: Math.round(num('macs', values.macs, quick ? 10 : 50, 1, 500)),
    duration: num('duration', values.duration, quick ? 0.8 : 5, 0.2, 60),
    warmup: num('warmup', values.warmup, quick ? 0.2 : 1, 0, 30),
    rawSeconds: num('raw-seconds', values['raw-seconds'], quick ? 0.15 : 1.5, 0.05, 10),
    baseDevices: 100,
    devices: Math.round(num('devices', values.devices, quick ? 10_000 : 100_000, 100, 1_000_000)),
    json: values.json === true,
    pin: values['no-pin'] !== true,
    ...(values['server-cpu-prof'] ? { profileDir: values['server-cpu-prof'] } : {}),
    ...(values.only !== undefined ? { only: parseOnly(values.only) } : {}),
    importUsers: Math.round(num('import-users', values['import-users'], quick ? 1000 : 10_000, 1, 100_000)),
  };
}

// ---------------------------------------------------------------------------------------------------
// The server child process

interface Ready { type: 'ready'; url: string; registrationToken: string; orgId: string; pid: number }

class ServerHandle {
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  constructor(readonly child: ChildProcess, readonly ready: Ready) {
    child.on('message', (m: { id?: number; result?: unknown; error?: string }) => {
      if (m.id === undefined) return;
      const w = this.waiting.get(m.id);
      if (!w) return;
      this.waiting.delete(m.id);
      if (m.error !== undefined) w.reject(new Error(`server process: ${m.error}`));
      else w.resolve(m.result);
    });
    child.on('exit', (code) => {
      for (const w of this.waiting.values()) w.reject(new Error(`server process exited (${code})`));
      this.waiting.clear();
    });
  }

  call<T>(cmd: string, extra: Record<string, unknown> = {}): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.waiting.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.child.send({ id, cmd, ...extra });
    });
  }

  stats(): Promise<ServerStats> { return this.call<ServerStats>('stats'); }

  async close(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise<void>((r) => this.child.once('exit', () => r()));
    try {
      await Promise.race([this.call('exit'), new Promise((r) => setTimeout(r, 5000))]);
    } catch { /* already gone */ }
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  }
}

async function startServer(profileDir?: string): Promise<ServerHandle> {
  // Run the sibling module with this module's own extension: .js from dist/, .ts under tsx.
  const self = fileURLToPath(import.meta.url);
  const script = fileURLToPath(new URL(`./server-process${extname(self)}`, import.meta.url));
  const execArgv = [...process.execArgv, ...(profileDir ? ['--cpu-prof', '--cpu-prof-dir', profileDir] : [])];
  const child = fork(script, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv });
  const ready = await new Promise<Ready>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('server process did not start within 60 s')), 60_000);
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`server process exited during start-up (${code})`)));
    child.on('message', (m: Ready) => {
      if (m && m.type === 'ready') { clearTimeout(timer); resolve(m); }
    });
  });
  child.removeAllListeners('exit');
  child.removeAllListeners('error');
  return new ServerHandle(child, ready);
}

// ---------------------------------------------------------------------------------------------------
// Core pinning (Linux taskset): server on core 0, load generator on core 1.

interface Pinning { server: string; bench: string; restore?: () => void }

function pinCores(serverPid: number, enabled: boolean): Pinning {
  const n = cpus().length;
  if (!enabled) return { server: 'not pinned (--no-pin)', bench: 'not pinned' };
  if (n < 2) return { server: 'not pinned (one core)', bench: 'not pinned' };
  try {
    execFileSync('taskset', ['-a', '-cp', '0', String(serverPid)], { stdio: 'ignore' });
    execFileSync('taskset', ['-a', '-cp', `1-${n - 1}`, String(process.pid)], { stdio: 'ignore' });
    return {
      server: 'core 0 (taskset, all threads)',
      bench: n === 2 ? 'core 1' : `cores 1-${n - 1}`,
      restore: () => { try { execFileSync('taskset', ['-a', '-cp', `0-${n - 1}`, String(process.pid)], { stdio: 'ignore' }); } catch { /* best effort */ } },
    };
  } catch {
    return { server: 'not pinned (taskset unavailable)', bench: 'not pinned' };
  }
}

/** The core the server is pinned to (for /proc/stat accounting), or undefined when not pinned. */
let serverCore: number | undefined;

/** Busy time of one core from /proc/stat, in microseconds (Linux; undefined elsewhere). */
function coreBusyMicros(core: number | undefined): number | undefined {
  if (core === undefined) return undefined;
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n').find((l) => l.startsWith(`cpu${core} `));
    if (!line) return undefined;
    const f = line.trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal: busy = all but idle and iowait, in USER_HZ (100/s).
    const busy = f.slice(0, 8).reduce((a, b) => a + b, 0) - (f[3] ?? 0) - (f[4] ?? 0);
    return busy * 10_000;
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------------------------------------------
// Load phases

export interface PhaseResult {
  key: string;
  name: string;
  macs: number;
  requests: number;
  errors: number;
  firstError?: string;
  seconds: number;
  throughput: number;
  latency: LatencySummary;
  serverCpuPct: number;
  clientCpuPct: number;
  /** CPU taken on the server's core by other processes on the machine during the phase. */
  otherOnServerCorePct?: number;
  serverRssMiB: number;
  devices: number;
  /** Server CPU seconds (all its threads) spent in the measured part. */
  serverCpuSeconds: number;
  /** Share of that CPU by thread kind (main, libuv pool, V8 workers ...), in percent. */
  serverThreads: Record<string, number>;
  /** Successful requests (or flows) per second of server CPU time: what one fully available core would do. */
  perCpuSecond: number;
  rawOp?: string;
  rawLimit?: number;
  ratio?: number;
  verified: number;
}

interface LoopOptions {
  durationMs: number;
  warmupMs: number;
  /** Mean think time between a Mac's requests (exponential), for paced load; 0 = back to back. */
  thinkMs?: number;
}

/** One unit of work for one Mac; returns the reply to check (status 200) and optionally keep. */
type Op = (mac: BenchMac) => Promise<{ reply: HttpReply; prepared?: Prepared }>;

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const expRandom = (mean: number) => -Math.log(1 - Math.random()) * mean;

interface LoopResult {
  latencies: number[];
  errors: number;
  firstError?: string;
  seconds: number;
  serverCpuPct: number;
  clientCpuPct: number;
  stats: ServerStats;
  serverCpuSeconds: number;
  serverThreads: Record<string, number>;
  /** CPU used on the server's core by processes other than the server during the phase (other work on the machine). */
  otherOnServerCorePct?: number;
  /** First good reply of each Mac, opened after the phase to check the response really decrypts. */
  samples: { mac: BenchMac; reply: HttpReply; prepared: Prepared }[];
}

async function closedLoop(server: ServerHandle, macs: BenchMac[], o: LoopOptions, op: Op, hasMore: (m: BenchMac) => boolean = () => true, onOk?: (m: BenchMac, r: HttpReply, p: Prepared | undefined) => void): Promise<LoopResult> {
  const think = o.thinkMs ?? 0;
  // Warm-up: same traffic, not recorded.
  if (o.warmupMs > 0) {
    const end = performance.now() + o.warmupMs;
    await Promise.all(macs.map(async (mac) => {
      if (think) await sleep(Math.random() * think);
      while (performance.now() < end && hasMore(mac)) {
        try {
          const { reply, prepared } = await op(mac);
          if (reply.status === 200 && onOk) onOk(mac, reply, prepared);
        } catch { /* counted in the measured part only */ }
        if (think) await sleep(expRandom(think));
      }
    }));
  }
  const latencies: number[] = [];
  let errors = 0;
  let firstError: string | undefined;
  const samples: LoopResult['samples'] = [];
  const sampled = new Set<BenchMac>();
  const s0 = await server.stats();
  const core0 = coreBusyMicros(serverCore);
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const end = t0 + o.durationMs;
  await Promise.all(macs.map(async (mac) => {
    if (think) await sleep(Math.random() * think);
    while (performance.now() < end && hasMore(mac)) {
      const start = performance.now();
      try {
        const { reply, prepared } = await op(mac);
        latencies.push(performance.now() - start);
        if (reply.status !== 200) {
          errors++;
          firstError ??= `${reply.status} ${reply.text.slice(0, 200)}`;
        } else {
          if (prepared && !sampled.has(mac)) { sampled.add(mac); samples.push({ mac, reply, prepared }); }
          if (onOk) onOk(mac, reply, prepared);
        }
      } catch (e) {
        errors++;
        firstError ??= (e as Error).message;
      }
      if (think) await sleep(expRandom(think));
    }
  }));
  const t1 = performance.now();
  const c1 = process.cpuUsage(c0);
  const core1 = coreBusyMicros(serverCore);
  const s1 = await server.stats();
  const wallMicros = (t1 - t0) * 1000;
  const other = core0 !== undefined && core1 !== undefined ? Math.max(0, ((core1 - core0) - (s1.cpuMicros - s0.cpuMicros)) / wallMicros * 100) : undefined;
  return {
    latencies, errors, ...(firstError !== undefined ? { firstError } : {}), seconds: (t1 - t0) / 1000,
    serverCpuPct: ((s1.cpuMicros - s0.cpuMicros) / wallMicros) * 100,
    clientCpuPct: ((c1.user + c1.system) / wallMicros) * 100,
    serverCpuSeconds: (s1.cpuMicros - s0.cpuMicros) / 1e6,
    serverThreads: threadShares(s0.threadCpuMicros, s1.threadCpuMicros),
    stats: s1, samples, ...(other !== undefined ? { otherOnServerCorePct: other } : {}),
  };
}

function toPhase(key: string, name: string, macs: number, r: LoopResult, rawOp?: string): PhaseResult {
  const latency = summarise(r.latencies);
  const ok = r.latencies.length - r.errors;
  const throughput = ok / r.seconds;
  let verified = 0;
  for (const s of r.samples) {
    try { s.mac.open(s.reply, s.prepared); verified++; } catch { /* reported as verified < macs */ }
  }
  return {
    key, name, macs, requests: r.latencies.length, errors: r.errors, ...(r.firstError !== undefined ? { firstError: r.firstError } : {}),
    seconds: r.seconds, throughput, latency, serverCpuSeconds: r.serverCpuSeconds, serverThreads: r.serverThreads, perCpuSecond: ok / r.serverCpuSeconds,
    serverCpuPct: r.serverCpuPct, clientCpuPct: r.clientCpuPct,
    ...(r.otherOnServerCorePct !== undefined ? { otherOnServerCorePct: r.otherOnServerCorePct } : {}),
    serverRssMiB: r.stats.rss / 1048576, devices: r.stats.devices,
    ...(rawOp ? { rawOp } : {}),
    verified,
  };
}

function threadShares(a: Record<string, number>, b: Record<string, number>): Record<string, number> {
  const d: Record<string, number> = {};
  let total = 0;
  for (const [k, v] of Object.entries(b)) { d[k] = Math.max(0, v - (a[k] ?? 0)); total += d[k]!; }
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(d)) if (total > 0 && v > 0) out[k] = (v / total) * 100;
  return out;
}

/** Sets the raw limit and the ratio: requests per server CPU-second over the crypto's ops per CPU-second. */
function applyRaw(p: PhaseResult, rates: RawRates): void {
  const limit = p.rawOp ? rawLimit(p.rawOp, rates) : undefined;
  if (limit === undefined) return;
  p.rawLimit = limit;
  p.ratio = p.perCpuSecond / limit;
}

/**
 * Pre-builds each Mac's requests for a token-request-only phase: fetches a fresh server nonce per
 * request and signs the request (the Mac's crypto happens here, before the clock starts), so the
 * measured phase is the server doing nothing but that operation.
 */
async function buildPools(macs: BenchMac[], perMac: (m: BenchMac) => number, build: (m: BenchMac, nonce: string) => Prepared): Promise<Map<BenchMac, Prepared[]>> {
  const pools = new Map<BenchMac, Prepared[]>();
  await Promise.all(macs.map(async (mac) => {
    const n = perMac(mac);
    const pool: Prepared[] = [];
    for (let i = 0; i < n; i++) pool.push(build(mac, await mac.nonce()));
    pools.set(mac, pool);
  }));
  return pools;
}

// ---------------------------------------------------------------------------------------------------
// Output

const fmt = (n: number | undefined, digits = 0) => (n === undefined || !Number.isFinite(n) ? '-' : n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits }));

function table(headers: string[], rows: string[][], alignLeft = 1): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => (i < alignLeft ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd();
  return [line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

export interface BenchReport {
  date: string;
  /** `mac browse` round trips (bench/sso-browse.ts). */
  sso?: SsoBenchFigures;
  machine: {
    cpu: string; cores: number; memoryGiB: number; node: string; platform: string; serverPinning: string; benchPinning: string;
    /** 1-minute load average when the run started and ended: other work on the machine skews every figure. */
    loadAverageBefore: number; loadAverageAfter: number;
  };
  options: BenchOptions;
  raw: {
    measuredIn: string;
    /** Mean of start and end, ops per CPU-second: the basis of every ratio. */
    rates: RawRates;
    start: RawMeasurement;
    end: RawMeasurement;
    limits: Record<string, number>;
  };
  phases: PhaseResult[];
  deviceCount?: {
    small: { devices: number; seLogin: PhaseResult; keyExchange: PhaseResult };
    bulk: BulkResult;
    large: { devices: number; seLogin: PhaseResult; keyExchange: PhaseResult };
  };
  serverPeakRssMiB: number;
  abuse?: {
    attacker: AttackTally & { address: string; concurrency: number };
    /** Server counters (metrics) during the attack phases: guard refusals, password work turned away, log rows aggregated. */
    counters: Record<string, number>;
    pairs: { quiet: PhaseResult; attacked: PhaseResult }[];
  };
  /** Rows added per table between the end of set-up and the end of the abuse phases, per million HTTP requests answered. */
  growth?: { requests: number; tables: { table: string; rows: number; perMillion: number }[] };
  aims: { aim: string; figure: string; met: boolean }[];
}

function renderReport(r: BenchReport): string {
  const out: string[] = [];
  out.push(`OpenPSSO benchmark  ${r.date}`);
  out.push(`machine   ${r.machine.cpu}, ${r.machine.cores} cores, ${fmt(r.machine.memoryGiB, 1)} GiB, Node ${r.machine.node} (${r.machine.platform})`);
  out.push(`server    child process, ${r.machine.serverPinning}; SQLite (WAL) in a temp dir; log level silent`);
  out.push(`macs      load generator in this process, ${r.machine.benchPinning}; ${r.options.macs} concurrent virtual Macs, one keep-alive HTTP/1.1 connection each`);
  out.push(`phases    ${r.options.warmup} s warm-up + ${r.options.duration} s measured each${r.options.quick ? ' (--quick)' : ''}`);
  out.push(`load      1-min load average ${fmt(r.machine.loadAverageBefore, 2)} at start, ${fmt(r.machine.loadAverageAfter, 2)} at end (2.0 = both cores busy)`);
  out.push('');
  out.push(`Raw crypto, node:crypto tight loop, ${r.options.rawSeconds} s per primitive, in ${r.raw.measuredIn}, at the start and at the end of the run.`);
  out.push('ops per CPU-second (the basis of the ratios; immune to other processes taking the core) and per wall-second:');
  out.push(table(['primitive', 'ops/CPU-s start', 'end', 'mean', 'µs CPU/op', 'ops/wall-s start', 'end'], (Object.keys(r.raw.rates) as Primitive[]).map((p) => [
    PRIMITIVE_LABEL[p], fmt(r.raw.start.cpu[p]), fmt(r.raw.end.cpu[p]), fmt(r.raw.rates[p]), fmt(1e6 / r.raw.rates[p], 1), fmt(r.raw.start.wall[p]), fmt(r.raw.end.wall[p]),
  ])));
  out.push('');
  out.push('Raw limit per operation (one core doing nothing but that crypto):');
  out.push(table(['operation', 'server crypto per request', 'limit req/CPU-s'], Object.entries(r.raw.limits).map(([op, l]) => [op, describeCost(op), fmt(l)])));
  out.push('');
  out.push('Load. Latency in ms as the Mac sees it (per request, or per flow where stated); req/s = successful requests (flows)');
  out.push('per wall second; srv CPU = server process (all threads) on its core; other = other processes on that core; gen CPU =');
  out.push('load generator; req/CPU-s = successful requests per server CPU-second; ratio = req/CPU-s / raw limit per CPU-second.');
  const rows = r.phases.map((p) => [
    p.name, String(p.macs), fmt(p.requests), fmt(p.errors), fmt(p.throughput), fmt(p.latency.p50, 2), fmt(p.latency.p99, 2),
    `${fmt(p.serverCpuPct)}%`, p.otherOnServerCorePct !== undefined ? `${fmt(p.otherOnServerCorePct)}%` : '-', `${fmt(p.clientCpuPct)}%`, fmt(p.serverRssMiB, 1),
    fmt(p.perCpuSecond), p.rawLimit !== undefined ? fmt(p.rawLimit) : 'n/a',
    p.ratio !== undefined ? `${fmt(p.ratio * 100, 1)}%` : 'n/a',
  ]);
  out.push(table(['operation', 'macs', 'requests', 'errors', 'req/s', 'p50', 'p99', 'srv CPU', 'other', 'gen CPU', 'srv RSS MiB', 'req/CPU-s', 'raw limit', 'ratio'], rows));
  out.push('');
  out.push('Server CPU per request (µs of server CPU, all threads) and its split between the JavaScript main thread and the rest');
  out.push('(libuv pool: argon2id, WebCrypto; V8 GC workers):');
  out.push(table(['operation', 'CPU µs/req', 'raw crypto µs', 'main thread', 'pool+GC'], r.phases.map((p) => [
    p.name, fmt(1e6 / p.perCpuSecond), p.rawLimit !== undefined ? fmt(1e6 / p.rawLimit) : '-', `${fmt(p.serverThreads.main ?? 0)}%`,
    `${fmt(100 - (p.serverThreads.main ?? 0))}%`,
  ])));
  const errs = r.phases.filter((p) => p.firstError);
  for (const p of errs) out.push(`  ${p.name}: first error: ${p.firstError}`);
  const checked = r.phases.filter((p) => p.key !== 'nonce');
  const unverified = checked.filter((p) => p.verified < p.macs);
  if (unverified.length === 0) out.push(`  replies checked: the first 200 reply of every Mac in every phase opened (ECDH-ES/A256GCM to the Mac's key, apv matched)`);
  for (const p of unverified) out.push(`  ${p.name}: only ${p.verified} of ${p.macs} sampled replies could be opened`);
  if (r.deviceCount) {
    const d = r.deviceCount;
    out.push('');
    out.push(`Device count (same ${r.options.macs} Macs, token request only; the large side bulk-inserted ${fmt(d.bulk.inserted)} devices with a`);
    out.push(`Secure Enclave registration and a refresh token each, straight into the SQLite file in ${fmt(d.bulk.seconds, 1)} s):`);
    const pct = (x: number) => `${x >= 0 ? '+' : ''}${fmt(x, 1)}%`;
    const row = (label: string, a: PhaseResult, b: PhaseResult) => [
      label, fmt(a.latency.p50, 2), fmt(b.latency.p50, 2), pct(changePct(a.latency.p50, b.latency.p50)),
      fmt(a.latency.p99, 2), fmt(b.latency.p99, 2), fmt(a.throughput), fmt(b.throughput),
      fmt(1e6 / a.perCpuSecond), fmt(1e6 / b.perCpuSecond), pct(changePct(1e6 / a.perCpuSecond, 1e6 / b.perCpuSecond)),
      `${fmt(a.otherOnServerCorePct)}% / ${fmt(b.otherOnServerCorePct)}%`,
    ];
    const S = fmt(d.small.devices);
    const L = fmt(d.large.devices);
    out.push(table(['operation', `p50 @${S}`, `p50 @${L}`, 'change', `p99 @${S}`, `p99 @${L}`, `req/s @${S}`, `req/s @${L}`, `CPU µs/req @${S}`, `@${L}`, 'change', 'other on srv core'], [
      row('Secure Enclave login', d.small.seLogin, d.large.seLogin),
      row('key exchange', d.small.keyExchange, d.large.keyExchange),
    ]));
  }
  if (r.abuse) {
    const a = r.abuse;
    out.push('');
    out.push(`Abuse: the same paced legitimate traffic quiet and while one registered Mac on ${a.attacker.address} keeps ${a.attacker.concurrency} wrong-password`);
    out.push(`logins in flight (each with its own nonce; half at the demo users, half at made-up names). Latency in ms.`);
    out.push(table(['legitimate traffic', 'p50 quiet', 'p50 attack', 'p99 quiet', 'p99 attack', 'p99 x', 'req/s quiet', 'req/s attack', 'errors attack'], a.pairs.map(({ quiet, attacked }) => [
      quiet.name, fmt(quiet.latency.p50, 2), fmt(attacked.latency.p50, 2), fmt(quiet.latency.p99, 2), fmt(attacked.latency.p99, 2),
      fmt(attacked.latency.p99 / quiet.latency.p99, 2), fmt(quiet.throughput), fmt(attacked.throughput), fmt(attacked.errors),
    ])));
    out.push(`  attacker: ${fmt(a.attacker.requests)} logins in ${fmt(a.attacker.seconds, 1)} s (${fmt(a.attacker.requests / a.attacker.seconds)}/s), ${fmt(a.attacker.errors)} transport errors; answers: ${Object.entries(a.attacker.answers).sort((x, y) => y[1] - x[1]).map(([k, v]) => `${k} x${fmt(v)}`).join(', ')}`);
    out.push(`  server counters during the attack: ${Object.entries(a.counters).filter(([, v]) => v !== 0).map(([k, v]) => `${k.replace(/^openpsso_/, '')} +${fmt(v)}`).join(', ') || 'none moved'}`);
  }
  if (r.sso) {
    out.push('');
    out.push(renderSsoBench(r.sso));
  }
  if (r.growth) {
    out.push('');
    out.push(`Table growth over ${fmt(r.growth.requests)} HTTP requests (set-up excluded), per million requests (what retention must purge):`);
    out.push(table(['table', 'rows added', 'per million requests'], r.growth.tables.filter((t) => t.rows !== 0).map((t) => [t.table, fmt(t.rows), fmt(t.perMillion)])));
  }
  out.push('');
  out.push(`Server peak RSS (VmHWM): ${fmt(r.serverPeakRssMiB, 1)} MiB`);
  out.push('');
  out.push('Aims (printed, not asserted):');
  for (const a of r.aims) out.push(`  [${a.met ? 'met' : 'NOT met'}] ${a.aim}: ${a.figure}`);
  return out.join('\n');
}

// ---------------------------------------------------------------------------------------------------
// SSO from the Mac (bench/sso-browse.ts): at most 20 registered Macs, one user each, back to back.

async function ssoPhase(server: ServerHandle, opts: BenchOptions, users: string[]): Promise<SsoBenchFigures> {
  const app = await server.call<{ clientId: string; clientSecret?: string; opIssuer: string }>('ssoapp', {});
  return benchSsoBrowse({
    issuer: server.ready.url, registrationToken: server.ready.registrationToken, ...app,
    users: users.slice(0, Math.min(20, opts.macs)), password: DEMO_PASSWORD, durationMs: opts.duration * 1000, warmupMs: opts.warmup * 1000,
  });
}

/** `--only sso`: the server process and the SSO step alone. */
async function runSsoOnly(opts: BenchOptions, log: (s: string) => void): Promise<SsoBenchFigures> {
  const server = await startServer(opts.profileDir);
  const pin = pinCores(server.ready.pid, opts.pin);
  try {
    log(`server ${server.ready.url} (pid ${server.ready.pid}), ${pin.server}; SSO round trips`);
    const users = await server.call<string[]>('users', { count: Math.min(20, opts.macs) });
    return await ssoPhase(server, opts, users);
  } finally {
    await server.close();
    pin.restore?.();
  }
}

// ---------------------------------------------------------------------------------------------------
// The run

export async function runBenchReport(opts: BenchOptions, log: (s: string) => void): Promise<BenchReport> {
  const t0 = performance.now();
  const step = (s: string) => log(`[bench ${((performance.now() - t0) / 1000).toFixed(1).padStart(5)}s] ${s}`);
  step('starting the server process');
  const server = await startServer(opts.profileDir);
  const pin = pinCores(server.ready.pid, opts.pin);
  serverCore = pin.restore ? 0 : undefined;
  const loadBefore = loadavg();
  const macs: BenchMac[] = [];
  const idle: BenchMac[] = [];
  try {
    const url = server.ready.url;
    const rt = server.ready.registrationToken;
    step(`server ${url} (pid ${server.ready.pid}), ${pin.server}; measuring raw crypto on that core`);
    const rawStart = await server.call<RawMeasurement>('crypto', { seconds: opts.rawSeconds });
    // Upper bounds for sizing the pre-built request pools (the final limits use start and end).
    const limits: Record<string, number> = {};
    for (const op of ['se_login', 'refresh', 'key_exchange', 'password_login']) limits[op] = rawLimit(op, rawStart.cpu)!;

    // Register the devices: the active Macs plus idle ones up to the small device count.
    const total = Math.max(opts.baseDevices, opts.macs);
    step(`registering ${total} devices (${opts.macs} active) and a Secure Enclave user on each active Mac`);
    for (let i = 0; i < total; i++) (i < opts.macs ? macs : idle).push(new BenchMac(url));
    for (let i = 0; i < total; i += 25) await Promise.all([...macs, ...idle].slice(i, i + 25).map((m) => m.register(rt)));
    for (const m of idle) m.close();
    const benchUsers = await server.call<string[]>('users', { count: macs.length });
    for (let i = 0; i < macs.length; i += 10) {
      await Promise.all(macs.slice(i, i + 10).map((m, j) => m.registerSecureEnclaveUser(rt, benchUsers[i + j]!, DEMO_PASSWORD)));
    }

    const loop: LoopOptions = { durationMs: opts.duration * 1000, warmupMs: opts.warmup * 1000 };
    const phases: PhaseResult[] = [];
    const rowsAtStart = await server.call<Record<string, number>>('tables', {});
    const requestsAtStart = (await server.stats()).requests;
    // Pre-built pools: enough for the phase at the best rate seen so far (never above the raw limit),
    // so building them (one nonce each) does not take longer than the phase.
    const seen: Record<string, number> = {};
    const perMacFor = (op: string, estimate?: number) => {
      const rate = Math.min(limits[op]! * 1.1, (estimate ?? seen[op] ?? limits[op]!) * 1.6);
      return Math.min(20_000, Math.ceil((rate * (opts.duration + opts.warmup)) / macs.length) + 2);
    };

    // 1. Nonce alone.
    step('nonce');
    phases.push(toPhase('nonce', 'nonce (srv_challenge)', macs.length,
      await closedLoop(server, macs, loop, async (m) => ({ reply: await m.http.post('/psso/token', 'grant_type=srv_challenge') }))));

    // 2. Password login, full flow: nonce then login. argon2id dominates.
    step('password login (nonce + login)');
    phases.push(toPhase('password_login', 'password login (nonce+login flow)', macs.length,
      await closedLoop(server, macs, loop, async (m) => {
        const p = m.passwordLogin(await m.nonce(), m.username, DEMO_PASSWORD);
        return { reply: await m.send(p), prepared: p };
      }), 'password_login'));

    // 3. Secure Enclave login, full flow as a Mac does it: nonce, sign request + assertion, login.
    step('Secure Enclave login (nonce + login)');
    phases.push(toPhase('se_login_flow', 'SE login (nonce+login flow)', macs.length,
      await closedLoop(server, macs, loop, async (m) => {
        const p = m.secureEnclaveLogin(await m.nonce());
        return { reply: await m.send(p), prepared: p };
      }), 'se_login'));

    // Token-request-only phases: pre-built requests, so the server does nothing else.
    const pooled = async (key: string, name: string, rawOp: string, perMac: number, build: (m: BenchMac, nonce: string) => Prepared, o: LoopOptions = loop, onOk?: (m: BenchMac, r: HttpReply, p: Prepared | undefined) => void) => {
      const pools = await buildPools(macs, () => perMac, build);
      const r = await closedLoop(server, macs, o, async (m) => {
        const p = pools.get(m)!.shift()!;
        return { reply: await m.send(p), prepared: p };
      }, (m) => pools.get(m)!.length > 0, onOk);
      const phase = toPhase(key, name, macs.length, r, rawOp);
      seen[rawOp] = Math.max(seen[rawOp] ?? 0, phase.throughput);
      if (pools.get(macs[0]!)!.length === 0) step(`  note: the pre-built requests ran out after ${phase.seconds.toFixed(1)} s`);
      return phase;
    };

    // 4. Secure Enclave login, token request alone. Keeps the replies to harvest refresh tokens.
    step('Secure Enclave login (token request only)');
    const harvested = new Map<BenchMac, { reply: HttpReply; prepared: Prepared }[]>();
    const seFlow = phases.find((p) => p.key === 'se_login_flow')!;
    // A flow is a nonce plus a token request, with the Mac's signing in between: the token request alone runs about twice as fast.
    const sePerMac = perMacFor('se_login', seFlow.throughput * 2);
    const refreshPerMac = sePerMac;
    phases.push(await pooled('se_login', 'SE login (token request)', 'se_login', sePerMac, (m, n) => m.secureEnclaveLogin(n), loop, (m, reply, prepared) => {
      let list = harvested.get(m);
      if (!list) harvested.set(m, (list = []));
      if (list.length < refreshPerMac && prepared) list.push({ reply, prepared });
    }));
    // Open the harvested replies (the Mac's ECDH, off the clock): each one is a live refresh token.
    for (const m of macs) {
      const tokens = (harvested.get(m) ?? []).map(({ reply, prepared }) => m.open(reply, prepared).refresh_token as string);
      if (tokens.length < 2) throw new Error('Secure Enclave login phase produced too few refresh tokens');
      m.keyRefreshToken = tokens.shift()!;
      m.refreshTokens = tokens;
    }

    // 4b. The same token request with five conditional access policies in force (issue 4): all name the
    // Platform SSO app, so each is evaluated on every login; none blocks. Removed again afterwards.
    step('Secure Enclave login (token request only) with five conditional access policies');
    const policyCount = await server.call<number>('policies', { on: true });
    const seCa = await pooled('se_login_ca', `SE login (token request), ${policyCount} CA policies`, 'se_login', sePerMac, (m, n) => m.secureEnclaveLogin(n));
    phases.push(seCa);
    await server.call('policies', { on: false });
    const evaluation = await server.call<{ microsPerEvaluation: number }>('evalcost', {});
    const guardCost = await server.call<GuardCost>('guardcost', {});

    // 5. Refresh, token request alone: each pre-built request spends one of the Mac's refresh tokens.
    step('refresh (token request only)');
    phases.push(await pooled('refresh', 'refresh (token request)', 'refresh', Math.min(...macs.map((m) => m.refreshTokens.length)), (m, n) => m.refresh(n, m.refreshTokens.shift()!)));

    // 6. Key exchange: one key_request per Mac first (mints the unlock key), then exchanges.
    step('key request (once per Mac), then key exchange');
    await Promise.all(macs.map(async (m) => {
      const p = m.keyRequest(await m.nonce());
      const payload = m.open(await m.send(p), p);
      if (typeof payload.certificate !== 'string') throw new Error('key_request returned no certificate');
    }));
    const kx = await pooled('key_exchange', 'key exchange (token request)', 'key_exchange', perMacFor('key_exchange', seen.se_login), (m, n) => m.keyExchange(n));
    phases.push(kx);

    // 7. Key exchange at half the measured capacity, spread over the same Macs with random think time.
    step('key exchange, paced at 50% of capacity');
    const rate = kx.throughput * 0.5;
    const thinkMs = Math.max(0, (macs.length / rate) * 1000 - kx.latency.p50);
    const pacedPerMac = Math.ceil((rate * (opts.duration + opts.warmup) * 1.3) / macs.length) + 2;
    const paced = await pooled('key_exchange_paced', `key exchange, paced ~${fmt(rate)}/s`, 'key_exchange', pacedPerMac, (m, n) => m.keyExchange(n), { ...loop, thinkMs });
    phases.push(paced);

    // 7b. What unlocking Macs look like: each of the Macs asks about once a second (exponential think
    // time), so requests rarely queue and latency is the operation's own, not the queue's.
    step('key exchange, each Mac about once a second');
    const lightPerMac = Math.ceil((opts.duration + opts.warmup) * 1.3) + 2;
    const light = await pooled('key_exchange_light', `key exchange, ${macs.length} Macs ~1/s each`, 'key_exchange', lightPerMac, (m, n) => m.keyExchange(n), { ...loop, thinkMs: 1000 });
    phases.push(light);

    // 7c. Abuse (issue 7): the same paced legitimate traffic quiet, then while an attacker on another
    // network keeps 256 wrong-password logins in flight. Secure Enclave logins and key exchanges at a
    // quarter of their measured capacity; ten Macs each making a password login about once a second.
    step('abuse: paced legitimate traffic, quiet');
    const seRate = seen.se_login! * 0.25;
    const kxRate = kx.throughput * 0.25;
    const thinkFor = (rate: number, p50: number) => Math.max(0, (macs.length / rate) * 1000 - p50);
    const perMacPaced = (rate: number) => Math.ceil((rate * (opts.duration + opts.warmup) * 1.5) / macs.length) + 2;
    const pwdMacs = macs.slice(0, Math.min(10, macs.length));
    const legit = async (suffix: string): Promise<PhaseResult[]> => [
      await pooled(`se_login_paced${suffix}`, `SE login, paced ~${fmt(seRate)}/s${suffix ? ', under attack' : ''}`, 'se_login', perMacPaced(seRate), (m, n) => m.secureEnclaveLogin(n), { ...loop, thinkMs: thinkFor(seRate, 2) }),
      await pooled(`key_exchange_paced25${suffix}`, `key exchange, paced ~${fmt(kxRate)}/s${suffix ? ', under attack' : ''}`, 'key_exchange', perMacPaced(kxRate), (m, n) => m.keyExchange(n), { ...loop, thinkMs: thinkFor(kxRate, 2) }),
      toPhase(`password_login_paced${suffix}`, `password login, ${pwdMacs.length} Macs ~1/s each${suffix ? ', under attack' : ''}`, pwdMacs.length,
        await closedLoop(server, pwdMacs, { ...loop, thinkMs: 1000 }, async (m) => {
          const p = m.passwordLogin(await m.nonce(), m.username, DEMO_PASSWORD);
          return { reply: await m.send(p), prepared: p };
        }), 'password_login'),
    ];
    const quiet = await legit('');
    const metricsBefore = await server.call<Record<string, number>>('metrics', {});
    step('abuse: the same traffic with 256 concurrent wrong-password logins from 127.0.9.1');
    const attack = await startAttack(url, rt, 256);
    await sleep(1000);
    const attacked = await legit('_attack');
    const tally = await attack.stop();
    const metricsAfter = await server.call<Record<string, number>>('metrics', {});
    phases.push(...quiet, ...attacked);
    const rowsAfter = await server.call<Record<string, number>>('tables', {});
    const requestsServed = (await server.stats()).requests - requestsAtStart;
    const growth = Object.keys(rowsAfter).sort().map((t) => ({ table: t, rows: (rowsAfter[t] ?? 0) - (rowsAtStart[t] ?? 0), perMillion: (((rowsAfter[t] ?? 0) - (rowsAtStart[t] ?? 0)) / requestsServed) * 1e6 }));
    const abuse = {
      attacker: { address: ATTACKER_ADDRESS, concurrency: 256, ...tally },
      counters: Object.fromEntries(Object.keys(metricsAfter).map((k) => [k, (metricsAfter[k] ?? 0) - (metricsBefore[k] ?? 0)])),
      pairs: quiet.map((q, i) => ({ quiet: q, attacked: attacked[i]! })),
    };

    // 8. Device count: the same token requests at 100 devices, then at opts.devices.
    step(`device count: Secure Enclave login and key exchange at ${fmt((await server.stats()).devices)} devices`);
    const smallSe = await pooled('se_login', 'SE login (token request)', 'se_login', perMacFor('se_login'), (m, n) => m.secureEnclaveLogin(n));
    const smallKx = await pooled('key_exchange', 'key exchange (token request)', 'key_exchange', perMacFor('key_exchange'), (m, n) => m.keyExchange(n));
    step(`bulk-inserting devices up to ${fmt(opts.devices)}`);
    const bulk = await server.call<BulkResult>('bulk', { target: opts.devices });
    step(`inserted ${fmt(bulk.inserted)} in ${bulk.seconds.toFixed(1)} s; measuring again`);
    const largeSe = await pooled('se_login', 'SE login (token request)', 'se_login', perMacFor('se_login'), (m, n) => m.secureEnclaveLogin(n));
    const largeKx = await pooled('key_exchange', 'key exchange (token request)', 'key_exchange', perMacFor('key_exchange'), (m, n) => m.keyExchange(n));

    // 9. Single sign-on from the Mac to an app: `mac browse` round trips.
    step('SSO: mac browse round trips to an app');
    const sso = await ssoPhase(server, opts, benchUsers);

    const final = await server.stats();
    const loadAfter = loadavg();
    step('measuring raw crypto again');
    const rawEnd = await server.call<RawMeasurement>('crypto', { seconds: opts.rawSeconds });
    const rates = meanRates(rawStart.cpu, rawEnd.cpu);
    for (const op of Object.keys(limits)) limits[op] = rawLimit(op, rates)!;
    for (const p of [...phases, smallSe, smallKx, largeSe, largeKx]) applyRaw(p, rates);
    const se = phases.find((p) => p.key === 'se_login')!;
    const seRatio = se.ratio ?? 0;
    const dSe = changePct(smallSe.latency.p50, largeSe.latency.p50);
    const dKx = changePct(smallKx.latency.p50, largeKx.latency.p50);
    const cSe = changePct(1 / smallSe.perCpuSecond, 1 / largeSe.perCpuSecond);
    const cKx = changePct(1 / smallKx.perCpuSecond, 1 / largeKx.perCpuSecond);
    const seNoCa = phases.find((p) => p.key === 'se_login')!;
    const seCpuMicros = 1e6 / seNoCa.perCpuSecond;
    const evalShare = evaluation.microsPerEvaluation / seCpuMicros;
    const caChange = changePct(1 / seNoCa.perCpuSecond, 1 / seCa.perCpuSecond);
    const [seQ, kxQ, pwQ] = abuse.pairs;
    const p99x = (p: { quiet: PhaseResult; attacked: PhaseResult }) => p.attacked.latency.p99 / p.quiet.latency.p99;
    const aims = [
      { aim: 'credential guard < 5% of a Secure Enclave login (shared lockout and familiar-network reads)', figure: `${fmt(guardCost.assertionMicros, 1)} µs of ${fmt(seCpuMicros)} µs CPU per SE login = ${fmt((guardCost.assertionMicros / seCpuMicros) * 100, 2)}%; a password attempt adds ${fmt(guardCost.passwordFamiliarMicros, 1)} µs (familiar network) or ${fmt(guardCost.passwordUnfamiliarMicros, 1)} µs (unfamiliar: both buckets) to an argon2id verification of ${fmt(1e6 / rates.argon2id_verify)} µs`, met: guardCost.assertionMicros / seCpuMicros < 0.05 },
      { aim: 'Secure Enclave login p99 with 256 concurrent wrong-password logins < 2x quiet', figure: `p99 ${fmt(seQ!.attacked.latency.p99, 1)} ms vs ${fmt(seQ!.quiet.latency.p99, 1)} ms quiet = ${fmt(p99x(seQ!), 2)}x (${seQ!.attacked.errors} errors)`, met: p99x(seQ!) < 2 && seQ!.attacked.errors === 0 },
      { aim: 'key exchange p99 with 256 concurrent wrong-password logins < 2x quiet', figure: `p99 ${fmt(kxQ!.attacked.latency.p99, 1)} ms vs ${fmt(kxQ!.quiet.latency.p99, 1)} ms quiet = ${fmt(p99x(kxQ!), 2)}x (${kxQ!.attacked.errors} errors)`, met: p99x(kxQ!) < 2 && kxQ!.attacked.errors === 0 },
      { aim: 'legitimate password logins still served under attack', figure: `${pwQ!.attacked.requests - pwQ!.attacked.errors} of ${pwQ!.attacked.requests} served, p99 ${fmt(pwQ!.attacked.latency.p99, 1)} ms vs ${fmt(pwQ!.quiet.latency.p99, 1)} ms quiet${pwQ!.attacked.firstError ? `; first error ${pwQ!.attacked.firstError}` : ''}`, met: pwQ!.attacked.errors === 0 && pwQ!.attacked.requests > 0 },
      { aim: 'Secure Enclave login (token request) >= 60% of its raw crypto limit on one core', figure: `${fmt(se.perCpuSecond)} req per server CPU-second of ${fmt(se.rawLimit)} = ${fmt(seRatio * 100, 1)}% (wall: ${fmt(se.throughput)} req/s at ${fmt(se.serverCpuPct)}% server CPU)`, met: seRatio >= 0.6 },
      { aim: `key exchange p99 < 5 ms with ${macs.length} concurrent Macs (saturating, back to back)`, figure: `p99 ${fmt(kx.latency.p99, 2)} ms at ${fmt(kx.throughput)} req/s`, met: kx.latency.p99 < 5 },
      { aim: `key exchange p99 < 5 ms with ${macs.length} concurrent Macs (paced at 50% of capacity)`, figure: `p99 ${fmt(paced.latency.p99, 2)} ms at ${fmt(paced.throughput)} req/s`, met: paced.latency.p99 < 5 },
      { aim: `key exchange p99 < 5 ms with ${macs.length} concurrent Macs (each unlocking about once a second)`, figure: `p99 ${fmt(light.latency.p99, 2)} ms at ${fmt(light.throughput)} req/s`, met: light.latency.p99 < 5 },
      { aim: 'conditional access evaluation < 5% of a Secure Enclave login (5 policies)', figure: `evaluateAccess ${fmt(evaluation.microsPerEvaluation, 1)} µs of ${fmt(seCpuMicros)} µs CPU per SE login = ${fmt(evalShare * 100, 2)}%; whole request with the policies: ${fmt(seCa.throughput)} req/s vs ${fmt(seNoCa.throughput)} without, CPU per request ${caChange >= 0 ? '+' : ''}${fmt(caChange, 1)}%`, met: evalShare < 0.05 },
      { aim: `latency flat (within 10%) between ${fmt(smallSe.devices)} and ${fmt(largeSe.devices)} devices`, figure: `p50 SE login ${dSe >= 0 ? '+' : ''}${fmt(dSe, 1)}%, key exchange ${dKx >= 0 ? '+' : ''}${fmt(dKx, 1)}% (server CPU per request: SE login ${cSe >= 0 ? '+' : ''}${fmt(cSe, 1)}%, key exchange ${cKx >= 0 ? '+' : ''}${fmt(cKx, 1)}%)`, met: Math.abs(dSe) <= 10 && Math.abs(dKx) <= 10 },
    ];
    step(`done in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
    return {
      date: new Date().toISOString(),
      machine: {
        cpu: cpus()[0]?.model.trim() ?? 'unknown', cores: cpus().length, memoryGiB: totalmem() / 1073741824,
        node: process.versions.node, platform: `${process.platform} ${process.arch}`, serverPinning: pin.server, benchPinning: pin.bench,
        loadAverageBefore: loadBefore[0]!, loadAverageAfter: loadAfter[0]!,
      },
      options: opts,
      raw: { measuredIn: `the server process (${pin.server}) while idle`, rates, start: rawStart, end: rawEnd, limits },
      phases,
      deviceCount: {
        small: { devices: smallSe.devices, seLogin: smallSe, keyExchange: smallKx },
        bulk,
        large: { devices: largeSe.devices, seLogin: largeSe, keyExchange: largeKx },
      },
      serverPeakRssMiB: final.peakRss / 1048576,
      abuse,
      growth: { requests: requestsServed, tables: growth },
      aims,
      sso,
    };
  } finally {
    for (const m of macs) m.close();
    await server.close();
    pin.restore?.();
  }
}

export async function runBench(argv: string[]): Promise<number> {
  let opts: BenchOptions | 'help';
  try {
    opts = parseBenchArgs(argv);
  } catch (e) {
    console.error(`openpsso bench: ${(e as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (opts === 'help') {
    console.log(USAGE);
    return 0;
  }
  const o = opts;
  if (o.only === 'sso') {
    const figures = await runSsoOnly(o, (s) => { if (!o.json) console.error(s); });
    console.log(o.json ? JSON.stringify({ sso: figures }, null, 2) : `\n${renderSsoBench(figures)}`);
    return 0;
  }
  if (o.only === 'import') {
    const { benchImport, renderImport } = await import('./import.js');
    const figures = await benchImport(o.importUsers, (s) => { if (!o.json) console.error(s); });
    console.log(o.json ? JSON.stringify({ import: figures }, null, 2) : `\n${renderImport(figures)}`);
    return 0;
  }
  try {
    const report = await runBenchReport(o, (s) => { if (!o.json) console.error(s); });
    console.log(o.json ? JSON.stringify(report, null, 2) : `\n${renderReport(report)}`);
    return 0;
  } catch (e) {
    console.error(`openpsso bench: ${(e as Error).stack ?? String(e)}`);
    return 1;
  }
}
