// macOS 27 web login in profiles: the linter's findings for the OpenID method, WebLoginURLAllowList,
// AllowWebLoginPasswordSync, the Touch ID fallback, AlwaysUseLoginUI and DDM names (each with its
// line), and the generated OpenID profile linting clean (generate → lint, XML and binary).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildBinary, parse as parsePlistXml } from 'plist';
import { lintProfile, type Finding } from '../../src/profile/lint.js';
import { buildProfile, generateProfile, ProfileOptionsError, type OpenPssoProfileOptions } from '../../src/profile/generate.js';
import { runProfileGenerate, runProfileLint } from '../../src/profile/cli.js';
import { explainKey } from '../../src/profile/explain.js';

// A bare com.apple.extensiblesso payload; PlatformSSO entries start on line 11, one per line.
const head = [
  '<plist version="1.0"><dict>',
  '<key>PayloadType</key><string>com.apple.extensiblesso</string>',
  '<key>PayloadVersion</key><integer>1</integer>',
  '<key>PayloadIdentifier</key><string>com.example.psso</string>',
  '<key>PayloadUUID</key><string>6F8A3C1E-52D4-4C9B-9F0E-0B7D2A4E8C51</string>',
  '<key>ExtensionIdentifier</key><string>com.example.psso.app.ssoextension</string>',
  '<key>TeamIdentifier</key><string>ABCDE12345</string>',
  '<key>Type</key><string>Redirect</string>',
  '<key>URLs</key><array><string>https://sso.example.com</string></array>',
  '<key>PlatformSSO</key><dict>',
];
const FIRST = head.length + 1;
const str = (k: string, v: string) => `<key>${k}</key><string>${v}</string>`;
const arr = (k: string, ...v: string[]) => `<key>${k}</key><array>${v.map((x) => `<string>${x}</string>`).join('')}</array>`;
const bool = (k: string, v = true) => `<key>${k}</key><${v}/>`;
const payload = (pss: string[], extra: string[] = []) => Buffer.from([...head, ...pss, '</dict>', ...extra, '</dict></plist>'].join('\n'));
const lint = (pss: string[], opts: { target?: string; issuer?: string; extra?: string[] } = {}) =>
  lintProfile(payload(pss, opts.extra), { targetMacOS: opts.target ?? '27', ...(opts.issuer ? { issuer: opts.issuer } : {}) }).findings;
const only = (fs: Finding[], code: string) => fs.filter((f) => f.code === code);
const openId = [str('AuthenticationMethod', 'OpenID'), bool('UseSharedDeviceKeys')];

test('OpenID without WebLoginURLAllowList: PSSO-L019 on the method line', () => {
  const f = only(lint(openId), 'PSSO-L019');
  assert.equal(f.length, 1);
  assert.equal(f[0]!.path, 'PlatformSSO.AuthenticationMethod');
  assert.equal(f[0]!.line, FIRST);
  // A clean OpenID payload has no errors at all.
  assert.deepEqual(lint([...openId, arr('WebLoginURLAllowList', 'https://sso.example.com')]).filter((x) => x.severity === 'error'), []);
});

test('allow-list entries: wildcards, queries, odd schemes and short names are errors, a path is a warning', () => {
  const entries = ['https://*.example.com', '.example.com', 'https://sso.example.com/psso/web-login', 'https://sso.example.com?x=1', 'ftp://sso.example.com', 'sso', 'sso.example.com', 'https://sso.example.com/'];
  const fs = only(lint([...openId, `<key>WebLoginURLAllowList</key><array>\n${entries.map((e) => `<string>${e}</string>`).join('\n')}\n</array>`]), 'PSSO-L025');
  const byIndex = new Map(fs.map((f) => [Number(/\[(\d+)\]$/.exec(f.path)![1]), f]));
  assert.deepEqual([...byIndex.keys()].sort(), [0, 1, 2, 3, 4, 5]);
  assert.match(byIndex.get(0)!.message, /wildcard/);
  assert.match(byIndex.get(1)!.message, /wildcard/);
  assert.equal(byIndex.get(2)!.severity, 'warning');
  assert.match(byIndex.get(2)!.message, /path \(\/psso\/web-login\)/);
  assert.match(byIndex.get(2)!.fix, /"https:\/\/sso\.example\.com"/);
  for (const i of [0, 1, 3, 4, 5]) assert.equal(byIndex.get(i)!.severity, 'error', `entry ${i}`);
  // Each entry on its own line: the finding points at it.
  assert.equal(byIndex.get(0)!.line, FIRST + 3);
  assert.equal(byIndex.get(5)!.line, FIRST + 8);
});

test('an allow list that does not cover the identity provider host is PSSO-L026', () => {
  const allow = (...v: string[]) => lint([...openId, arr('WebLoginURLAllowList', ...v)]);
  const miss = only(allow('https://login.example.com'), 'PSSO-L026');
  assert.equal(miss.length, 1);
  assert.equal(miss[0]!.path, 'PlatformSSO.WebLoginURLAllowList');
  assert.equal(miss[0]!.line, FIRST + 2);
  assert.match(miss[0]!.message, /https:\/\/sso\.example\.com\/psso\/web-login\//);
  assert.match(miss[0]!.fix, /Add "https:\/\/sso\.example\.com"/);
  assert.equal(only(allow('http://sso.example.com'), 'PSSO-L026').length, 1, 'another scheme does not cover https');
  assert.equal(only(allow('https://sso.example.com:8443'), 'PSSO-L026').length, 1, 'another port does not cover 443');
  assert.match(only(allow(), 'PSSO-L026')[0]!.message, /is empty/);
  assert.deepEqual(only(allow('SSO.Example.com'), 'PSSO-L026'), [], 'a bare host, any case, covers it');
  assert.deepEqual(only(allow('https://sso.example.com:443'), 'PSSO-L026'), []);
  // The issuer given to the linter wins over the payload URL.
  const other = only(lint([...openId, arr('WebLoginURLAllowList', 'https://sso.example.com')], { issuer: 'https://id.example.org:8443/realm' }), 'PSSO-L026');
  assert.match(other[0]!.fix, /"https:\/\/id\.example\.org:8443"/);
  // Web login used only for account creation is checked too.
  const newUser = [str('AuthenticationMethod', 'UserSecureEnclaveKey'), bool('UseSharedDeviceKeys'), arr('NewUserAuthenticationMethods', 'OpenID'), arr('WebLoginURLAllowList', 'https://x.example.com')];
  assert.equal(only(lint(newUser), 'PSSO-L026').length, 1);
});

test('AllowWebLoginPasswordSync without OpenID is PSSO-L027, with the reason per method', () => {
  const pw = only(lint([str('AuthenticationMethod', 'Password'), bool('UseSharedDeviceKeys'), bool('AllowWebLoginPasswordSync')]), 'PSSO-L027');
  assert.equal(pw.length, 1);
  assert.equal(pw[0]!.line, FIRST + 2);
  assert.match(pw[0]!.message, /syncs the local password anyway/);
  const se = only(lint([str('AuthenticationMethod', 'UserSecureEnclaveKey'), bool('AllowWebLoginPasswordSync')]), 'PSSO-L027');
  assert.match(se[0]!.message, /never syncs/);
  assert.deepEqual(only(lint([str('AuthenticationMethod', 'Password'), bool('AllowWebLoginPasswordSync', false)]), 'PSSO-L027'), []);
  assert.deepEqual(only(lint([...openId, arr('WebLoginURLAllowList', 'https://sso.example.com'), bool('AllowWebLoginPasswordSync')]), 'PSSO-L027'), []);
});

test('the password-sync trap: OpenID syncs only with AllowWebLoginPasswordSync (PSSO-L041)', () => {
  const off = only(lint([...openId, arr('WebLoginURLAllowList', 'https://sso.example.com')]), 'PSSO-L041');
  assert.equal(off.length, 1);
  assert.equal(off[0]!.severity, 'note');
  assert.equal(off[0]!.line, FIRST);
  assert.match(off[0]!.message, /not kept in sync.*AllowWebLoginPasswordSync = true/s);
  const on = only(lint([...openId, arr('WebLoginURLAllowList', 'https://sso.example.com'), bool('AllowWebLoginPasswordSync')]), 'PSSO-L041');
  assert.equal(on[0]!.path, 'PlatformSSO.AllowWebLoginPasswordSync');
  assert.match(on[0]!.message, /syncPassword/);
});

test('OpenID for a fleet below macOS 27 is an error (PSSO-L028), not just an unknown value', () => {
  const pss = [...openId, arr('WebLoginURLAllowList', 'https://sso.example.com')];
  for (const target of ['26.2', '15']) {
    const fs = lint(pss, { target });
    const l028 = only(fs, 'PSSO-L028');
    assert.equal(l028.length, 1, target);
    assert.equal(l028[0]!.line, FIRST);
    assert.match(l028[0]!.message, new RegExp(`target .* is ${target.replace('.', '\\.')}.*never starts`));
    assert.deepEqual(fs.filter((f) => f.code === 'PSSO-L007' && f.path === 'PlatformSSO.AuthenticationMethod'), [], 'reported once, as L028');
  }
  // The default target is the newest released macOS (below 27).
  assert.equal(only(lintProfile(payload(pss)).findings, 'PSSO-L028').length, 1);
  assert.deepEqual(only(lint(pss, { target: '27' }), 'PSSO-L028'), []);
});

test('DDM names and the authorization-scopes opt-in in a profile are PSSO-L029; allow list at payload level is PSSO-L005', () => {
  const fs = lint([...openId, '<key>WebAuthentication</key><dict><key>URLAllowList</key><array><string>https://sso.example.com</string></array></dict>',
    bool('includePlatformSSOAuthorizationScopes'), bool('AllowPasswordSync')]);
  const l029 = only(fs, 'PSSO-L029');
  assert.deepEqual(l029.map((f) => [f.path, f.line]), [
    ['PlatformSSO.WebAuthentication', FIRST + 2], ['PlatformSSO.includePlatformSSOAuthorizationScopes', FIRST + 3], ['PlatformSSO.AllowPasswordSync', FIRST + 4]]);
  assert.match(l029[0]!.fix, /WebAuthentication\.URLAllowList → WebLoginURLAllowList/);
  assert.match(l029[1]!.fix, /ExtensionData/);
  assert.match(l029[2]!.fix, /PlatformSSO\.AllowWebLoginPasswordSync/);
  assert.deepEqual(only(fs, 'PSSO-L001'), [], 'not reported as unknown keys as well');
  // The allow list itself is still missing: L019.
  assert.equal(only(fs, 'PSSO-L019').length, 1);
  const atPayload = lint(openId, { extra: [arr('WebLoginURLAllowList', 'https://sso.example.com')] });
  assert.deepEqual(only(atPayload, 'PSSO-L005').map((f) => f.path), ['WebLoginURLAllowList']);
  // In ExtensionData the opt-in is where extensions read it: no finding.
  const inExt = lint([...openId, arr('WebLoginURLAllowList', 'https://sso.example.com')], { extra: ['<key>ExtensionData</key><dict>' + bool('includePlatformSSOAuthorizationScopes') + '</dict>'] });
  assert.deepEqual(inExt.filter((f) => f.severity === 'error'), []);
});

test('the Touch ID → web login fallback needs a Touch ID requirement and an allow list (PSSO-L035)', () => {
  const base = [str('AuthenticationMethod', 'UserSecureEnclaveKey'), bool('UseSharedDeviceKeys')];
  const bare = only(lint([...base, arr('LoginPolicy', 'AllowOpenIDForTouchIDFallback')]), 'PSSO-L035');
  assert.deepEqual(bare.map((f) => f.path), ['PlatformSSO.LoginPolicy[0]', 'PlatformSSO.LoginPolicy[0]']);
  assert.match(bare[0]!.message, /requires no Touch ID/);
  assert.match(bare[1]!.message, /WebLoginURLAllowList is missing/);
  assert.equal(bare[0]!.line, FIRST + 2);
  const ok = lint([...base, arr('LoginPolicy', 'RequireTouchID', 'AllowOpenIDForTouchIDFallback'), arr('WebLoginURLAllowList', 'https://sso.example.com')]);
  assert.deepEqual(only(ok, 'PSSO-L035'), []);
  assert.deepEqual(ok.filter((f) => f.severity === 'error'), []);
  // The fallback value is macOS 27: a 26 fleet does not know it.
  assert.ok(lint([...base, arr('LoginPolicy', 'RequireTouchID', 'AllowOpenIDForTouchIDFallback')], { target: '26' }).some((f) => f.code === 'PSSO-L007' && f.path === 'PlatformSSO.LoginPolicy[1]'));
});

test('AlwaysUseLoginUI is explained (PSSO-L047), differently when OpenID uses the login UI anyway', () => {
  const alone = only(lint([str('AuthenticationMethod', 'Password'), bool('AlwaysUseLoginUI')], { target: '27.2' }), 'PSSO-L047');
  assert.equal(alone.length, 1);
  assert.equal(alone[0]!.line, FIRST + 1);
  assert.match(alone[0]!.message, /does not turn on web login/);
  const withOpenId = only(lint([...openId, arr('WebLoginURLAllowList', 'https://sso.example.com'), bool('AlwaysUseLoginUI')], { target: '27.2' }), 'PSSO-L047');
  assert.match(withOpenId[0]!.message, /changes nothing/);
});

test('OpenID explains its preconditions (PSSO-L048) and limits policies to AllowOfflineGracePeriod (PSSO-L016)', () => {
  const fs = lint([...openId, arr('WebLoginURLAllowList', 'https://sso.example.com'), arr('LoginPolicy', 'RequireAuthentication', 'AllowOfflineGracePeriod'), '<key>OfflineGracePeriod</key><integer>86400</integer>']);
  const l048 = only(fs, 'PSSO-L048');
  assert.equal(l048.length, 1);
  assert.match(l048[0]!.message, /macOS 27.*UseSharedDeviceKeys.*key service/s);
  assert.match(l048[0]!.message, /https:\/\/sso\.example\.com\/signin\//);
  assert.deepEqual(only(fs, 'PSSO-L016').map((f) => [f.path, f.line]), [['PlatformSSO.LoginPolicy[0]', FIRST + 3]]);
  assert.equal(only(lint(openId.slice(0, 1).concat(arr('WebLoginURLAllowList', 'https://sso.example.com'))), 'PSSO-L012').length, 1, 'OpenID without shared keys');
});

const opts: OpenPssoProfileOptions = { issuer: 'https://sso.example.com/', extensionIdentifier: 'com.example.psso.app.ssoextension', teamIdentifier: 'ABCDE12345', method: 'OpenID', targetMacOS: '27' };

test('generate OpenID: a macOS 27 profile that lints without errors (XML and binary) and explains itself', () => {
  const r = buildProfile({ ...opts, allowWebLoginPasswordSync: true, enableCreateUserAtLogin: true, newUserAuthenticationMethods: ['OpenID'], authorizationScopes: true, extensionData: { BaseURL: 'https://sso.example.com' } });
  const doc = parsePlistXml(r.xml) as { PayloadDescription: string; PayloadContent: Record<string, unknown>[] };
  const p = doc.PayloadContent[0]!;
  const pss = p.PlatformSSO as Record<string, unknown>;
  assert.equal(pss.AuthenticationMethod, 'OpenID');
  assert.equal(pss.UseSharedDeviceKeys, true);
  assert.deepEqual(pss.WebLoginURLAllowList, ['https://sso.example.com']);
  assert.equal(pss.AllowWebLoginPasswordSync, true);
  assert.deepEqual(pss.NewUserAuthenticationMethods, ['OpenID']);
  assert.deepEqual(p.ExtensionData, { BaseURL: 'https://sso.example.com', includePlatformSSOAuthorizationScopes: true });
  assert.match(doc.PayloadDescription, /macOS 27.*key service/);
  assert.ok(r.findings.some((f) => f.code === 'PSSO-L048'), 'the preconditions are explained in the output');
  for (const bytes of [Buffer.from(r.xml), Buffer.from(buildBinary(doc as never))]) {
    const lr = lintProfile(bytes, { targetMacOS: '27', issuer: 'https://sso.example.com' });
    assert.deepEqual(lr.findings.filter((f) => f.severity === 'error'), []);
    assert.deepEqual(lr.findings.filter((f) => f.severity === 'warning').map((f) => f.code), lr.findings.filter((f) => f.severity === 'warning').map(() => 'PSSO-L046'), 'only pre-release warnings');
  }
  // A non-default port stays in the entry; extra hosts are added after the issuer's.
  const port = parsePlistXml(generateProfile({ ...opts, issuer: 'https://sso.example.com:8443/base', webLoginURLAllowList: ['https://idp.upstream.example'] })) as { PayloadContent: { PlatformSSO: Record<string, unknown> }[] };
  assert.deepEqual(port.PayloadContent[0]!.PlatformSSO.WebLoginURLAllowList, ['https://sso.example.com:8443', 'https://idp.upstream.example']);
  // The Touch ID fallback with another method also gets the allow list.
  const fb = parsePlistXml(generateProfile({ ...opts, method: 'UserSecureEnclaveKey', loginPolicy: ['RequireTouchID', 'AllowOpenIDForTouchIDFallback'] })) as { PayloadContent: { PlatformSSO: Record<string, unknown> }[] };
  assert.deepEqual(fb.PayloadContent[0]!.PlatformSSO.WebLoginURLAllowList, ['https://sso.example.com']);
  // Without web login no allow list is written.
  assert.equal((parsePlistXml(generateProfile({ ...opts, method: 'Password' })) as { PayloadContent: { PlatformSSO: Record<string, unknown> }[] }).PayloadContent[0]!.PlatformSSO.WebLoginURLAllowList, undefined);
});

test('generate OpenID refuses what cannot work', () => {
  const refuses = (o: Partial<OpenPssoProfileOptions> | Record<string, unknown>, re: RegExp) =>
    assert.throws(() => generateProfile({ ...opts, ...o } as OpenPssoProfileOptions), (e: unknown) => e instanceof ProfileOptionsError && re.test(e.message));
  refuses({ targetMacOS: '26' }, /method OpenID \(macOS 27\)/);
  refuses({ method: 'UserSecureEnclaveKey', targetMacOS: '26', loginPolicy: ['RequireTouchID', 'AllowOpenIDForTouchIDFallback'] }, /AllowOpenIDForTouchIDFallback \(macOS 27\)/);
  refuses({ useSharedDeviceKeys: false }, /PSSO-L012/);
  refuses({ webLoginURLAllowList: ['https://*.example.com'] }, /PSSO-L025/);
  refuses({ loginPolicy: ['AttemptAuthentication'] }, /PSSO-L016/);
  assert.throws(() => generateProfile({ template: 'entra', method: 'OpenID', targetMacOS: '27' }), /Entra/);
  refuses({ includeMacOS13Method: true }, /macOS 13 does not support OpenID/);
  assert.doesNotThrow(() => generateProfile({ ...opts, loginPolicy: ['AllowOfflineGracePeriod'], offlineGracePeriod: 86400 }));
});

async function capture(fn: () => Promise<number>): Promise<{ code: number; out: string; err: string }> {
  const o = process.stdout.write.bind(process.stdout);
  const e = process.stderr.write.bind(process.stderr);
  let out = '';
  let err = '';
  process.stdout.write = ((s: string | Uint8Array) => { out += typeof s === 'string' ? s : Buffer.from(s).toString(); return true; }) as typeof process.stdout.write;
  process.stderr.write = ((s: string | Uint8Array) => { err += typeof s === 'string' ? s : Buffer.from(s).toString(); return true; }) as typeof process.stderr.write;
  try {
    return { code: await fn(), out, err };
  } finally {
    process.stdout.write = o;
    process.stderr.write = e;
  }
}

test('CLI: generate --method openid writes a profile that lint accepts; lint --issuer checks the allow list', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'psso27-'));
  try {
    const out = join(dir, 'web.mobileconfig');
    const g = await capture(() => runProfileGenerate(['--issuer', 'https://sso.example.com', '--extension-id', 'com.example.psso.app.ssoextension', '--team-id', 'ABCDE12345',
      '--method', 'openid', '--target', '27', '--web-login-password-sync', '--web-login-url', 'https://idp.upstream.example', '--new-user-methods', 'OpenID', '--authorization-scopes', '--out', out]));
    assert.equal(g.code, 0, g.err);
    assert.match(g.err, /PSSO-L048/);
    const pss = (parsePlistXml(readFileSync(out, 'utf8')) as { PayloadContent: { PlatformSSO: Record<string, unknown> }[] }).PayloadContent[0]!.PlatformSSO;
    assert.deepEqual(pss.WebLoginURLAllowList, ['https://sso.example.com', 'https://idp.upstream.example']);
    assert.equal(pss.AllowWebLoginPasswordSync, true);
    const ok = await capture(() => runProfileLint([out, '--target', '27']));
    assert.equal(ok.code, 0, ok.out);
    const bad = await capture(() => runProfileLint([out, '--target', '27', '--issuer', 'https://other.example.com']));
    assert.equal(bad.code, 1);
    assert.match(bad.out, /PSSO-L026 .*\(line \d+:\d+\)/);
    const old = await capture(() => runProfileLint([out, '--target', '26']));
    assert.equal(old.code, 1);
    assert.match(old.out, /PSSO-L028/);
    assert.equal((await capture(() => runProfileLint([out, '--issuer', 'sso.example.com']))).code, 2);
    const refused = await capture(() => runProfileGenerate(['--issuer', 'https://sso.example.com', '--extension-id', 'a.b.c', '--team-id', 'ABCDE12345', '--method', 'openid']));
    assert.equal(refused.code, 1);
    assert.match(refused.err, /OpenID \(macOS 27\)/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('explain: web login keys show the DDM name; DDM groups explain where the keys go', () => {
  assert.match(explainKey('WebLoginURLAllowList')!, /DDM name: WebAuthentication\.URLAllowList/);
  assert.match(explainKey('AllowWebLoginPasswordSync')!, /syncPassword/);
  assert.match(explainKey('WebAuthentication')!, /Not a profile key.*WebLoginURLAllowList/s);
  assert.match(explainKey('includePlatformSSOAuthorizationScopes')!, /ExtensionData/);
  assert.match(explainKey('AllowOpenIDForTouchIDFallback')!, /macOS 27/);
  assert.match(explainKey('PSSO-L026')!, /identity provider host/);
});
