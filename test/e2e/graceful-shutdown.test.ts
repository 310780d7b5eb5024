// SIGTERM with 50 requests in flight: `openpsso serve --demo` as a child process receives 50
// concurrent password sign-ins (argon2 makes them queue), and once its log shows it has received
// all 50, gets SIGTERM. Each request must either succeed or get a clean 503, never a reset or
// another 5xx; the process must exit 0; and every acknowledged sign-in must have its sign-in log
// row when the database is opened again (the recorder is flushed before the database closes).

import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RawDevice, post, type HttpResult } from '../helpers/raw-device.js';
import { buildPssoForm } from '../../src/protocol/index.js';
import { DEMO_PASSWORD } from '../../src/app/demo.js';
import { openStore } from '../../src/storage/open-store.js';
import { parseSignInFilter } from '../../src/policy/sign-in-filter.js';
import { freePort } from '../helpers/ports.js';
import { CLI_ARGS } from '../helpers/cli.js';

const REQUESTS = 50;
const DEVICES = 10;
const ALICE = 'alice@demo.openpsso.test';


interface LogLine { msg?: string; requestId?: string }

describe('SIGTERM with requests in flight', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'openpsso-drain-'));
  let child: ChildProcess | undefined;
  after(() => {
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  it(`answers or cleanly refuses each of ${REQUESTS} sign-ins, exits 0 and loses no acknowledged write`, async (t) => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    child = spawn(process.execPath, [...CLI_ARGS, 'serve', '--demo', '--data-dir', dataDir, '--port', String(port), '--host', '127.0.0.1'], {
      env: {
        ...process.env, OPENPSSO_CONFIG: '',
        // debug: the "request received" line tells the test each request is inside the server.
        OPENPSSO_LOG__LEVEL: 'debug',
        OPENPSSO_SHUTDOWN__TIMEOUT_MS: '120000',
        // 50 sign-ins at one account from one address are the point here, not an attack.
        OPENPSSO_CREDENTIAL_GUARD__PER_ADDRESS: '{"burst":1000,"perSecond":100}',
        OPENPSSO_CREDENTIAL_GUARD__PER_ACCOUNT: '{"burst":1000,"perSecond":100}',
        OPENPSSO_CREDENTIAL_GUARD__PASSWORD_QUEUE_LIMIT: '1000',
        OPENPSSO_CREDENTIAL_GUARD__PASSWORD_MAX_WAIT_MS: '60000',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    const lines: LogLine[] = [];
    let partial = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const parts = (partial + d.toString()).split('\n');
      partial = parts.pop()!;
      for (const p of parts) if (p.startsWith('{')) lines.push(JSON.parse(p) as LogLine);
    });
    child.stderr!.on('data', (d: Buffer) => { err += d.toString(); });
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child!.once('exit', (code, signal) => resolve({ code, signal })));

    const waitFor = async (what: string, ready: () => boolean) => {
      const until = Date.now() + 60_000;
      while (!ready()) {
        if (child!.exitCode !== null) throw new Error(`server exited while waiting for ${what}: ${out}\n${err}`);
        if (Date.now() > until) throw new Error(`gave up waiting for ${what}: ${out.slice(-2000)}\n${err}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    await waitFor('the banner', () => /registration token\s+\S+/.test(out));
    const token = /registration token\s+(\S+)/.exec(out)![1]!;

    // Prepared before the burst: registered devices, one fresh nonce and signed request each.
    const devices: RawDevice[] = [];
    for (let i = 0; i < DEVICES; i++) {
      const d = new RawDevice(url);
      assert.equal((await d.register(token)).status, 201);
      devices.push(d);
    }
    const prepared: { id: string; form: string }[] = [];
    for (let i = 0; i < REQUESTS; i++) {
      const d = devices[i % DEVICES]!;
      const built = d.loginRequest(await d.nonce(), Math.floor(Date.now() / 1000), { username: ALICE, password: DEMO_PASSWORD });
      prepared.push({ id: randomUUID().toUpperCase(), form: buildPssoForm(built.jwt, '1.0', 'assertion') });
    }

    const results = prepared.map(({ id, form }) => post(`${url}/psso/token`, form, undefined, { 'client-request-id': id })
      .then((r): HttpResult | Error => r, (e: unknown) => (e instanceof Error ? e : new Error(String(e)))));
    const ids = new Set(prepared.map((p) => p.id));
    const seen = (msg: string) => new Set(lines.filter((l) => l.msg === msg && l.requestId && ids.has(l.requestId)).map((l) => l.requestId));
    await waitFor(`all ${REQUESTS} requests received`, () => seen('request received').size === REQUESTS);
    const inFlight = REQUESTS - seen('request').size;
    child.kill('SIGTERM');

    const answers = await Promise.all(results);
    const { code, signal } = await exited;
    const acknowledged = prepared.filter((_, i) => { const a = answers[i]!; return !(a instanceof Error) && a.status === 200; }).map((p) => p.id);
    const refused = answers.filter((a): a is HttpResult => !(a instanceof Error) && a.status === 503);
    t.diagnostic(`${inFlight} of ${REQUESTS} in flight at SIGTERM; ${acknowledged.length} answered 200, ${refused.length} answered 503`);

    assert.ok(inFlight > 0, 'every request had finished before SIGTERM: the test showed nothing');
    const broken = answers.map((a, i) => [prepared[i]!.id, a] as const)
      .filter(([, a]) => a instanceof Error || (a.status !== 200 && a.status !== 503))
      .map(([id, a]) => `${id}: ${a instanceof Error ? `${a.message} ${String((a as { cause?: unknown }).cause ?? '')}` : `${a.status} ${a.text.slice(0, 200)}`}`);
    assert.deepEqual(broken, [], 'each request completes or gets a clean 503');
    for (const r of refused) assert.match(String(r.json?.error_code), /^OPSSO(1640|1207)$/, r.text);
    assert.deepEqual({ code, signal }, { code: 0, signal: null }, `exit after SIGTERM\n${err}`);

    const store = await openStore({ kind: 'sqlite', file: join(dataDir, 'openpsso.db'), migrate: false });
    try {
      const [org] = await store.organisations.list();
      const missing: string[] = [];
      for (const id of acknowledged) {
        const page = await store.signInLogs.query(org!.id, { filter: parseSignInFilter(`correlationId eq '${id}'`), top: 5 });
        if (page.items.length !== 1 || page.items[0]!.status.errorCode !== 0) missing.push(id);
      }
      assert.deepEqual(missing, [], `${missing.length} acknowledged sign-ins have no sign-in log row`);
    } finally {
      await store.close();
    }
  });
});
