// Signed profiles: CMS SignedData with attached content that `openssl cms -verify` and
// `openssl smime -verify` accept with the signer's CA, and that the linter opens (signer subject,
// signature check, tampering detected). A throwaway CA and signers are made with openssl.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateProfile, generateSignedProfile } from '../../src/profile/generate.js';
import { signProfile, ProfileSigningError } from '../../src/profile/cms.js';
import { lintProfile } from '../../src/profile/lint.js';
import { readMacSettings } from '../../src/profile/mac-settings.js';

let dir = '';
const f = (n: string) => join(dir, n);
const ssl = (...args: string[]) => execFileSync('openssl', args, { stdio: ['ignore', 'pipe', 'pipe'] });
const opts = { issuer: 'https://sso.example.com', extensionIdentifier: 'com.example.psso.app.ssoextension', teamIdentifier: 'ABCDE12345', method: 'Password' } as const;

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'openpsso-sign-'));
  ssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', f('ca.key'), '-out', f('ca.pem'), '-subj', '/CN=OpenPSSO Test CA', '-days', '2',
    '-addext', 'basicConstraints=critical,CA:true', '-addext', 'keyUsage=critical,keyCertSign,cRLSign');
  writeFileSync(f('ext.cnf'), 'basicConstraints=CA:false\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=emailProtection,codeSigning\nsubjectKeyIdentifier=hash\n');
  for (const [name, alg] of [['ec', ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256']], ['rsa', ['-newkey', 'rsa:2048']]] as const) {
    ssl('req', ...alg, '-nodes', '-keyout', f(`${name}.key`), '-out', f(`${name}.csr`), '-subj', `/CN=Profile Signer ${name}/O=Example Corp`);
    ssl('x509', '-req', '-in', f(`${name}.csr`), '-CA', f('ca.pem'), '-CAkey', f('ca.key'), '-CAcreateserial', '-out', f(`${name}.pem`), '-days', '1', '-extfile', f('ext.cnf'));
  }
});
after(() => { if (dir) rmSync(dir, { recursive: true, force: true }); });

for (const kind of ['ec', 'rsa'] as const) {
  test(`${kind} signer: openssl cms and smime verify with the CA; lint reads it and names the signer`, () => {
    const signed = generateSignedProfile(opts, { certPem: readFileSync(f(`${kind}.pem`), 'utf8'), keyPem: readFileSync(f(`${kind}.key`), 'utf8') });
    writeFileSync(f(`${kind}.mobileconfig`), signed);
    const cms = spawnSync('openssl', ['cms', '-verify', '-inform', 'DER', '-in', f(`${kind}.mobileconfig`), '-CAfile', f('ca.pem'), '-out', f(`${kind}.out`)], { encoding: 'utf8' });
    assert.equal(cms.status, 0, cms.stderr);
    assert.match(cms.stderr, /Verification successful/);
    assert.equal(readFileSync(f(`${kind}.out`), 'utf8'), generateProfile(opts));
    const smime = spawnSync('openssl', ['smime', '-verify', '-inform', 'DER', '-in', f(`${kind}.mobileconfig`), '-CAfile', f('ca.pem'), '-out', '/dev/null'], { encoding: 'utf8' });
    assert.equal(smime.status, 0, smime.stderr);
    // A wrong CA must fail, so the check above is meaningful.
    const wrong = spawnSync('openssl', ['cms', '-verify', '-inform', 'DER', '-in', f(`${kind}.mobileconfig`), '-CAfile', f(`${kind}.pem`), '-out', '/dev/null'], { encoding: 'utf8' });
    assert.notEqual(wrong.status, 0);

    const r = lintProfile(signed);
    assert.equal(r.signed, true);
    assert.equal(r.format, 'xml');
    assert.equal(r.counts.error, 0);
    assert.equal(r.signers[0]?.subject, `CN=Profile Signer ${kind}, O=Example Corp`);
    assert.equal(r.signers[0]?.signatureValid, true);
    const note = r.findings.find((x) => x.code === 'PSSO-L051');
    assert.ok(note && note.severity === 'note' && note.message.includes(`Profile Signer ${kind}`));
    assert.equal(readMacSettings(signed).method, 'password');
  });
}

test('lint reads profiles signed by openssl itself (streamed BER, PEM armour)', () => {
  writeFileSync(f('plain.mobileconfig'), generateProfile(opts));
  ssl('cms', '-sign', '-in', f('plain.mobileconfig'), '-signer', f('ec.pem'), '-inkey', f('ec.key'), '-nodetach', '-binary', '-outform', 'DER', '-stream', '-out', f('stream.der'));
  ssl('cms', '-sign', '-in', f('plain.mobileconfig'), '-signer', f('rsa.pem'), '-inkey', f('rsa.key'), '-nodetach', '-binary', '-outform', 'PEM', '-out', f('armoured.pem'));
  for (const file of ['stream.der', 'armoured.pem']) {
    const r = lintProfile(readFileSync(f(file)));
    assert.equal(r.signed, true, file);
    assert.equal(r.counts.error, 0, file);
    assert.equal(r.signers[0]?.signatureValid, true, file);
  }
});

test('a profile changed after signing is reported (PSSO-L050), never trusted', () => {
  const signed = generateSignedProfile(opts, { certPem: readFileSync(f('ec.pem'), 'utf8'), keyPem: readFileSync(f('ec.key'), 'utf8') });
  const at = signed.indexOf(Buffer.from('<string>Password</string>'));
  const tampered = Buffer.from(signed);
  tampered.write('<string>SmartCard</string>'.slice(0, 25), at, 'latin1');
  const r = lintProfile(tampered);
  const bad = r.findings.find((x) => x.code === 'PSSO-L050');
  assert.ok(bad && bad.severity === 'error', JSON.stringify(r.findings));
  assert.match(bad.message, /changed after signing/);
  const cms = spawnSync('openssl', ['cms', '-verify', '-inform', 'DER', '-CAfile', f('ca.pem'), '-out', '/dev/null'], { input: tampered });
  assert.notEqual(cms.status, 0);
});

test('signing refuses a key that does not belong to the certificate, and unreadable input', () => {
  assert.throws(() => signProfile('x', { certPem: readFileSync(f('ec.pem'), 'utf8'), keyPem: readFileSync(f('rsa.key'), 'utf8') }), ProfileSigningError);
  assert.throws(() => signProfile('x', { certPem: 'nope', keyPem: readFileSync(f('rsa.key'), 'utf8') }), /signer certificate/);
  assert.throws(() => signProfile('x', { certPem: readFileSync(f('ec.pem'), 'utf8'), keyPem: 'nope' }), /private key/);
});

test('garbage that looks like CMS is a finding, not a crash', () => {
  const r = lintProfile(Buffer.from([0x30, 0x82, 0x01, 0x00, ...Buffer.alloc(40, 7)]));
  assert.equal(r.findings[0]?.code, 'PSSO-L000');
  assert.match(r.findings[0]!.message, /signed profile/);
});
