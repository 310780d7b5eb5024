// Crash safety: `openpsso serve` as a child process takes concurrent device registrations, is killed
// with SIGKILL mid-load, and restarted on the same data, twice. Every registration it acknowledged
// with a 201 must still be there afterwards, and a sample must still sign in (the keys are usable).
// On SQLite, and on PostgreSQL when available. Runs the CLI from source through tsx, as the other
// CLI tests do, so it never tests a stale dist/.

import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { backends } from '../helpers/backends.js';
import { RawDevice } from '../helpers/raw-device.js';
import { DEMO_PASSWORD } from '../../src/app/demo.js';
import { openStore } from '../../src/storage/open-store.js';
import { freePort } from '../helpers/ports.js';
import { CLI_ARGS } from '../helpers/cli.js';

const CYCLES = 2;
const WORKERS = 8;
/** Kill once this many registrations were acknowledged in the cycle (however slow the machine), plus a moment so more are in flight. */
const ACKS_BEFORE_KILL = [25, 60];
const IN_FLIGHT_MS = 150;
const ALICE = 'alice@demo.openpsso.test';


interface Running { child: ChildProcess; token: string }

/** Starts `openpsso serve --demo` and waits for the banner with the registration token. */
async function serve(dataDir: string, port: number, env: Record<string, string>): Promise<Running> {
  const child = spawn(process.execPath, [...CLI_ARGS, 'serve', '--demo', '--data-dir', dataDir, '--port', String(port), '--host', '127.0.0.1'], {
    env: { ...process.env, OPENPSSO_CONFIG: '', OPENPSSO_LOG__LEVEL: 'error', ...env }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => { out += d.toString(); });
  child.stderr!.on('data', (d: Buffer) => { out += d.toString(); });
  const token = await new Promise<string>((resolve, reject) => {
    // A liveness limit, not a timing check: generous because tsx compiles the CLI on a loaded machine.
    // The child is killed so a failed start cannot leave a server keeping the test run alive.
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`server did not start: ${out}`)); }, 90_000);
    const check = () => {
      const m = /registration token\s+(\S+)/.exec(out);
      if (m) { clearTimeout(timer); resolve(m[1]!); }
    };
    child.stdout!.on('data', check);
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`server exited with ${code}: ${out}`)); });
  });
  child.removeAllListeners('exit');
  return { child, token };
}

const killed = (child: ChildProcess) => new Promise<void>((resolve) => {
  if (child.exitCode !== null || child.signalCode !== null) { resolve(); return; }
  child.once('exit', () => resolve());
  child.kill('SIGKILL');
});

for (const b of backends()) {
  describe(`kill -9 under registration load on ${b.name}`, { skip: b.skip }, () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'openpsso-crash-'));
    let current: ChildProcess | undefined;
    after(async () => {
      if (current) await killed(current);
      rmSync(dataDir, { recursive: true, force: true });
      await b.cleanup();
    });

    it(`keeps every acknowledged registration across ${CYCLES} SIGKILLs`, async (t) => {
      b.check();
      const db = b.overrides().database as { url: string; schema: string } | undefined;
      const env: Record<string, string> = db ? { OPENPSSO_DATABASE__KIND: 'postgres', OPENPSSO_DATABASE__URL: db.url, OPENPSSO_DATABASE__SCHEMA: db.schema } : {};
      const port = await freePort();
      const url = `http://127.0.0.1:${port}`;
      const acknowledged: RawDevice[] = [];
      let attempted = 0;

      for (let cycle = 0; cycle < CYCLES; cycle++) {
        const run = await serve(dataDir, port, env);
        current = run.child;
        let stop = false;
        const before = acknowledged.length;
        const worker = async () => {
          while (!stop) {
            const d = new RawDevice(url);
            attempted++;
            try {
              if ((await d.register(run.token)).status === 201) acknowledged.push(d);
            } catch {
              return; // the connection died with the server: not acknowledged
            }
          }
        };
        const load = Promise.all(Array.from({ length: WORKERS }, worker));
        const until = Date.now() + 30_000;
        while (acknowledged.length - before < ACKS_BEFORE_KILL[cycle % ACKS_BEFORE_KILL.length]! && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
        await new Promise((r) => setTimeout(r, IN_FLIGHT_MS));
        await killed(run.child);
        stop = true;
        await load;
        t.diagnostic(`cycle ${cycle + 1}: ${acknowledged.length - before} registrations acknowledged before SIGKILL`);
      }
      assert.ok(acknowledged.length >= 20, `load too light to mean anything: ${acknowledged.length} acknowledged of ${attempted}`);

      // Restart on the same data: every acknowledged device is there, and a sample signs in.
      const run = await serve(dataDir, port, env);
      current = run.child;
      const store = await openStore(db ? { kind: 'postgres', url: db.url, schema: db.schema, migrate: false } : { kind: 'sqlite', file: join(dataDir, 'openpsso.db'), migrate: false });
      const missing: string[] = [];
      try {
        for (const d of acknowledged) {
          const found = await store.devices.getBySigningKid(d.signing.kid);
          if (!found || found.id !== d.id || found.deviceUuid !== d.uuid) missing.push(d.id);
        }
      } finally {
        await store.close();
      }
      const sample = acknowledged.filter((_, i) => i % Math.ceil(acknowledged.length / 10) === 0);
      for (const d of sample) {
        const req = d.loginRequest(await d.nonce(), Math.floor(Date.now() / 1000), { username: ALICE, password: DEMO_PASSWORD });
        const r = await d.send(req.jwt);
        assert.equal(r.status, 200, `device ${d.id} registered before a crash cannot sign in: ${r.text}`);
      }
      t.diagnostic(`${acknowledged.length} acknowledged of ${attempted} attempted, ${acknowledged.length - missing.length} verified after restart, ${sample.length} signed in`);
      assert.deepEqual(missing, [], `${missing.length} acknowledged registrations lost`);
    });
  });
}
