// The start-up failure catalogue, each case as a real `openpsso serve` process: a non-zero exit,
// one `openpsso: OPSSOnnnn ...` line (plus at most one `  fix:` line) and never a stack trace.

import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { runCliEnv, type CliResult } from '../helpers/cli.js';
import { makeCardPki } from '../helpers/card-pki.js';
import { loadConfig } from '../../src/config/load.js';
import { createAppContext } from '../../src/app/bootstrap.js';
import { freePort } from '../helpers/ports.js';

const root = mkdtempSync(join(tmpdir(), 'startup-'));
let n = 0;
const fresh = () => join(root, `case-${++n}`);

/** Runs `serve` with a config file; nothing from this process's OPENPSSO_* configuration leaks in. */
function serve(dataDir: string, config: object, env: NodeJS.ProcessEnv = {}, ...flags: string[]): Promise<CliResult> {
  const file = join(root, `config-${n}-${randomBytes(3).toString('hex')}.json`);
  writeFileSync(file, JSON.stringify({ listen: { host: '127.0.0.1', port: 0 }, ...config }));
  return runCliEnv({ OPENPSSO_CONFIG: file, ...env }, dataDir, 'serve', ...flags);
}

function assertOneLine(r: CliResult, code: number, detail?: RegExp): void {
  assert.notEqual(r.code, 0, `exit code; stdout: ${r.out}`);
  assert.doesNotMatch(r.err, /^\s+at /m, 'no stack trace');
  const lines = r.err.trimEnd().split('\n');
  assert.match(lines[0]!, new RegExp(`^openpsso: OPSSO${code} \\S`), r.err);
  assert.ok(lines.length === 1 || (lines.length === 2 && lines[1]!.startsWith('  fix: ')), `one line plus a fix line:\n${r.err}`);
  if (detail) assert.match(lines[0]!, detail);
}

/** A data directory that has been started once: database migrated, server keys sealed under master.key. */
let started: string;
before(async () => {
  started = join(root, 'started');
  const ctx = await createAppContext(loadConfig({ env: {}, overrides: { dataDir: started } }));
  await ctx.store.close();
});

function copyOfStarted(): string {
  const dir = fresh();
  cpSync(started, dir, { recursive: true });
  return dir;
}


describe('start-up failures', { concurrency: 2 }, () => {
  it('port in use', async () => {
    const busy: Server = createServer();
    await new Promise<void>((r) => busy.listen(0, '127.0.0.1', r));
    const port = (busy.address() as { port: number }).port;
    try {
      assertOneLine(await serve(fresh(), {}, {}, '--demo', '--port', String(port)), 1630, new RegExp(`127\\.0\\.0\\.1:${port}`));
    } finally {
      busy.close();
    }
  });

  it('listen address not on this machine', async () => {
    // 192.0.2.1 is TEST-NET-1 (RFC 5737): never an address of this machine.
    assertOneLine(await serve(fresh(), { listen: { host: '192.0.2.1', port: 9 } }, {}, '--demo'), 1631, /not an address of this machine/);
  });

  const unprivilegedStart = (() => { try { return Number(readFileSync('/proc/sys/net/ipv4/ip_unprivileged_port_start', 'utf8')); } catch { return 1024; } })();
  it('permission denied on a port', { skip: process.getuid?.() === 0 || unprivilegedStart <= 1 ? 'this user may bind port 1 (root or ip_unprivileged_port_start); test/app/startup-checks covers the message' : false }, async () => {
    assertOneLine(await serve(fresh(), { listen: { host: '127.0.0.1', port: 1 } }, {}, '--demo'), 1631, /permission denied/);
  });

  it('TLS certificate file missing, or a directory', async () => {
    const dir = fresh();
    mkdirSync(dir, { recursive: true });
    assertOneLine(await serve(dir, { tls: { certFile: join(dir, 'missing.pem'), keyFile: join(dir, 'missing.key') } }), 1632, /tls\.certFile .*missing\.pem: no such file/);
    assertOneLine(await serve(dir, { tls: { certFile: dir, keyFile: dir } }), 1632, /is a directory/);
  });

  it('TLS file that is not a certificate, and a key of another certificate', async () => {
    const dir = fresh();
    mkdirSync(dir, { recursive: true });
    const pki = await makeCardPki(dir, 'alice@example.com');
    const junk = join(dir, 'junk.pem');
    writeFileSync(junk, 'not a certificate\n');
    assertOneLine(await serve(dir, { tls: { certFile: junk, keyFile: pki.cardKeyFile } }), 1633, /is not a PEM certificate/);
    assertOneLine(await serve(dir, { tls: { certFile: pki.caFile, keyFile: pki.cardKeyFile } }), 1633, /is not the key of the certificate/);
  });

  it('PostgreSQL unreachable (connection refused), without showing the password', async () => {
    const port = await freePort();
    const r = await serve(fresh(), { database: { kind: 'postgres', url: `postgres://openpsso:hunter2@127.0.0.1:${port}/openpsso` } });
    assertOneLine(r, 1634, new RegExp(`127\\.0\\.0\\.1:${port}/openpsso: connection refused`));
    assert.doesNotMatch(r.err, /hunter2/);
  });

  it('SQLite file in a directory that cannot be created', async () => {
    const dir = fresh();
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'a-file'), '');
    assertOneLine(await serve(join(dir, 'a-file', 'data'), {}), 1635, /not a directory/);
  });

  it('database schema newer than the code', async () => {
    const dir = copyOfStarted();
    const db = new Database(join(dir, 'openpsso.db'));
    db.prepare('insert into openpsso_migration (name, timestamp) values (?, ?)').run('9999_from_a_newer_release', new Date().toISOString());
    db.close();
    assertOneLine(await serve(dir, {}), 1636, /9999_from_a_newer_release/);
  });

  it('master key missing while the database holds sealed keys: refused, and no new key created', async () => {
    const dir = copyOfStarted();
    rmSync(join(dir, 'master.key'));
    assertOneLine(await serve(dir, {}), 1637, /master\.key does not exist/);
    assert.equal(existsSync(join(dir, 'master.key')), false, 'a new master key would make every sealed key unreadable');
  });

  it('master key unreadable or of the wrong size', async () => {
    const dir = copyOfStarted();
    writeFileSync(join(dir, 'master.key'), `${randomBytes(16).toString('base64')}\n`);
    assertOneLine(await serve(dir, {}), 1638, /holds 16 bytes of base64, not 32/);
    rmSync(join(dir, 'master.key'));
    mkdirSync(join(dir, 'master.key'));
    assertOneLine(await serve(dir, {}), 1638, /is a directory/);
    assertOneLine(await serve(fresh(), {}, { OPENPSSO_MASTER_KEY: 'c2hvcnQ=' }), 1638, /OPENPSSO_MASTER_KEY holds 5 bytes/);
  });

  it('another master key than the database was sealed with', async () => {
    const dir = copyOfStarted();
    writeFileSync(join(dir, 'master.key'), `${randomBytes(32).toString('base64')}\n`);
    assertOneLine(await serve(dir, {}), 1639, /cannot be unsealed/);
  });

  it('invalid configuration: unknown key, unknown variable, JSON syntax', async () => {
    assertOneLine(await serve(fresh(), { listen: { host: '127.0.0.1', prot: 9901 } }), 1604, /listen\.prot: unknown key \(file .*\); did you mean listen\.port\?/);
    assertOneLine(await serve(fresh(), {}, { OPENPSSO_LISTN__PORT: '9901' }), 1604, /OPENPSSO_LISTN__PORT: unknown configuration variable .*did you mean OPENPSSO_LISTEN__PORT\?/);
    const bad = join(root, 'bad.json');
    writeFileSync(bad, '{\n  "listen": { "port": 9901, }\n}\n');
    const dir = fresh();
    mkdirSync(dir, { recursive: true });
    assertOneLine(await runCliEnv({ OPENPSSO_CONFIG: bad }, dir, 'serve'), 1604, /bad\.json is not valid JSON: line 2, column 29/);
  });
});
