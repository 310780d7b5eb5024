// `openpsso mac` as a process at its edges: a --mac that is not a virtual Mac is an error, while a
// Mac that exists but is not registered says so; methods are spelt one way and aliases are accepted.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli, type CliResult } from '../helpers/cli.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { DEMO_PASSWORD } from '../../src/app/demo.js';
import { systemClock } from '../../src/app/clock.js';

const tmp = (p: string) => mkdtempSync(join(tmpdir(), p));
const oneCleanLine = (r: CliResult) => {
  assert.equal(r.err.trim().split('\n').length, 1, r.err);
  assert.doesNotMatch(r.err, /\n\s+at |Error:/, 'no stack trace');
};

describe('openpsso mac status on a directory that is not a virtual Mac', () => {
  const data = tmp('cli-edges-data-');
  for (const [what, dir] of [
    ['a missing directory', () => join(tmp('cli-edges-'), 'no-such-mac')],
    ['an empty directory', () => tmp('cli-edges-empty-')],
    ['a directory of other files', () => { const d = tmp('cli-edges-other-'); writeFileSync(join(d, 'notes.txt'), 'hello'); return d; }],
    ['a file', () => { const f = join(tmp('cli-edges-file-'), 'mac'); writeFileSync(f, '{}'); return f; }],
  ] as const) {
    it(`${what}: exit 1 and one line naming it`, async () => {
      const mac = dir();
      const r = await runCli(data, 'mac', 'status', '--mac', mac);
      assert.equal(r.code, 1, r.out + r.err);
      assert.equal(r.out, '');
      assert.match(r.err, /is not a virtual Mac/);
      assert.ok(r.err.includes(mac), r.err);
      oneCleanLine(r);
    });
  }
});

describe('openpsso mac against a server: unregistered Macs and method spellings', () => {
  let s: TestServer;
  // The CLI Macs run on real time, so the server does too.
  before(async () => { s = await startTestServer({ clock: systemClock }); });
  after(async () => { await s.close(); });

  const register = (mac: string, method: string, user = 'bob@demo.openpsso.test') =>
    runCli(s.dataDir, 'mac', 'register', '--mac', mac, '--server', s.url, '--token', s.registrationToken, '--user', user, '--method', method, '--password', DEMO_PASSWORD);

  it('registers with the canonical secure-enclave and prints it; status after reset still says Not registered', async () => {
    const mac = join(tmp('cli-edges-mac-'), 'bob');
    const reg = await register(mac, 'secure-enclave');
    assert.equal(reg.code, 0, reg.err);
    assert.match(reg.out, /registered for the secure-enclave method/);
    assert.equal(JSON.parse(readFileSync(join(mac, 'device.json'), 'utf8')).method, 'secure_enclave', 'state keeps the wire value');
    const reset = await runCli(s.dataDir, 'mac', 'reset', '--mac', mac);
    assert.equal(reset.code, 0, reset.err);
    // The local account survives the reset: this is a Mac, just not registered.
    const st = await runCli(s.dataDir, 'mac', 'status', '--mac', mac);
    assert.equal(st.code, 0, st.err);
    assert.match(st.out, /Not registered/);
  });

  // The other aliases (SecureEnclave, UserSecureEnclaveKey, any case) go through the same
  // normaliseMethod, checked in test/mac/profile-settings.test.ts.
  it('accepts secure_enclave, the spelling older docs used, as an alias of secure-enclave', async () => {
    const r = await register(join(tmp('cli-edges-alias-'), 'm'), 'secure_enclave', 'alice@demo.openpsso.test');
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /registered for the secure-enclave method/);
  });

  it('refuses an unknown method in one line listing the canonical spellings, and registers nothing', async () => {
    const mac = join(tmp('cli-edges-bad-'), 'm');
    const r = await register(mac, 'fingerprint');
    assert.equal(r.code, 1);
    assert.match(r.err, /unknown method fingerprint; use password, secure-enclave, smart-card/);
    oneCleanLine(r);
    const st = await runCli(s.dataDir, 'mac', 'status', '--mac', mac);
    assert.equal(st.code, 1, 'nothing was stored');
  });
});

describe('help and the profile generator use the same spellings', () => {
  const data = tmp('cli-edges-help-');
  it('mac register --help lists password | secure-enclave | smart-card', async () => {
    const r = await runCli(data, 'mac', 'register', '--help');
    assert.equal(r.code, 0, r.err);
    assert.match(r.out.replace(/\s+/g, ' '), /password \| secure-enclave \| smart-card/, 'help text (rewrapped)');
    assert.doesNotMatch(r.out, /secure_enclave|smart_card/);
  });

  it('profile generate takes secure_enclave as an alias and writes Apple\'s UserSecureEnclaveKey', async () => {
    const out = join(data, 'se.mobileconfig');
    const r = await runCli(data, 'profile', 'generate', '--method', 'secure_enclave', '--out', out);
    assert.equal(r.code, 0, r.err);
    assert.match(readFileSync(out, 'utf8'), /<string>UserSecureEnclaveKey<\/string>/);
  });
});
