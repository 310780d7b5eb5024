// Process tests for a production set-up: `openpsso init --yes` in an empty directory, `serve` without
// --demo, users imported from CSV and a virtual Mac registered and logged in against that organisation; init's
// refusals; `serve` on an empty database; and the demo token kept across --demo restarts.

import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { runCli, CLI_ARGS } from '../helpers/cli.js';
import { freePort } from '../helpers/ports.js';

const PASSWORD = 'Dana-Passw0rd!';
const ADMIN_PASSWORD = 'Root-Passw0rd!';


/** `openpsso serve` as a child process; resolves with its start-up output once it listens. */
function startServe(dataDir: string, ...args: string[]): Promise<{ child: ChildProcess; out: string }> {
  const child = spawn(process.execPath, [...CLI_ARGS, '--data-dir', dataDir, 'serve', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stdout!.on('data', (b: Buffer) => {
      out += b.toString();
      // The banner is one console.log: once the last line it always prints is in, it is complete.
      if (/listening on/.test(out) && /\n$/.test(out)) setTimeout(() => resolve({ child, out }), 50);
    });
    child.stderr!.on('data', (b: Buffer) => { err += b.toString(); });
    child.on('exit', (code) => reject(new Error(`serve exited ${code}: ${err}`)));
  });
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}

const initArgs = (port: number, configFile: string) => [
  'init', '--yes', '--insecure-local', '--name', 'Acme Corp', '--domain', 'acme.test', '--issuer', `http://127.0.0.1:${port}`,
  '--admin-upn', 'root@acme.test', '--admin-password', ADMIN_PASSWORD, '-c', configFile,
];

describe('openpsso init, then serve without --demo', () => {
  const dir = mkdtempSync(join(tmpdir(), 'openpsso-init-'));
  const dataDir = join(dir, 'data');
  const configFile = join(dir, 'openpsso.config.json');
  const children: ChildProcess[] = [];
  after(async () => { for (const c of children) await stop(c); rmSync(dir, { recursive: true, force: true }); });

  it('sets up an organisation that a virtual Mac registers and logs in against', async () => {
    const port = await freePort();
    const init = await runCli(dataDir, ...initArgs(port, configFile));
    assert.equal(init.code, 0, init.err);
    const token = /^\s+(rgt\.\S+)$/m.exec(init.out)?.[1];
    assert.ok(token, init.out);
    assert.match(init.out, /tenant id\s+org_/);
    assert.match(init.out, new RegExp(`${join(dataDir, 'master.key').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s+\\(mode 0600`));
    assert.match(init.out, /every Mac must register again/);
    assert.match(init.out, /openpsso serve -c /);
    assert.equal(statSync(join(dataDir, 'master.key')).mode & 0o777, 0o600);
    const config = JSON.parse(readFileSync(configFile, 'utf8')) as Record<string, unknown>;
    assert.deepEqual(config, { issuer: `http://127.0.0.1:${port}`, listen: { host: '127.0.0.1', port }, dataDir, database: { kind: 'sqlite' } });

    // (Names outside the domains, and the admin's per-user MFA, are covered in process: test/app/organisation-setup.test.ts.)
    // Users arrive by CSV import, as an organisation's would: a dry run first (the default), then --apply.
    const csv = join(dir, 'users.csv');
    writeFileSync(csv, `userPrincipalName,displayName,mail,groups,password\r\ndana@acme.test,Dana Diaz,dana@acme.test,mac-users,${PASSWORD}\r\nerin@acme.test,"Erin, E.",erin@acme.test,mac-users;engineering,Erin-Passw0rd!\r\n`);
    const dry = await runCli(dataDir, 'user', 'import', csv, '--create-groups', '-c', configFile);
    assert.equal(dry.code, 0, dry.err);
    assert.match(dry.out, /\b2 to create, 0 to update, 0 unchanged/);
    assert.equal((await runCli(dataDir, 'user', 'list', '-c', configFile)).out.match(/@acme\.test/g)?.length, 1, 'the dry run wrote nothing');
    const apply = await runCli(dataDir, 'user', 'import', csv, '--create-groups', '--apply', '-c', configFile);
    assert.equal(apply.code, 0, apply.err);

    const serve = await startServe(dataDir, '-c', configFile);
    children.push(serve.child);
    assert.doesNotMatch(serve.out, /Demo organisation/);

    const mac = join(dir, 'mac1');
    const reg = await runCli(dataDir, 'mac', 'register', '--mac', mac, '--server', `http://127.0.0.1:${port}`, '--token', token,
      '--user', 'dana@acme.test', '--method', 'password', '--password', PASSWORD);
    assert.equal(reg.code, 0, reg.out + reg.err);
    const login = await runCli(dataDir, 'mac', 'login', '--mac', mac, '--user', 'dana@acme.test', '--password', PASSWORD);
    assert.equal(login.code, 0, login.out + login.err);
    assert.match(login.out, /Logged in\./);

    const show = await runCli(dataDir, 'org', 'show', '-c', configFile);
    assert.equal(show.code, 0, show.err);
    assert.match(show.out, /name\s+Acme Corp/);
    assert.match(show.out, /acme\.test\s+default\s+3 users/);
    assert.match(show.out, /devices\s+1\b/);
    assert.match(show.out, /root@acme\.test\s+Global Administrator/);
  });

  it('refuses to run twice without --force: the config file, then the organisation', async () => {
    const again = await runCli(dataDir, ...initArgs(9, configFile));
    assert.equal(again.code, 1);
    assert.match(again.err, /^openpsso: OPSSO1618 /m);
    const otherConfig = join(dir, 'other.config.json');
    const sameDb = await runCli(dataDir, ...initArgs(9, otherConfig));
    assert.equal(sameDb.code, 1);
    assert.match(sameDb.err, /^openpsso: OPSSO1610 .*Acme Corp/m);
    assert.throws(() => statSync(otherConfig), /ENOENT/);
  });
});

describe('openpsso init and serve refusals', () => {
  const dir = mkdtempSync(join(tmpdir(), 'openpsso-init-refuse-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('--yes with a missing value names its flag, and creates nothing', async () => {
    const r = await runCli(join(dir, 'a'), 'init', '--yes', '--insecure-local', '--domain', 'acme.test', '--issuer', 'http://127.0.0.1:9', '-c', join(dir, 'a.json'));
    assert.equal(r.code, 1);
    assert.match(r.err, /^openpsso: OPSSO1615 .*--name/m);
    assert.throws(() => statSync(join(dir, 'a')), /ENOENT/);
  });

  it('an http issuer without --insecure-local is refused', async () => {
    const r = await runCli(join(dir, 'b'), 'init', '--yes', '--name', 'X', '--domain', 'acme.test', '--issuer', 'http://127.0.0.1:9',
      '--admin-upn', 'root@acme.test', '--admin-password', ADMIN_PASSWORD, '-c', join(dir, 'b.json'));
    assert.equal(r.code, 1);
    assert.match(r.err, /^openpsso: OPSSO1617 .*https:\/\//m);
    assert.throws(() => statSync(join(dir, 'b.json')), /ENOENT/);
  });

  it('serve on an empty database says to run openpsso init and exits non-zero', async () => {
    const r = await runCli(join(dir, 'empty'), 'serve', '--port', '0');
    assert.equal(r.code, 1);
    assert.match(r.err, /^openpsso: OPSSO1611 .*run `openpsso init`/m);
    assert.doesNotMatch(r.err, /\n\s+at /, 'no stack trace');
  });
});

describe('serve --demo restarts', () => {
  const dir = mkdtempSync(join(tmpdir(), 'openpsso-demo-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('show the same registration token, and only one demo token exists', async () => {
    const tokens: string[] = [];
    for (let i = 0; i < 2; i++) {
      const s = await startServe(dir, '--demo', '--port', String(await freePort()));
      await stop(s.child);
      tokens.push(/registration token\s+(rgt\.\S+)/.exec(s.out)?.[1] ?? `none in ${s.out}`);
      assert.match(s.out, i === 0 ? /created now and saved/ : /the same as before/);
    }
    assert.match(tokens[0]!, /^rgt\./);
    assert.equal(tokens[1], tokens[0]);
    assert.equal(statSync(join(dir, 'demo-registration-token')).mode & 0o777, 0o600);
    const list = await runCli(dir, 'regtoken', 'list');
    assert.equal(list.code, 0, list.err);
    const lines = list.out.trim().split('\n');
    assert.equal(lines.length, 1, list.out);
    assert.match(lines[0]!, /active .*demo registration token/);
  });
});
