// Linter behaviour beyond the corpus: unreadable input never throws, URL conflicts across files,
// target versions, bare payload dictionaries, did-you-mean.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildBinary } from 'plist';
import { lintProfile, lintProfiles } from '../../src/profile/lint.js';
import { generateProfile } from '../../src/profile/generate.js';
import { didYouMean, normaliseMacOS } from '../../src/profile/util.js';

const opts = { issuer: 'https://sso.example.com', extensionIdentifier: 'com.example.psso.app.ssoextension', teamIdentifier: 'ABCDE12345', method: 'Password' } as const;
const codes = (b: Buffer | string, t?: string) => lintProfile(Buffer.isBuffer(b) ? b : Buffer.from(b), t ? { targetMacOS: t } : {}).findings.map((f) => `${f.code} ${f.severity} ${f.path}`);

test('unreadable input becomes PSSO-L000 with a position, never an exception', () => {
  const cases: [string, Buffer, RegExp, number | undefined][] = [
    ['empty', Buffer.alloc(0), /empty/, 1],
    ['not xml', Buffer.from('hello world'), /XML|root/, 1],
    ['unclosed', Buffer.from('<?xml version="1.0"?>\n<plist version="1.0">\n<dict>\n  <key>A</key>\n  <string>x</string>\n'), /XML syntax/, undefined],
    ['key without value', Buffer.from('<plist><dict>\n<key>A</key>\n</dict></plist>'), /has no value/, 2],
    ['unknown element', Buffer.from('<plist>\n<dict>\n<key>A</key>\n<strng>x</strng></dict></plist>'), /not a property-list element/, 4],
    ['bad date', Buffer.from('<plist><dict><key>A</key><date>yesterday</date></dict></plist>'), /ISO 8601/, 1],
    ['bad base64', Buffer.from('<plist><dict><key>A</key><data>!!!</data></dict></plist>'), /base64/, 1],
    ['bad entity', Buffer.from('<plist><dict><key>A&nope;</key><string/></dict></plist>'), /entity/, 1],
    ['truncated bplist', Buffer.from('bplist00\x00\x01\x02'), /binary plist/, undefined],
    ['bplist01', Buffer.from('bplist01xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx'), /bplist00/, undefined],
  ];
  for (const [name, bytes, re, line] of cases) {
    const r = lintProfile(bytes);
    assert.equal(r.ok, false, name);
    assert.equal(r.format, 'unreadable', name);
    assert.equal(r.findings.length, 1, name);
    assert.equal(r.findings[0]!.code, 'PSSO-L000', name);
    assert.match(r.findings[0]!.message, re, name);
    if (line !== undefined) assert.equal(r.findings[0]!.line, line, name);
    assert.doesNotMatch(r.findings[0]!.message, /\n\s+at /, `${name}: no stack trace`);
  }
  const unclosed = lintProfile(cases[2]![1]).findings[0]!;
  assert.ok(unclosed.line && unclosed.line >= 1 && unclosed.column && unclosed.column >= 1);
});

test('a cyclic binary plist is reported, not a stack overflow', () => {
  // Hand-built bplist00: object 0 is an array whose single element is object 0 itself.
  const objects = Buffer.from([0xa1, 0x00]);
  const offsetTable = Buffer.from([8]);
  const trailer = Buffer.alloc(32);
  trailer[6] = 1; trailer[7] = 1;
  trailer.writeUInt32BE(1, 12); trailer.writeUInt32BE(0, 20); trailer.writeUInt32BE(8 + objects.length, 28);
  const r = lintProfile(Buffer.concat([Buffer.from('bplist00'), objects, offsetTable, trailer]));
  assert.equal(r.findings[0]?.code, 'PSSO-L000');
  assert.match(r.findings[0]!.message, /cyclic|deep/);
});

test('binary plists keep integer types; a string LoginFrequency is still caught', () => {
  const doc = { PayloadType: 'com.apple.extensiblesso', PayloadVersion: 1, PayloadIdentifier: 'a.b', PayloadUUID: 'X', ExtensionIdentifier: 'a.b.c', TeamIdentifier: 'ABCDE12345',
    Type: 'Redirect', URLs: ['https://sso.example.com'], PlatformSSO: { AuthenticationMethod: 'Password', LoginFrequency: '7200' } };
  const bin = Buffer.from(buildBinary(doc));
  assert.deepEqual(codes(bin), ['PSSO-L003 error PlatformSSO.LoginFrequency']);
});

test('a bare payload dictionary (as MDM consoles export it) is linted with payload-relative paths', () => {
  const xml = `<plist><dict><key>PayloadType</key><string>com.apple.extensiblesso</string><key>PayloadVersion</key><integer>1</integer>
    <key>PayloadIdentifier</key><string>a.b</string><key>PayloadUUID</key><string>U</string><key>ExtensionIdentifier</key><string>a.b.c</string>
    <key>TeamIdentifier</key><string>ABCDE12345</string><key>Type</key><string>Redirect</string><key>URLs</key><array><string>https://x.example</string></array>
    <key>PlatformSSO</key><dict><key>AuthenticationMethod</key><string>password</string></dict></dict></plist>`;
  const r = lintProfile(Buffer.from(xml));
  assert.deepEqual(r.findings.map((f) => `${f.code} ${f.path}`), ['PSSO-L002 PlatformSSO.AuthenticationMethod']);
  assert.match(r.findings[0]!.message, /Did you mean "Password"/);
  assert.equal(r.findings[0]!.line, 4);
});

test('two files claiming the same URL conflict (Intune 10002); different URLs do not', () => {
  const a = Buffer.from(generateProfile(opts));
  const b = Buffer.from(generateProfile({ ...opts, issuer: 'https://SSO.example.com/', identifier: 'com.example.other', extensionIdentifier: 'com.example.legacy.sso' }));
  const c = Buffer.from(generateProfile({ ...opts, issuer: 'https://other.example.com' }));
  const res = lintProfiles([{ name: 'a.mobileconfig', bytes: a }, { name: 'b.mobileconfig', bytes: b }, { name: 'c.mobileconfig', bytes: c }]);
  assert.deepEqual(res[0]!.result.findings.filter((f) => f.severity === 'error'), []);
  const conflict = res[1]!.result.findings.filter((f) => f.code === 'PSSO-L030');
  assert.equal(conflict.length, 1);
  assert.equal(conflict[0]!.path, 'PayloadContent[0].URLs[0]');
  assert.match(conflict[0]!.message, /a\.mobileconfig/);
  assert.equal(res[1]!.result.ok, false);
  assert.equal(res[2]!.result.ok, true);
});

test('the target macOS decides which keys and values are known', () => {
  const p15 = generateProfile({ ...opts, targetMacOS: '15', fileVaultPolicy: ['AttemptAuthentication'], nonPlatformSSOAccounts: ['admin'] });
  assert.deepEqual(codes(p15, '15'), []);
  assert.deepEqual(codes(p15, '14').sort(), ['PSSO-L007 warning PayloadContent[0].PlatformSSO.FileVaultPolicy', 'PSSO-L007 warning PayloadContent[0].PlatformSSO.NonPlatformSSOAccounts']);
  // macOS 13 ignores the whole PlatformSSO dictionary: one finding, not one per key.
  assert.deepEqual(codes(p15, '13'), ['PSSO-L007 warning PayloadContent[0].PlatformSSO']);
  const guest = p15.replace('<key>FileVaultPolicy</key>', '<key>NewUserAuthorizationMode</key><string>Temporary</string><key>FileVaultPolicy</key>');
  assert.deepEqual(codes(guest, '15'), ['PSSO-L007 warning PayloadContent[0].PlatformSSO.NewUserAuthorizationMode']);
  assert.deepEqual(codes(guest, '26'), []);
  const pre = p15.replace('<key>FileVaultPolicy</key>', '<key>AlwaysUseLoginUI</key><true/><key>FileVaultPolicy</key>');
  assert.deepEqual(codes(pre), ['PSSO-L007 warning PayloadContent[0].PlatformSSO.AlwaysUseLoginUI']);
  // On 27.2 the key is known (pre-release), and the linter explains what it changes.
  assert.deepEqual(codes(pre, '27.2'), ['PSSO-L046 warning PayloadContent[0].PlatformSSO.AlwaysUseLoginUI', 'PSSO-L047 note PayloadContent[0].PlatformSSO.AlwaysUseLoginUI']);
  assert.throws(() => lintProfile(Buffer.from(p15), { targetMacOS: 'sonoma' }), /unknown macOS/);
});

test('misplaced, mistyped and near-miss keys get precise hints', () => {
  const xml = generateProfile(opts)
    .replace('<key>UseSharedDeviceKeys</key>\n          <true/>', '<key>UseSharedDeviceKeys</key>\n          <string>true</string><key>AccountName</key><string>upn</string><key>loginFrequency</key><integer>7200</integer>');
  const r = lintProfile(Buffer.from(xml));
  const byCode = Object.fromEntries(r.findings.map((f) => [f.code, f]));
  assert.match(byCode['PSSO-L003']!.fix, /<true\/>/);
  assert.match(byCode['PSSO-L005']!.message, /TokenToUserMapping/);
  assert.match(byCode['PSSO-L001']!.message, /Did you mean "LoginFrequency"/);
  assert.match(byCode['PSSO-L001']!.fix, /case-sensitive/);
});

test('did-you-mean and version parsing helpers', () => {
  assert.equal(didYouMean('UserSecureEnclave', ['Password', 'UserSecureEnclaveKey', 'SmartCard']), 'UserSecureEnclaveKey');
  assert.equal(didYouMean('smartcard', ['Password', 'SmartCard']), 'SmartCard');
  assert.equal(didYouMean('Kerberos', ['Password', 'SmartCard']), undefined);
  assert.equal(normaliseMacOS('15.4'), '15.4');
  assert.equal(normaliseMacOS('macOS 26'), '26');
  assert.equal(normaliseMacOS('16'), null);
});
