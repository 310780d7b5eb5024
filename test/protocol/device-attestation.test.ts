// Apple Managed Device Attestation, the pure part (extensions.md §4.6): the built-in Apple root, Apple's
// OIDs as raw extnValue content, the chain walk, key match and freshness, each failure with its own code.

import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeAttestationArray, parseAttestationChain, verifyAttestation, verifyAttestationChain } from '../../src/protocol/device-attestation.js';
import { APPLE_ENTERPRISE_ATTESTATION_ROOT_SHA256, builtInAttestationRoot, loadAttestationRoots } from '../../src/app/attestation-roots.js';
import { generateP256 } from '../../src/protocol/ec-keys.js';
import { attestKey, type AttestationAuthority } from '../../src/mac/attestation.js';
import { PssoError } from '../../src/errors/psso-error.js';
import { makeAttestationRoot } from '../helpers/attestation-pki.js';

const NOW = Date.now();
const NONCE = 'b3f1c2d4-5e6f-4a7b-8c9d-0e1f2a3b4c5d';

function code(fn: () => unknown): string {
  try { fn(); } catch (e) { if (e instanceof PssoError) return e.entry.name; throw e; }
  return 'no error';
}

describe('device attestation (pure)', () => {
  let ca: AttestationAuthority;
  let other: AttestationAuthority;
  let roots: X509Certificate[];
  const key = generateP256();
  before(async () => {
    ca = await makeAttestationRoot();
    other = await makeAttestationRoot('Rogue Root');
    roots = [new X509Certificate(ca.certDer)];
  });

  it('builds in Apple\'s Enterprise Attestation Root CA with the published fingerprint (P-384, to 2047)', () => {
    const root = builtInAttestationRoot();
    assert.equal(root.fingerprint256, 'CC:F5:9E:F8:FC:B3:01:7D:97:F8:B5:FA:6F:A9:0E:7A:3F:92:83:F7:6B:55:AC:6C:F6:ED:A8:B8:B9:49:F0:5B');
    assert.equal(root.fingerprint256, APPLE_ENTERPRISE_ATTESTATION_ROOT_SHA256);
    assert.equal(root.publicKey.asymmetricKeyDetails?.namedCurve, 'secp384r1');
    assert.match(root.subject, /CN=Apple Enterprise Attestation Root CA/);
    assert.equal(new Date(root.validTo).getUTCFullYear(), 2047);
    assert.deepEqual(loadAttestationRoots([]).map((r) => r.fingerprint256), [APPLE_ENTERPRISE_ATTESTATION_ROOT_SHA256]);
  });

  it('configured root files replace the built-in root; an unreadable or empty file stops the start', () => {
    const dir = mkdtempSync(join(tmpdir(), 'openpsso-roots-'));
    try {
      const good = join(dir, 'root.pem');
      writeFileSync(good, new X509Certificate(ca.certDer).toString());
      assert.deepEqual(loadAttestationRoots([good]).map((r) => r.fingerprint256), [new X509Certificate(ca.certDer).fingerprint256]);
      const empty = join(dir, 'empty.pem');
      writeFileSync(empty, 'no certificate here\n');
      assert.equal(code(() => loadAttestationRoots([empty])), 'invalid_configuration');
      assert.equal(code(() => loadAttestationRoots([join(dir, 'missing.pem')])), 'invalid_configuration');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reads freshness, serial, UDID and SEP OS version as raw extnValue content and verifies a good chain', async () => {
    const chain = await attestKey(ca, { attestedKeyX963: key.x963, nonce: NONCE, serialNumber: 'C02ABC123DEF', udid: '00008103-0011223344556677', sepOsVersion: '24.4', now: NOW });
    assert.equal(chain.length, 2);
    const { leaf } = parseAttestationChain(chain);
    assert.deepEqual(leaf.freshness, createHash('sha256').update(NONCE).digest());
    assert.equal(leaf.serialNumber, 'C02ABC123DEF');
    assert.equal(leaf.udid, '00008103-0011223344556677');
    assert.equal(leaf.sepOsVersion, '24.4');
    const v = verifyAttestation({ chain, nonce: NONCE, attestedKeyX963: key.x963, trustedRoots: roots, now: NOW });
    assert.equal(v.rootFingerprint, createHash('sha256').update(ca.certDer).digest('hex'));
    assert.equal(v.udid, '00008103-0011223344556677');
    // With the root appended, and straight from the root without an intermediate.
    assert.equal(verifyAttestation({ chain: [...chain, ca.certDer], nonce: NONCE, attestedKeyX963: key.x963, trustedRoots: roots, now: NOW }).rootFingerprint, v.rootFingerprint);
    const direct = await attestKey(ca, { attestedKeyX963: key.x963, nonce: NONCE, intermediate: false, now: NOW });
    assert.equal(direct.length, 1);
    assert.equal(verifyAttestation({ chain: direct, nonce: NONCE, attestedKeyX963: key.x963, trustedRoots: roots, now: NOW }).serialNumber, null);
  });

  it('refuses each bad attestation with its own code', async () => {
    const good = await attestKey(ca, { attestedKeyX963: key.x963, nonce: NONCE, now: NOW });
    const base = { chain: good, nonce: NONCE, attestedKeyX963: key.x963, trustedRoots: roots, now: NOW };
    assert.equal(code(() => verifyAttestation({ ...base, nonce: NONCE.toUpperCase() })), 'attestation_freshness_mismatch');
    const noFresh = await attestKey(ca, { attestedKeyX963: key.x963, nonce: NONCE, freshness: null, now: NOW });
    assert.equal(code(() => verifyAttestation({ ...base, chain: noFresh })), 'attestation_freshness_mismatch');
    assert.equal(code(() => verifyAttestation({ ...base, attestedKeyX963: generateP256().x963 })), 'attestation_key_mismatch');
    const rogue = await attestKey(other, { attestedKeyX963: key.x963, nonce: NONCE, now: NOW });
    assert.equal(code(() => verifyAttestation({ ...base, chain: rogue })), 'attestation_untrusted');
    // A leaf from one chain glued to another chain's intermediate: the signature link breaks.
    assert.equal(code(() => verifyAttestation({ ...base, chain: [rogue[0]!, good[1]!] })), 'attestation_untrusted');
    assert.equal(code(() => verifyAttestation({ ...base, trustedRoots: [] })), 'attestation_untrusted');
    assert.equal(code(() => verifyAttestation({ ...base, now: NOW + 2 * 86400_000 })), 'attestation_certificate_expired');
    assert.equal(code(() => verifyAttestation({ ...base, now: NOW - 2 * 3600_000 })), 'attestation_certificate_expired');
    assert.equal(code(() => verifyAttestation({ ...base, chain: [] })), 'attestation_malformed');
    assert.equal(code(() => verifyAttestation({ ...base, chain: [Buffer.from('not a certificate')] })), 'attestation_malformed');
  });

  it('decodes only a non-empty array of standard base64 strings', () => {
    assert.equal(decodeAttestationArray(['AAAA', 'AQID']).length, 2);
    for (const bad of [undefined, null, 'AAAA', [], [''], ['not base64!'], ['AA-_'], [42], Array(6).fill('AAAA')]) {
      assert.equal(code(() => decodeAttestationArray(bad)), 'attestation_malformed', JSON.stringify(bad));
    }
  });

  it('names the chain walk: the trusted root must sign the last link', async () => {
    const good = await attestKey(ca, { attestedKeyX963: key.x963, nonce: NONCE, now: NOW });
    const certs = good.map((d) => new X509Certificate(d));
    assert.equal(verifyAttestationChain(certs, roots, NOW).fingerprint256, roots[0]!.fingerprint256);
    assert.equal(code(() => verifyAttestationChain(certs, [new X509Certificate(other.certDer)], NOW)), 'attestation_untrusted');
  });
});
