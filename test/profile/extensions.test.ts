// Profiles per open SSO extension (issue 10 item 4): `profile generate --extension` writes the whole
// set each extension needs, it lints clean for a real Mac and the virtual Mac reads it back; the
// linter's extension rules (PSSO-L036..L039, L049, L053..L058) each fire on a broken variant.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build as buildPlist, parse as parsePlist, type PlistValue } from 'plist';
import { runProfileGenerate } from '../../src/profile/cli.js';
import { explainKey } from '../../src/profile/explain.js';
import { lintProfile, type LintOptions } from '../../src/profile/lint.js';
import { loadProfileSettings } from '../../src/mac/profile-settings.js';

const dir = mkdtempSync(join(tmpdir(), 'ext-profiles-'));
const ISSUER = 'https://sso.example.com';

/** Runs a runner that writes its profile to a file; only stderr is captured (the test reporter owns stdout). */
async function capture(fn: () => Promise<number>): Promise<{ code: number; err: string }> {
  const e = process.stderr.write.bind(process.stderr);
  let err = '';
  process.stderr.write = ((s: string | Uint8Array) => { err += typeof s === 'string' ? s : Buffer.from(s).toString(); return true; }) as typeof process.stderr.write;
  try { return { code: await fn(), err }; } finally { process.stderr.write = e; }
}

async function generate(name: string, ...args: string[]): Promise<{ file: string; xml: string; err: string }> {
  const file = join(dir, `${name}.mobileconfig`);
  const r = await capture(() => runProfileGenerate([...args, '--out', file]));
  assert.equal(r.code, 0, r.err);
  return { file, xml: readFileSync(file, 'utf8'), err: r.err };
}

type Dict = Record<string, any>;
const payloads = (xml: string) => (parsePlist(xml) as Dict).PayloadContent as Dict[];
const ofType = (xml: string, t: string) => payloads(xml).find((p) => p.PayloadType === t);
const codes = (xml: string, opts: LintOptions = {}) => lintProfile(Buffer.from(xml), opts).findings.map((f) => `${f.code} ${f.severity}`);

const cases = [
  { ext: 'twocanoes', args: [] as string[], base: `${ISSUER}/twocanoes/`, id: 'com.twocanoes.Scissors.ssoe', team: 'UXP6YEHSPW', method: 'password', token: undefined },
  { ext: 'fleet', args: ['--registration-token', 'rgt.fleet-token'], base: `${ISSUER}/fleet`, id: 'com.fleetdm.fleet-desktop.pssoextension', team: '8VBZ3948LU', method: 'password', token: 'rgt.fleet-token' },
  { ext: 'uio', args: ['--team-id', 'QWERTY1234'], base: `${ISSUER}/realms/openpsso`, id: 'no.uio.WebloginSSO.ssoe', team: 'QWERTY1234', method: 'secure_enclave', token: undefined },
] as const;

for (const c of cases) {
  test(`--extension ${c.ext}: the whole set, lint-clean for a real Mac, read back by the virtual Mac`, async () => {
    const { file, xml } = await generate(c.ext, '--extension', c.ext, '--issuer', ISSUER, ...c.args);
    const sso = ofType(xml, 'com.apple.extensiblesso')!;
    assert.equal(sso.ExtensionIdentifier, c.id);
    assert.equal(sso.TeamIdentifier, c.team);
    assert.equal(sso.Type, 'Redirect');
    assert.equal(sso.ExtensionData.BaseURL, c.base);
    const r = lintProfile(readFileSync(file));
    assert.deepEqual(r.findings.filter((f) => f.severity !== 'note').map((f) => `${f.code} ${f.path}`), []);

    const s = await loadProfileSettings(file);
    assert.equal(s.extension, c.ext);
    assert.equal(s.extensionIdentifier, c.id);
    assert.equal(s.baseUrl, c.base);
    assert.equal(s.issuerBaseUrl, c.base.replace(/\/$/, ''));
    assert.equal(s.method, c.method);
    assert.equal(s.registrationToken, c.token);

    if (c.ext === 'twocanoes') {
      assert.equal(sso.ExtensionData.PSSOUrlPathString, c.base, 'both spellings of the base');
      assert.equal(sso.ExtensionData.Issuer, c.base);
      assert.equal(sso.ExtensionData.ClientID, 'psso');
      assert.equal(sso.ExtensionData.NonceEndpoint, 'nonce');
      assert.equal(ofType(xml, 'com.twocanoes.Scissors.ssoe')!.BaseURL, c.base);
    } else if (c.ext === 'fleet') {
      assert.deepEqual(Object.keys(sso.ExtensionData), ['BaseURL']);
      assert.equal(sso.PlatformSSO.UseSharedDeviceKeys, true);
      const ad = ofType(xml, 'com.apple.associated-domains')!;
      assert.deepEqual(ad.Configuration, [{ ApplicationIdentifier: `8VBZ3948LU.${c.id}`, AssociatedDomains: ['authsrv:sso.example.com'] }]);
      assert.equal(ofType(xml, 'com.fleetdm.fleetd.config')!.FleetURL, c.base);
    } else {
      assert.equal(sso.PlatformSSO.AuthenticationMethod, 'UserSecureEnclaveKey');
      assert.equal(sso.PlatformSSO.AllowDeviceIdentifiersInAttestation, true);
      assert.equal(s.allowDeviceIdentifiersInAttestation, true);
      const prefs = ofType(xml, 'no.uio.WebloginSSO.ssoe')!;
      assert.deepEqual([prefs.BaseURL, prefs.Issuer, prefs.ClientID, prefs.Audience], [c.base, c.base, 'psso', 'psso']);
      assert.deepEqual([sso.ExtensionData.Issuer, sso.ExtensionData.ClientID, sso.ExtensionData.Audience], [c.base, 'psso', 'psso']);
    }
  });
}

test('the generator refuses what an extension cannot do, and says what is missing', async () => {
  const uio = await capture(() => runProfileGenerate(['--extension', 'uio', '--issuer', ISSUER]));
  assert.equal(uio.code, 1);
  assert.match(uio.err, /build and sign it under your own Apple team and pass that team with --team-id/);
  const fleetSe = await capture(() => runProfileGenerate(['--extension', 'fleet', '--issuer', ISSUER, '--method', 'secure-enclave']));
  assert.equal(fleetSe.code, 1);
  assert.match(fleetSe.err, /supports Password, not UserSecureEnclaveKey/);
  const refresh = await capture(() => runProfileGenerate(['--extension', 'fleet', '--issuer', ISSUER, '--use-refresh-token']));
  assert.equal(refresh.code, 1);
  assert.match(refresh.err, /--use-refresh-token is a setting of the UiO extension/);
  // Fleet without a token: a placeholder, a warning, and `profile lint` refuses it for a real Mac.
  const { file, err } = await generate('fleet-no-token', '--extension', 'fleet', '--issuer', ISSUER);
  assert.match(err, /warning: .*RegistrationToken.*REPLACE-WITH-REGISTRATION-TOKEN/);
  assert.ok(codes(readFileSync(file, 'utf8')).includes('PSSO-L053 error'));
  // No extension at all: the placeholder, said loudly, and an error for a real Mac.
  const missing = await capture(() => runProfileGenerate(['--issuer', ISSUER, '--openpsso-config', join(dir, 'missing.json')]));
  assert.equal(missing.code, 1, 'a missing --openpsso-config file is an error');
  const plain = await generate('native2', '--extension', 'native', '--issuer', ISSUER);
  assert.match(plain.err, /placeholder 0000000000\.org\.openpsso\.mac\.ssoextension and works with the virtual Mac only/);
  assert.ok(codes(plain.xml).includes('PSSO-L039 error'));
  assert.ok(codes(plain.xml, { virtualMac: true }).includes('PSSO-L039 warning'));
  // Your own extension with attestation required: the identifiers are asked for, and the linter knows why.
  const own = await generate('native-attested', '--extension', 'native', '--issuer', ISSUER, '--extension-id', 'com.example.sso.ssoe', '--team-id', 'QWERTY1234', '--attestation', 'required');
  assert.equal(ofType(own.xml, 'com.apple.extensiblesso')!.PlatformSSO.AllowDeviceIdentifiersInAttestation, true);
  assert.deepEqual(codes(own.xml, { attestation: 'required' }).filter((c) => !c.endsWith('note')), []);
  const unattested = await generate('native-plain', '--extension', 'native', '--issuer', ISSUER, '--extension-id', 'com.example.sso.ssoe', '--team-id', 'QWERTY1234');
  assert.deepEqual(codes(unattested.xml, { attestation: 'required' }).filter((c) => !c.endsWith('note')), ['PSSO-L056 error']);
  // The dialect's base path and id_token issuer come from the OpenPSSO configuration.
  const cfg = join(dir, 'openpsso.config.json');
  writeFileSync(cfg, JSON.stringify({ issuer: 'https://idp.example.org', extensions: { uio: { enabled: true, basePath: '/realms/corp', idTokenIssuer: 'https://idp.example.org/realms/corp' } } }));
  const fromCfg = await generate('uio-cfg', '--openpsso-config', cfg, '--team-id', 'QWERTY1234');
  assert.match(fromCfg.err, /enables the uio dialect only/);
  assert.equal(ofType(fromCfg.xml, 'com.apple.extensiblesso')!.ExtensionData.BaseURL, 'https://idp.example.org/realms/corp');
});

/** A generated profile with one edit, and the findings it must give. */
const broken: { name: string; from: string; edit: (p: Dict[]) => void; want: string[]; opts?: LintOptions }[] = [
  { name: 'twocanoes BaseURL without its slash', from: 'twocanoes', edit: (p) => { p[0]!.ExtensionData.BaseURL = `${ISSUER}/twocanoes`; }, want: ['PSSO-L049 error'] },
  { name: 'UiO BaseURL with a slash', from: 'uio', edit: (p) => { p[0]!.ExtensionData.BaseURL = `${ISSUER}/realms/openpsso/`; }, want: ['PSSO-L049 error'] },
  { name: 'http:// BaseURL and URLs', from: 'fleet', edit: (p) => { p[0]!.ExtensionData.BaseURL = 'http://sso.example.com/fleet'; p[0]!.URLs = ['http://sso.example.com/fleet']; }, want: ['PSSO-L038 error', 'PSSO-L038 error'] },
  { name: 'http:// on loopback is a warning', from: 'fleet', edit: (p) => { p[0]!.URLs = ['http://127.0.0.1:8080/fleet']; }, want: ['PSSO-L038 warning'] },
  { name: 'placeholder team', from: 'twocanoes', edit: (p) => { p[0]!.TeamIdentifier = '0000000000'; }, want: ['PSSO-L039 error'] },
  { name: 'Fleet without RegistrationToken', from: 'fleet', edit: (p) => { delete p[0]!.RegistrationToken; }, want: ['PSSO-L053 error'] },
  { name: 'UiO without shared device keys', from: 'uio', edit: (p) => { delete p[0]!.PlatformSSO.UseSharedDeviceKeys; }, want: ['PSSO-L054 error'] },
  { name: 'Fleet with another team', from: 'fleet', edit: (p) => { p[0]!.TeamIdentifier = 'QWERTY1234'; p[1]!.Configuration[0].ApplicationIdentifier = 'QWERTY1234.com.fleetdm.fleet-desktop.pssoextension'; }, want: ['PSSO-L055 warning'] },
  { name: 'UiO without device identifiers in attestation', from: 'uio', edit: (p) => { delete p[0]!.PlatformSSO.AllowDeviceIdentifiersInAttestation; }, want: ['PSSO-L056 warning'] },
  { name: 'attestation required, no identifiers', from: 'twocanoes', edit: () => {}, want: ['PSSO-L056 error'], opts: { attestation: 'required' } },
  { name: 'misspelt and missing ExtensionData key', from: 'uio', edit: (p) => { const d = p[0]!.ExtensionData; d.ClientId = d.ClientID; delete d.ClientID; }, want: ['PSSO-L037 warning', 'PSSO-L036 error'] },
  { name: 'Fleet with the Secure Enclave method', from: 'fleet', edit: (p) => { p[0]!.PlatformSSO.AuthenticationMethod = 'UserSecureEnclaveKey'; }, want: ['PSSO-L057 error', 'PSSO-L041 note'] },
  { name: 'Fleet without its associated domains and installer preferences', from: 'fleet', edit: (p) => { p.splice(1, 2); }, want: ['PSSO-L058 warning', 'PSSO-L058 warning'] },
  { name: 'managed preferences missing a key', from: 'twocanoes', edit: (p) => { delete p[1]!.Issuer; }, want: ['PSSO-L036 error'] },
];

test('each extension rule fires on its broken profile, and only it', async () => {
  const made: Record<string, string> = {};
  for (const c of cases) made[c.ext] = (await generate(`${c.ext}-base`, '--extension', c.ext, '--issuer', ISSUER, ...c.args)).xml;
  for (const b of broken) {
    const doc = parsePlist(made[b.from]!) as Dict;
    b.edit(doc.PayloadContent);
    const xml = buildPlist(doc as PlistValue);
    const baseline = new Set(codes(made[b.from]!, b.opts ?? {}));
    const got = codes(xml, b.opts ?? {}).filter((c) => !baseline.has(c) || b.want.includes(c));
    assert.deepEqual(got.sort(), [...b.want].sort(), b.name);
  }
});

test('explain knows the extension finding codes', () => {
  for (const code of ['PSSO-L036', 'PSSO-L038', 'PSSO-L039', 'PSSO-L049', 'PSSO-L053', 'PSSO-L058']) {
    assert.match(explainKey(code) ?? '', new RegExp(`^${code} \\((error|warning|note)\\)\\n\\n.{40,}`));
  }
});
