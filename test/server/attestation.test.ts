// Apple Managed Device Attestation at native registration (docs/attestation.md), against a real server
// trusting a throwaway P-384 root: the bad-input catalogue (each refusal its code, 400, nothing stored),
// the three organisation modes, and a good attestation's facts in the admin API, sign-in log and CLI.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { newKey, post, RawDevice } from '../helpers/raw-device.js';
import { dbSnapshot, newestSignInErrorCodes, signInLogCount } from '../helpers/db-snapshot.js';
import { makeAttestationPki, makeAttestationRoot, type AttestationPki } from '../helpers/attestation-pki.js';
import { runCli } from '../helpers/cli.js';
import { VirtualMac } from '../../src/mac/agent.js';
import { verifyDeviceAttestation } from '../../src/app/device-attestation.js';
import { whatIf } from '../../src/app/admin-api/what-if.js';
import { PLATFORM_SSO_APP_ID } from '../../src/policy/app-ids.js';
import { call, tokenFor } from '../admin/helpers.js';
import { attestKey, virtualMacIdentifiers } from '../../src/mac/attestation.js';
import { lookupError } from '../../src/errors/catalogue.js';
import { DEMO_PASSWORD } from '../../src/app/demo.js';
import { pemFromX963 } from '../../src/protocol/index.js';
import type { AttestationMode } from '../../src/storage/ports-access.js';

const ALICE = 'alice@demo.openpsso.test';
const SERIAL = 'C02TESTSERIAL';
const UDID = '00008103-000A1B2C3D4E5F6A';
const b64 = (chain: Buffer[]) => chain.map((c) => c.toString('base64'));

describe('Apple device attestation at registration', () => {
  let s: TestServer;
  let pki: AttestationPki;
  let dir: string;
  let admin: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'openpsso-attest-'));
    pki = await makeAttestationPki(dir);
    s = await startTestServer({ overrides: { attestation: { trustedRootFiles: [pki.rootFile] } } });
    admin = await tokenFor(s);
  });
  after(async () => { await s.close(); rmSync(dir, { recursive: true, force: true }); });

  const setMode = async (mode: AttestationMode) => {
    const r = await call(s, admin, 'PATCH', '/v1.0/policies/deviceRegistrationPolicy', { appleDeviceAttestationMode: mode });
    assert.equal(r.status, 204, JSON.stringify(r.body));
  };
  const nonce = async () => new RawDevice(s.url).nonce('/psso/nonce');
  const body = (dev: RawDevice, extra: Record<string, unknown>) => JSON.stringify({
    deviceUuid: dev.uuid, signingKey: pemFromX963(dev.signing.x963), encryptionKey: pemFromX963(dev.encryption.x963), sharedDeviceKeys: true, ...extra,
  });
  const register = (dev: RawDevice, extra: Record<string, unknown>) =>
    post(`${s.url}/api/v1/devices`, body(dev, extra), 'application/json', { authorization: `Bearer ${s.registrationToken}` });
  /** A good attestation of `dev`'s signing key for a live nonce, then `edit` applied to the options. */
  const attested = async (dev: RawDevice, o: Partial<Parameters<AttestationPki['chain']>[0]> = {}) => {
    const n = await nonce();
    const chain = await pki.chain({ attestedKeyX963: dev.signing.x963, nonce: n, serialNumber: SERIAL, udid: UDID, sepOsVersion: '24.4', ...o });
    return { attestation: b64(chain), attestationNonce: n };
  };

  /** The refusal: its code, 400, one sign-in log row with that code, and no table changed (no device, no used nonce). */
  async function expectRefused(extra: Record<string, unknown>, code: string, dev = new RawDevice(s.url)) {
    const snap = dbSnapshot(s.dataDir);
    const logs = signInLogCount(s.dataDir);
    const r = await register(dev, extra);
    assert.equal(r.status, 400, `${code}: got ${r.status} ${r.text}`);
    assert.equal(r.json?.error_code, code, r.text);
    assert.deepEqual(dbSnapshot(s.dataDir), snap, `${code}: nothing may be stored`);
    await s.ctx.signIns.flush?.();
    assert.equal(signInLogCount(s.dataDir) - logs, 1);
    const entry = lookupError(code)!;
    assert.deepEqual(newestSignInErrorCodes(s.dataDir, 1), [entry.entra ?? entry.code]);
    return r;
  }

  it('mode required: refuses each bad attestation with its own code and stores nothing', async () => {
    await setMode('required');
    const dev = new RawDevice(s.url);
    // Wrong nonce hash: made for one live nonce, sent with another.
    const made = await attested(dev);
    await expectRefused({ ...made, attestationNonce: await nonce() }, 'OPSSO1875', dev);
    await expectRefused({ ...(await attested(dev, { freshness: Buffer.alloc(32, 7) })) }, 'OPSSO1875', dev);
    // The leaf holds another key than the one being registered.
    await expectRefused(await attested(dev, { attestedKeyX963: newKey().x963 }), 'OPSSO1874', dev);
    // A chain from a root the server does not trust.
    const rogue = await makeAttestationRoot('Rogue Attestation Root');
    const n = await nonce();
    await expectRefused({ attestation: b64(await attestKey(rogue, { attestedKeyX963: dev.signing.x963, nonce: n, serialNumber: SERIAL, udid: UDID, now: Date.now() })), attestationNonce: n }, 'OPSSO1872', dev);
    // Expired leaf.
    await expectRefused(await attested(dev, { notBefore: new Date(Date.now() - 3 * 86400_000), notAfter: new Date(Date.now() - 86400_000) }), 'OPSSO1873', dev);
    // No UDID (profile without AllowDeviceIdentifiersInAttestation) while required; then no serial.
    await expectRefused(await attested(dev, { udid: null }), 'OPSSO1876', dev);
    await expectRefused(await attested(dev, { serialNumber: null }), 'OPSSO1876', dev);
    // Garbage certificates.
    for (const garbage of [[], ['not base64!'], ['AAAA'], 'MIIB', [42]]) {
      await expectRefused({ attestation: garbage, attestationNonce: await nonce() }, 'OPSSO1870', dev);
    }
    // Required but absent; a chain without its nonce.
    await expectRefused({}, 'OPSSO1871', dev);
    await expectRefused({ attestation: made.attestation }, 'OPSSO1877', dev);
    // A nonce the server never issued.
    const forged = 'bm90IGEgbm9uY2UgdGhpcyBzZXJ2ZXIgaXNzdWVk';
    await expectRefused({ attestation: b64(await pki.chain({ attestedKeyX963: dev.signing.x963, nonce: forged, serialNumber: SERIAL, udid: UDID })), attestationNonce: forged }, 'OPSSO1106', dev);
  });

  it('a nonce serves one attestation: the replay is refused (OPSSO1108)', async () => {
    await setMode('required');
    const first = new RawDevice(s.url);
    const good = await attested(first);
    assert.equal((await register(first, good)).status, 201);
    const second = new RawDevice(s.url);
    const replay = await pki.chain({ attestedKeyX963: second.signing.x963, nonce: good.attestationNonce, serialNumber: SERIAL, udid: UDID });
    await expectRefused({ attestation: b64(replay), attestationNonce: good.attestationNonce }, 'OPSSO1108', second);
  });

  it('mode preferred verifies what is sent and accepts none; mode off does not look', async () => {
    await setMode('preferred');
    const plain = new RawDevice(s.url);
    const r = await register(plain, {});
    assert.equal(r.status, 201, r.text);
    assert.equal(r.json.device.isAttested, false);
    await expectRefused(await attested(new RawDevice(s.url), { attestedKeyX963: newKey().x963 }), 'OPSSO1874');
    // Preferred does not demand identifiers: an attestation without serial and UDID is still an attestation.
    const anon = new RawDevice(s.url);
    const a = await register(anon, await attested(anon, { serialNumber: null, udid: null }));
    assert.equal(a.status, 201, a.text);
    assert.deepEqual([a.json.device.isAttested, a.json.device.serialNumber, a.json.device.udid], [true, null, null]);
    // The dialects' entry point: identifiers on demand, and a nonce the dialect consumed itself.
    const uio = new RawDevice(s.url);
    const noIds = await pki.chain({ attestedKeyX963: uio.signing.x963, nonce: 'dialect-consumed' });
    const entry = { orgId: s.orgId, chain: noIds, nonce: 'dialect-consumed', attestedKeyX963: uio.signing.x963, nonceConsumed: true };
    await assert.rejects(verifyDeviceAttestation(s.ctx, { ...entry, requireIdentifiers: true }), (e: any) => e.entry?.name === 'attestation_identifiers_missing');
    const facts = await verifyDeviceAttestation(s.ctx, entry);
    assert.deepEqual([facts?.serialNumber, facts?.udid, facts?.rootFingerprint.length], [null, null, 64]);
    await setMode('off');
    assert.equal(await verifyDeviceAttestation(s.ctx, { ...entry, chain: [Buffer.from('garbage')] }), null);
    const off = new RawDevice(s.url);
    const o = await register(off, { attestation: ['not base64!'], attestationNonce: 'x' });
    assert.equal(o.status, 201, o.text);
    assert.equal(o.json.device.isAttested, false);
    const policy = await call(s, admin, 'GET', '/v1.0/policies/deviceRegistrationPolicy');
    assert.equal(policy.body.appleDeviceAttestationMode, 'off');
    assert.equal((await call(s, admin, 'PATCH', '/v1.0/policies/deviceRegistrationPolicy', { appleDeviceAttestationMode: 'always' })).status, 400);
  });

  it('a good attestation: facts in the answer, the Graph device, the sign-in log and conditional access', async () => {
    await setMode('required');
    const dev = new RawDevice(s.url);
    const r = await register(dev, await attested(dev));
    assert.equal(r.status, 201, r.text);
    assert.deepEqual([r.json.device.isAttested, r.json.device.serialNumber, r.json.device.udid], [true, SERIAL, UDID]);
    const id = r.json.device.id as string;
    const g = await call(s, admin, 'GET', `/v1.0/devices/${id}`);
    assert.equal(g.status, 200);
    assert.equal(g.body.serialNumber, SERIAL);
    assert.equal(g.body.udid, UDID);
    assert.equal(g.body.isAttested, true);
    assert.match(g.body.attestedDateTime, /^\d{4}-\d\d-\d\dT/);
    const stored = await s.ctx.store.devices.get(id);
    assert.equal(stored?.attestation?.sepOsVersion, '24.4');
    await s.ctx.signIns.flush?.();
    // Rows share the test clock's second, so their order is arbitrary: look at every successful row.
    const logs = await call(s, admin, 'GET', `/v1.0/auditLogs/signIns?$filter=${encodeURIComponent('status/errorCode eq 0')}&$top=1000`);
    const row = logs.body.value.find((x: any) => x.deviceDetail.deviceId === id);
    assert.ok(row, 'the registration has a sign-in log row');
    assert.equal(row.deviceDetail.serialNumber, SERIAL);
    assert.equal(row.deviceDetail.isAttested, true);
    // Conditional access: block unattested devices; the attested Mac still logs in.
    const pol = await call(s, admin, 'POST', '/v1.0/identity/conditionalAccess/policies', {
      displayName: 'Block unattested Macs', state: 'enabled',
      conditions: { users: { includeUsers: ['All'] }, applications: { includeApplications: [PLATFORM_SSO_APP_ID] }, devices: { includeDeviceStates: ['unattested'] } },
      grantControls: { operator: 'OR', builtInControls: ['block'] },
    });
    assert.equal(pol.status, 201, JSON.stringify(pol.body));
    try {
      dev.id = id;
      const now = Math.floor(Date.now() / 1000);
      const ok = dev.loginRequest(await dev.nonce(), now, { username: ALICE, password: DEMO_PASSWORD });
      assert.equal((await dev.send(ok.jwt)).status, 200);
      // What-if (`openpsso whatif`) names the attestation state in its trace.
      const w = await whatIf(s.ctx, s.orgId, { user: ALICE, app: PLATFORM_SSO_APP_ID, ip: '127.0.0.1', device: id });
      assert.equal(w.result, 'allow');
      assert.ok(w.trace.some((l) => l.includes('device state registered, attested: not in includeDeviceStates')), w.trace.join('\n'));
      await setMode('off');
      const plain = new RawDevice(s.url);
      assert.equal((await register(plain, {})).status, 201);
      const blocked = await plain.send(plain.loginRequest(await plain.nonce(), now, { username: ALICE, password: DEMO_PASSWORD }).jwt);
      assert.equal(blocked.status, 400, blocked.text);
      assert.equal(blocked.json.error_code, 'OPSSO' + String(lookupError('blocked_by_conditional_access')!.code));
    } finally {
      await call(s, admin, 'DELETE', `/v1.0/identity/conditionalAccess/policies/${pol.body.id}`);
    }
  });

  it('the virtual Mac registers with attestKey, and `openpsso device list` shows serial and UDID', async () => {
    await setMode('required');
    const mac = new VirtualMac({ memory: true, scryptCost: 1024 });
    const reg = await mac.register({ server: s.url, token: s.registrationToken, user: ALICE, password: DEMO_PASSWORD, attestation: pki.authority });
    const ids = virtualMacIdentifiers(reg.deviceUuid);
    const stored = await s.ctx.store.devices.getByUuid(s.orgId, reg.deviceUuid);
    assert.deepEqual([stored?.attestation?.serialNumber, stored?.attestation?.udid], [ids.serialNumber, ids.udid]);
    // One CLI process (each costs seconds): the admin's view.
    const list = await runCli(s.dataDir, 'device', 'list');
    assert.equal(list.code, 0, list.err);
    const line = list.out.split('\n').find((l) => l.includes(reg.deviceUuid));
    assert.ok(line, list.out);
    assert.match(line, new RegExp(`\\byes\\s+${ids.serialNumber}\\s+${ids.udid}$`));
    assert.match(list.out.split('\n')[0]!, /ATTESTED\s+SERIAL\s+UDID/);
    const plain = list.out.split('\n').filter((l) => /\bno\s+-\s+-$/.test(l));
    assert.ok(plain.length > 0, 'devices registered without attestation show no serial or UDID');
  });
});
