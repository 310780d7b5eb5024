// The UiO dialect with Apple Managed Device Attestation required (extensions.md §4.5-§4.6): the virtual
// Mac attests its shared signing key and its Secure Enclave key with a test root as attestKey would;
// the device is keyed by the attested UDID, userenroll finds it by the same UDID, and an enrolment
// without a chain, or with one for another key, is refused with nothing stored.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestServer } from '../helpers/test-server.js';
import { makeAttestationPki, type AttestationPki } from '../helpers/attestation-pki.js';
import { DEMO_PASSWORD } from '../../src/app/demo.js';
import { setAttestationMode } from '../../src/app/admin-api/graph-device-registration-policy.js';
import { generateP256, kidFromX963 } from '../../src/protocol/index.js';
import { virtualMacIdentifiers } from '../../src/mac/attestation.js';
import { nameUuid } from '../../src/app/uio/enroll.js';
import { ALICE, baseOf, newMac, nonce, postJson, uioServer } from './uio-helpers.js';

describe('UiO dialect with device attestation required', () => {
  let s: TestServer;
  let pki: AttestationPki;
  before(async () => {
    pki = await makeAttestationPki(mkdtempSync(join(tmpdir(), 'openpsso-attest-')));
    s = await uioServer({ overrides: { extensions: { uio: { enabled: true } }, attestation: { trustedRootFiles: [pki.rootFile] } } });
    await setAttestationMode(s.ctx, s.orgId, 'required');
  });
  after(async () => { await s.close(); });

  it('an attested WL-N Mac enrols, registers its Secure Enclave key and logs in; the device carries serial and UDID', async () => {
    const mac = newMac(s);
    const reg = await mac.register({
      server: baseOf(s), user: ALICE, password: DEMO_PASSWORD, method: 'secure_enclave', extension: 'uio', generation: 'wln', attestation: pki.authority,
    });
    const device = (await s.ctx.store.devices.getBySigningKid(reg.signingKid))!;
    const ids = virtualMacIdentifiers(reg.deviceUuid);
    assert.equal(device.attestation?.udid, ids.udid);
    assert.equal(device.attestation?.serialNumber, ids.serialNumber);
    assert.equal(device.deviceUuid, nameUuid(`udid:${ids.udid}`), 'the device is keyed by its attested UDID');
    assert.equal((await s.ctx.store.userRegistrations.listForDevice(device.id))[0]?.method, 'secure_enclave');
    const login = s.signIns.events.filter((e) => e.operation === 'login').at(-1)!;
    assert.deepEqual([login.extension, login.method, login.error], ['uio', 'secure_enclave', undefined]);
  });

  it('refuses an enrolment without attestation, and one whose leaf attests another key; nothing stored, the nonce kept for a retry', async () => {
    const devicesBefore = (await s.ctx.store.devices.list(s.orgId, { limit: 1000 })).items.length;
    const keys = () => {
      const sig = generateP256(); const enc = generateP256();
      return { sig, body: { DeviceSigningKey: sig.x963.toString('base64'), DeviceEncryptionKey: enc.x963.toString('base64'), SignKeyID: kidFromX963(sig.x963), EncKeyID: kidFromX963(enc.x963) } };
    };
    const id = crypto.randomUUID().toUpperCase();
    const n = String((await nonce(s, id)).body.nonce);
    const none = await postJson(s, '/psso/enroll', { ...keys().body, nonce: n, attestation: [], registrationToken: s.registrationToken }, id);
    assert.equal(none.status, 400);
    assert.equal(none.body.error_code, 'OPSSO1871');
    const other = generateP256();
    const chain = await pki.chain({ attestedKeyX963: other.x963, nonce: n, ...virtualMacIdentifiers('0F0F0F0F-1111-2222-3333-444455556666') });
    const wrongKey = await postJson(s, '/psso/enroll', { ...keys().body, nonce: n, attestation: chain.map((c) => c.toString('base64')), registrationToken: s.registrationToken }, id);
    assert.equal(wrongKey.status, 400);
    assert.equal(wrongKey.body.error_code, 'OPSSO1874');
    assert.equal((await s.ctx.store.devices.list(s.orgId, { limit: 1000 })).items.length, devicesBefore);
    // Both refusals came before the nonce was spent: the extension's retry with a good chain succeeds.
    const k = keys();
    const good = await pki.chain({ attestedKeyX963: k.sig.x963, nonce: n, ...virtualMacIdentifiers('0F0F0F0F-1111-2222-3333-444455556666') });
    const ok = await postJson(s, '/psso/enroll', { ...k.body, nonce: n, attestation: good.map((c) => c.toString('base64')), registrationToken: s.registrationToken }, id);
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
  });
});
