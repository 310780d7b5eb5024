// The `openpsso profile` runners: exit codes, human and JSON output, files written; explain texts;
// and the finding-code table in docs/profiles.md matching the code.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runProfileExplain, runProfileGenerate, runProfileLint } from '../../src/profile/cli.js';
import { explainKey, suggestKey } from '../../src/profile/explain.js';
import { findingCodes } from '../../src/profile/finding-codes.js';
import { lintProfile } from '../../src/profile/lint.js';
import { readMacSettings } from '../../src/profile/mac-settings.js';

const corpus = join(import.meta.dirname, 'corpus');

async function capture(fn: () => Promise<number>): Promise<{ code: number; out: string; err: string }> {
  const o = process.stdout.write.bind(process.stdout);
  const e = process.stderr.write.bind(process.stderr);
  let out = '';
  let err = '';
  process.stdout.write = ((s: string | Uint8Array) => { out += String(typeof s === 'string' ? s : Buffer.from(s).toString()); return true; }) as typeof process.stdout.write;
  process.stderr.write = ((s: string | Uint8Array) => { err += String(typeof s === 'string' ? s : Buffer.from(s).toString()); return true; }) as typeof process.stderr.write;
  try {
    return { code: await fn(), out, err };
  } finally {
    process.stdout.write = o;
    process.stderr.write = e;
  }
}

test('lint: exit 0 for valid files, 1 with errors, 2 for usage; findings with path, line and fix', async () => {
  const ok = await capture(() => runProfileLint([join(corpus, 'valid/openpsso-password.mobileconfig'), '--target', '15']));
  assert.equal(ok.code, 0);
  assert.match(ok.out, /0 errors, 0 warnings, 1 note/);
  const bad = await capture(() => runProfileLint([join(corpus, 'broken/method-typo.mobileconfig')]));
  assert.equal(bad.code, 1);
  assert.match(bad.out, /error\s+PSSO-L002\s+PayloadContent\[0\]\.PlatformSSO\.AuthenticationMethod \(line 43:5\)/);
  assert.match(bad.out, /Did you mean "UserSecureEnclaveKey"/);
  assert.match(bad.out, /fix: /);
  const xml = await capture(() => runProfileLint([join(corpus, 'broken/broken-xml.mobileconfig')]));
  assert.equal(xml.code, 1);
  assert.match(xml.out, /line 43, column 13/);
  assert.doesNotMatch(xml.out + xml.err, /\n\s+at /);
  assert.equal((await capture(() => runProfileLint([]))).code, 2);
  assert.equal((await capture(() => runProfileLint(['x.mobileconfig', '--target', 'sonoma']))).code, 2);
  const missing = await capture(() => runProfileLint(['/nonexistent/file.mobileconfig']));
  assert.equal(missing.code, 1);
  assert.match(missing.out, /PSSO-L000/);
});

test('lint --json lists every file with counts and findings', async () => {
  const r = await capture(() => runProfileLint(['--json', join(corpus, 'valid/entra.mobileconfig'), join(corpus, 'broken/duplicate-urls.mobileconfig'), join(corpus, 'valid/openpsso-secure-enclave-binary.mobileconfig')]));
  assert.equal(r.code, 1);
  const data = JSON.parse(r.out) as { file: string; ok: boolean; format: string; counts: { error: number }; findings: { code: string; path: string; severity: string; macOS: string; message: string; fix: string }[] }[];
  assert.equal(data.length, 3);
  assert.equal(data[0]!.ok, true);
  assert.equal(data[1]!.ok, false);
  assert.equal(data[2]!.format, 'binary');
  const f = data[1]!.findings[0]!;
  assert.deepEqual(Object.keys(f).filter((k) => ['code', 'path', 'severity', 'macOS', 'message', 'fix'].includes(k)).length, 6);
  assert.equal(f.code, 'PSSO-L030');
  const quiet = await capture(() => runProfileLint(['--json', '--quiet', join(corpus, 'valid/entra.mobileconfig')]));
  assert.deepEqual((JSON.parse(quiet.out) as { findings: unknown[] }[])[0]!.findings, []);
});

test('generate: writes a clean profile from flags, an options file or the Entra template', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'openpsso-gen-'));
  try {
    const out = join(dir, 'a.mobileconfig');
    const r = await capture(() => runProfileGenerate(['--issuer', 'https://sso.example.com', '--extension-id', 'com.example.psso.app.ssoextension', '--team-id', 'ABCDE12345',
      '--method', 'smart-card', '--create-user-at-login', '--login-frequency', '7200', '--registration-token', 'rt_1', '--admin-group', 'mac-admins',
      '--user-authorization-mode', 'Groups', '--target', '15', '--filevault-policy', 'RequireTouchID', '--out', out]));
    assert.equal(r.code, 1, 'Touch ID values need macOS 26');
    assert.match(r.err, /macOS 26/);
    const r2 = await capture(() => runProfileGenerate(['--issuer', 'https://sso.example.com', '--extension-id', 'com.example.psso.app.ssoextension', '--team-id', 'ABCDE12345',
      '--method', 'smart-card', '--create-user-at-login', '--login-frequency', '7200', '--registration-token', 'rt_1', '--admin-group', 'mac-admins',
      '--user-authorization-mode', 'Groups', '--target', '15', '--non-psso-account', 'breakglass', '--out', out]));
    assert.equal(r2.code, 0, r2.err);
    const bytes = readFileSync(out);
    assert.equal(lintProfile(bytes, { targetMacOS: '15' }).counts.error, 0);
    const s = readMacSettings(bytes);
    assert.equal(s.method, 'smart_card');
    assert.equal(s.createUserAtLogin, true);
    assert.deepEqual(s.administratorGroups, ['mac-admins']);

    writeFileSync(join(dir, 'opts.json'), JSON.stringify({ issuer: 'https://sso.example.com', extensionIdentifier: 'com.example.psso.app.ssoextension', teamIdentifier: 'ABCDE12345', method: 'Password', targetMacOS: '15', fileVaultPolicy: ['AttemptAuthentication'] }));
    const r3 = await capture(() => runProfileGenerate(['--options', join(dir, 'opts.json'), '--display-name', 'Example']));
    assert.equal(r3.code, 0, r3.err);
    assert.match(r3.out, /<key>FileVaultPolicy<\/key>/);
    assert.match(r3.out, /<string>Example<\/string>/);

    const e = await capture(() => runProfileGenerate(['--entra', '--method', 'password']));
    assert.equal(e.code, 0, e.err);
    assert.match(e.out, /\{\{DEVICEREGISTRATION\}\}/);
    assert.equal(readMacSettings(Buffer.from(e.out)).method, 'password');

    assert.equal((await capture(() => runProfileGenerate(['--issuer', 'https://x.example', '--method', 'kerberos']))).code, 2);
    assert.equal((await capture(() => runProfileGenerate(['--bogus']))).code, 2);
    const low = await capture(() => runProfileGenerate(['--issuer', 'https://x.example', '--extension-id', 'a.b.c', '--team-id', 'ABCDE12345', '--login-frequency', '24']));
    assert.equal(low.code, 1);
    assert.match(low.err, /loginFrequency/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('explain: keys, values, codes and did-you-mean', async () => {
  const lf = explainKey('LoginFrequency')!;
  assert.match(lf, /Default:\s+64800/);
  assert.match(lf, /Minimum:\s+3600/);
  assert.match(lf, /re-prompt/);
  assert.match(explainKey('RegistrationToken')!, /not inside PlatformSSO|inside the PlatformSSO dictionary/);
  assert.match(explainKey('PlatformSSO.AuthenticationMethod')!, /^AuthenticationMethod {2}— {2}PlatformSSO dictionary/);
  assert.match(explainKey('FileVaultPolicy')!, /macOS:\s+15\.0\+/);
  assert.match(explainKey('UseSharedDeviceKeys')!, /Device channel only/);
  assert.match(explainKey('usersecureenclavekey')!, /is a value, not a key/);
  assert.match(explainKey('psso-l013')!, /Grace-period/);
  assert.equal(explainKey('LoginFrequence'), null);
  assert.equal(suggestKey('LoginFrequence'), 'LoginFrequency');
  assert.equal(suggestKey('UserSecureEnclave'), 'UserSecureEnclaveKey');
  const r = await capture(() => runProfileExplain(['LoginFrequence']));
  assert.equal(r.code, 1);
  assert.match(r.err, /Did you mean "LoginFrequency"/);
  const ok = await capture(() => runProfileExplain(['EnableCreateUserAtLogin']));
  assert.equal(ok.code, 0);
  assert.match(ok.out, /UseSharedDeviceKeys/);
  const list = await capture(() => runProfileExplain(['--list']));
  assert.match(list.out, /NonPlatformSSOAccounts\s+15\.0/);
});

test('docs/profiles.md lists exactly the finding codes, with their severities', () => {
  const doc = readFileSync(join(import.meta.dirname, '../../docs/profiles.md'), 'utf8');
  const rows = [...doc.matchAll(/^\| `(PSSO-L\d{3})` \| (error|warning|note) \|/gm)].map((m) => `${m[1]} ${m[2]}`);
  assert.deepEqual(rows, findingCodes.map((c) => `${c.code} ${c.severity}`));
  assert.equal(new Set(findingCodes.map((c) => c.code)).size, findingCodes.length);
});
