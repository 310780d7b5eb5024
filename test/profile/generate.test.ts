// Generator: every method and the Entra template lint clean, output is reproducible, version gating
// refuses keys the target macOS lacks, and the virtual Mac's reader gets the settings back.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildBinary } from 'plist';
import { parse as parsePlistXml } from 'plist';
import { buildProfile, generateProfile, ProfileOptionsError, uuidV5, type GenerateOptions } from '../../src/profile/generate.js';
import { lintProfile } from '../../src/profile/lint.js';
import { readMacSettings } from '../../src/profile/mac-settings.js';

const base = { issuer: 'https://sso.example.com/', extensionIdentifier: 'com.example.psso.app.ssoextension', teamIdentifier: 'ABCDE12345', registrationToken: 'rt_abc' } as const;
const errors = (xml: string | Buffer, targetMacOS?: string) =>
  lintProfile(Buffer.isBuffer(xml) ? xml : Buffer.from(xml), targetMacOS ? { targetMacOS } : {}).findings.filter((f) => f.severity === 'error');

const methods = [
  ['Password', 'password'], ['UserSecureEnclaveKey', 'secure_enclave'], ['SmartCard', 'smart_card'],
] as const;

for (const [method, macMethod] of methods) {
  test(`generate ${method}: lints clean on every target and round-trips into the Mac settings`, () => {
    const xml = generateProfile({ ...base, method, accountDisplayName: 'Example', loginFrequency: 7200, enableCreateUserAtLogin: method !== 'UserSecureEnclaveKey', tokenToUserMapping: { accountName: 'preferred_username', fullName: 'name' } });
    for (const t of ['14', '15', '15.4', '26']) assert.deepEqual(errors(xml, t), [], `target ${t}`);
    const s = readMacSettings(Buffer.from(xml));
    assert.equal(s.method, macMethod);
    assert.equal(s.loginFrequency, 7200);
    assert.equal(s.sharedDeviceKeys, true);
    assert.equal(s.createUserAtLogin, method !== 'UserSecureEnclaveKey');
    assert.equal(s.registrationToken, 'rt_abc');
    assert.equal(s.issuerBaseUrl, 'https://sso.example.com');
    assert.equal(s.accountDisplayName, 'Example');
    assert.deepEqual(s.tokenToUserMapping, { AccountName: 'preferred_username', FullName: 'name' });
    // The same profile as a binary plist reads the same way.
    const bin = Buffer.from(buildBinary(parsePlistXml(xml)));
    assert.equal(bin.subarray(0, 8).toString(), 'bplist00');
    assert.deepEqual(errors(bin), []);
    assert.deepEqual(readMacSettings(bin), s);
  });
}

test('generate with every PlatformSSO option for macOS 15 (Password) lints clean', () => {
  const opts: GenerateOptions = {
    ...base, method: 'Password', targetMacOS: '15', enableAuthorization: true, enableCreateUserAtLogin: true,
    userAuthorizationMode: 'Groups', newUserAuthorizationMode: 'Groups', administratorGroups: ['mac-admins'], additionalGroups: ['dev'],
    authorizationGroups: { 'system.preferences': 'mac-admins' }, loginPolicy: ['RequireAuthentication', 'AllowOfflineGracePeriod', 'AllowAuthenticationGracePeriod'],
    unlockPolicy: ['RequireAuthentication', 'AllowTouchIDOrWatchForUnlock'], fileVaultPolicy: ['AttemptAuthentication'], offlineGracePeriod: 86400,
    authenticationGracePeriod: 3600, nonPlatformSSOAccounts: ['breakglass'], screenLockedBehavior: 'DoNotHandle', includeMacOS13Method: true,
    organization: 'Example Corp', additionalURLs: ['https://login.example.com'],
  };
  const r = buildProfile(opts);
  assert.deepEqual(r.findings.filter((f) => f.severity !== 'note'), []);
  const s = readMacSettings(Buffer.from(r.xml));
  assert.deepEqual(s.administratorGroups, ['mac-admins']);
  assert.deepEqual(s.authorizationGroups, { 'system.preferences': 'mac-admins' });
  assert.deepEqual(s.fileVaultPolicy, ['AttemptAuthentication']);
  assert.equal(s.offlineGracePeriod, 86400);
  assert.deepEqual(s.urls, ['https://sso.example.com', 'https://login.example.com']);
  assert.equal(s.userAuthorizationMode, 'Groups');
  // RegistrationToken sits at the payload level, never inside PlatformSSO.
  const doc = parsePlistXml(r.xml) as { PayloadContent: Record<string, unknown>[] };
  const payload = doc.PayloadContent[0]!;
  assert.equal(payload.RegistrationToken, 'rt_abc');
  assert.equal((payload.PlatformSSO as Record<string, unknown>).RegistrationToken, undefined);
  assert.equal(payload.AuthenticationMethod, 'Password');
});

test('Entra template carries the Microsoft values and lints clean', () => {
  const xml = generateProfile({ template: 'entra', accountDisplayName: 'Contoso' });
  assert.deepEqual(errors(xml), []);
  const doc = parsePlistXml(xml) as { PayloadContent: Record<string, unknown>[] };
  const p = doc.PayloadContent[0]!;
  assert.equal(p.ExtensionIdentifier, 'com.microsoft.CompanyPortalMac.ssoextension');
  assert.equal(p.TeamIdentifier, 'UBF8T346G9');
  assert.equal(p.Type, 'Redirect');
  assert.deepEqual(p.URLs, ['https://login.microsoftonline.com', 'https://login.microsoft.com', 'https://sts.windows.net']);
  assert.equal(p.RegistrationToken, '{{DEVICEREGISTRATION}}');
  assert.equal(p.ScreenLockedBehavior, 'DoNotHandle');
  const pss = p.PlatformSSO as Record<string, unknown>;
  assert.equal(pss.AuthenticationMethod, 'UserSecureEnclaveKey');
  assert.equal(pss.UseSharedDeviceKeys, true);
  assert.deepEqual(pss.TokenToUserMapping, { AccountName: 'preferred_username', FullName: 'name' });
  const us = parsePlistXml(generateProfile({ template: 'entra', cloud: 'usgov' })) as { PayloadContent: { URLs: string[] }[] };
  assert.ok(us.PayloadContent[0]!.URLs.includes('https://login.microsoftonline.us'));
});

test('output is reproducible; UUIDs follow the inputs unless random ones are asked for', () => {
  const a = generateProfile({ ...base, method: 'Password' });
  assert.equal(generateProfile({ ...base, method: 'Password' }), a);
  const uuids = (xml: string) => [...xml.matchAll(/<key>PayloadUUID<\/key>\s*<string>([^<]+)</g)].map((m) => m[1]);
  const [p1, q1] = uuids(a);
  assert.notEqual(p1, q1);
  assert.match(p1!, /^[0-9A-F]{8}-[0-9A-F]{4}-5[0-9A-F]{3}-[89AB][0-9A-F]{3}-[0-9A-F]{12}$/);
  assert.notDeepEqual(uuids(generateProfile({ ...base, method: 'SmartCard' })), uuids(a));
  assert.notDeepEqual(uuids(generateProfile({ ...base, method: 'Password', randomUUIDs: true })), uuids(generateProfile({ ...base, method: 'Password', randomUUIDs: true })));
  // RFC 9562 appendix A test vector for UUIDv5 (DNS namespace, "www.example.com").
  assert.equal(uuidV5('www.example.com', '6ba7b810-9dad-11d1-80b4-00c04fd430c8'), '2ED6657D-E927-568B-95E1-2665A8AEA6A2');
});

test('the target macOS decides which options are allowed', () => {
  assert.throws(() => generateProfile({ ...base, fileVaultPolicy: ['AttemptAuthentication'], method: 'Password' }), (e: unknown) => e instanceof ProfileOptionsError && /fileVaultPolicy.*15/.test(e.message));
  assert.doesNotThrow(() => generateProfile({ ...base, fileVaultPolicy: ['AttemptAuthentication'], method: 'Password', targetMacOS: '15' }));
  assert.throws(() => generateProfile({ ...base, allowDeviceIdentifiersInAttestation: true, targetMacOS: '15' }), /15\.4/);
  assert.throws(() => generateProfile({ ...base, enableRegistrationDuringSetup: true, targetMacOS: '15.4' }), /26/);
  assert.throws(() => generateProfile({ ...base, newUserAuthorizationMode: 'Temporary', targetMacOS: '15' }), /Temporary/);
  assert.throws(() => generateProfile({ ...base, targetMacOS: '13' }), /includeMacOS13Method/);
  const xml13 = generateProfile({ ...base, method: 'Password', targetMacOS: '13', includeMacOS13Method: true });
  assert.deepEqual(errors(xml13, '13'), []);
  assert.throws(() => generateProfile({ ...base, targetMacOS: '16' }), /unknown macOS/);
});

test('invalid options and combinations are refused with the reason', () => {
  assert.throws(() => generateProfile({ ...base, loginFrequency: 24 }), (e: unknown) => e instanceof ProfileOptionsError && /loginFrequency/.test(e.message));
  assert.throws(() => generateProfile({ ...base, teamIdentifier: 'abc' }), /teamIdentifier/);
  assert.throws(() => generateProfile({ ...base, issuer: 'https://sso.example.com/?x=1' }), /issuer/);
  assert.throws(() => generateProfile({ ...base, method: 'UserSecureEnclave' as 'Password' }), /method/);
  assert.throws(() => generateProfile({ ...base, bogus: 1 } as unknown as GenerateOptions), /bogus/);
  // Cross-key rules come from the linter: shared keys off + create-user, FileVault with the SE method.
  assert.throws(() => generateProfile({ ...base, useSharedDeviceKeys: false, enableCreateUserAtLogin: true }), (e: unknown) => e instanceof ProfileOptionsError && e.findings.some((f) => f.code === 'PSSO-L012'));
  assert.throws(() => generateProfile({ ...base, method: 'UserSecureEnclaveKey', targetMacOS: '15', fileVaultPolicy: ['AttemptAuthentication'] }), /PSSO-L016/);
  assert.throws(() => generateProfile({ ...base, method: 'Password', targetMacOS: '15', loginPolicy: ['RequireAuthentication', 'AllowOfflineGracePeriod'] }), /PSSO-L013/);
});

test('readMacSettings refuses profiles without a usable Platform SSO payload', () => {
  assert.throws(() => readMacSettings(Buffer.from('<plist><dict><key>PayloadType</key><string>Configuration</string></dict></plist>')), /no com.apple.extensiblesso/);
  assert.throws(() => readMacSettings(Buffer.from('<plist><dict>')), /cannot read/);
  const noMethod = generateProfile({ ...base }).replace(/<key>AuthenticationMethod<\/key>\s*<string>UserSecureEnclaveKey<\/string>/, '');
  assert.throws(() => readMacSettings(Buffer.from(noMethod)), /no AuthenticationMethod/);
  const defaults = readMacSettings(Buffer.from(generateProfile({ ...base, useSharedDeviceKeys: false })));
  assert.equal(defaults.loginFrequency, 64800);
  assert.equal(defaults.sharedDeviceKeys, false);
  assert.equal(defaults.createUserAtLogin, false);
});
