// The twocanoes Scissors dialect end to end (extensions.md §2): a virtual Mac acting as Scissors
// registers unauthenticated at BaseURL/register, logs in with its password, runs the key service,
// renews by full login (Scissors sets no refresh URL) and is refused once revoked; plus the
// registration gate, field variants and a replayed nonce, against a real server on loopback.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { backends } from '../helpers/backends.js';
import { ManualClock } from '../../src/app/clock.js';
import { DEMO_PASSWORD } from '../../src/app/demo.js';
import { VirtualMac } from '../../src/mac/agent.js';
import { MacError } from '../../src/mac/errors.js';
import { revokeDevice } from '../../src/app/directory.js';
import { b64Encode, b64uEncode, buildLoginRequest, buildPssoForm, generateP256, kidFromX963, pemFromX963 } from '../../src/protocol/index.js';
import { fleetPem } from '../../src/mac/extensions/fleet.js';
import { loadConfig } from '../../src/config/load.js';
import { deprecationNotes } from '../../src/config/deprecations.js';

const ALICE = 'alice@demo.openpsso.test';
const HOUR = 3600_000;

/** A virtual Mac whose hardware UUID is known before it registers (the allow-list names it). */
function macWithUuid(clock: ManualClock, uuid: string): VirtualMac {
  const dir = mkdtempSync(join(tmpdir(), 'vmac-tc-'));
  writeFileSync(join(dir, 'hardware.json'), JSON.stringify({ deviceUuid: uuid }));
  return new VirtualMac({ dir, clock, scryptCost: 1024 });
}

async function post(url: string, body: string, contentType?: string): Promise<{ status: number; json: Record<string, any> }> {
  // node:http, so that a request with no Content-Type at all can be sent (fetch always adds one).
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', headers: { ...(contentType ? { 'content-type': contentType } : {}), 'content-length': Buffer.byteLength(body) } }, (res) => {
      let text = '';
      res.on('data', (c) => { text += c; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, json: text ? JSON.parse(text) : {} }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** One Scissors journey: register, login, key request (in register), key exchange, full-login renewal, revocation. */
async function journey(s: TestServer, clock: ManualClock): Promise<void> {
  const base = `${s.url}/twocanoes`;
  const uuid = randomUUID().toUpperCase();
  s.ctx.config.extensions.twocanoes.allowedDeviceUuids.push(uuid);
  const m = macWithUuid(clock, uuid);
  const reg = await m.register({ server: base, extension: 'twocanoes', user: ALICE, method: 'password', password: DEMO_PASSWORD });
  assert.equal(reg.deviceUuid, uuid);
  assert.ok(reg.serverDeviceId?.startsWith('dev_'), 'the reply names the device id');
  assert.match(reg.unlockCertificateSubject ?? '', /Platform Key Access/);
  const cfg = (await m.registered()).cfg;
  assert.equal(cfg.issuer, `${base}/`);
  assert.equal(cfg.refreshEndpointURL, undefined);

  const kx = await m.keyExchange({ user: ALICE, count: 2 });
  assert.equal(kx.verified, true);
  // No refresh URL: a Mac renews with a full login, never a refresh request.
  clock.advance(5 * HOUR);
  const renewed = await m.refresh({ user: ALICE, password: DEMO_PASSWORD });
  assert.equal(renewed.action, 'full_login', renewed.reason);

  const rows = s.signIns.events.filter((e) => e.deviceUuid === uuid);
  for (const op of ['device_registration', 'login', 'key_request', 'key_exchange'] as const) {
    const row = rows.find((e) => e.operation === op && !e.error);
    assert.ok(row, `${op} logged`);
    assert.equal(row.extension, 'twocanoes', `${op} row names the dialect`);
  }
  assert.ok(!rows.some((e) => e.operation === 'refresh'));
  const device = (await s.ctx.store.devices.getByUuid(s.orgId, uuid))!;
  assert.equal(device.registeredVia, 'compat');

  await revokeDevice(s.ctx, device.id);
  await assert.rejects(m.refresh({ user: ALICE, force: true, password: DEMO_PASSWORD }), (e: unknown) => e instanceof MacError && e.body?.error_code === 'OPSSO1102');
  const refused = s.signIns.events.filter((e) => e.deviceUuid === uuid && e.error).at(-1);
  assert.equal(refused?.extension, 'twocanoes');
  assert.equal(refused?.error?.entry.code, 1102);
}

describe('twocanoes dialect', () => {
  const clock = new ManualClock(Date.now());
  let s: TestServer;
  before(async () => { s = await startTestServer({ clock, overrides: { extensions: { twocanoes: { enabled: true } } } }); });
  after(async () => { await s.close(); });

  it('journey on SQLite: register unauthenticated (allow-listed), login, key service, full-login renewal, revocation', async () => {
    await journey(s, clock);
  });

  it('an unlisted hardware UUID is refused with OPSSO2000 and nothing is stored', async () => {
    const uuid = randomUUID().toUpperCase();
    const m = macWithUuid(clock, uuid);
    await assert.rejects(m.register({ server: `${s.url}/twocanoes/`, extension: 'twocanoes', user: ALICE, password: DEMO_PASSWORD }),
      (e: unknown) => e instanceof MacError && e.status === 403 && e.body?.error_code === 'OPSSO2000' && /allowedDeviceUuids/.test(e.message));
    assert.equal(await s.ctx.store.devices.getByUuid(s.orgId, uuid), null);
    const row = s.signIns.events.find((e) => e.deviceUuid === uuid);
    assert.equal(row?.operation, 'device_registration');
    assert.equal(row?.extension, 'twocanoes');
    assert.equal(row?.error?.entry.code, 2000);
  });

  it('register reads JSON whatever the content type and accepts every key and kid spelling; a kid that does not hash its key is refused', async () => {
    const url = `${s.url}/twocanoes/register`;
    const body = (uuid: string, spell: (x: Buffer) => { key: string; kid: string }, extra: object = {}) => {
      const sig = spell(generateP256().x963);
      const enc = spell(generateP256().x963);
      return JSON.stringify({ DeviceUUID: uuid, DeviceSigningKey: sig.key, DeviceEncryptionKey: enc.key, SignKeyID: sig.kid, EncKeyID: enc.kid, ...extra });
    };
    const spki = (x: Buffer) => ({ key: pemFromX963(x), kid: kidFromX963(x) });
    const rawUrl = (x: Buffer) => ({ key: fleetPem(x), kid: b64uEncode(Buffer.from(kidFromX963(x), 'base64')) });
    const cases: [string, string | undefined, (x: Buffer) => { key: string; kid: string }, object][] = [
      ['no content type', undefined, spki, {}],
      ['URLSession form default', 'application/x-www-form-urlencoded', spki, { CodeVerifier: 'abc', SomethingNew: 1 }],
      ['text/plain, raw-point PEM, url kids', 'text/plain', rawUrl, {}],
      ['json, unpadded std kid', 'application/json', (x) => ({ key: pemFromX963(x), kid: kidFromX963(x).replace(/=+$/, '') }), {}],
    ];
    s.ctx.config.extensions.twocanoes.openRegistration = true;
    try {
      for (const [what, ct, spell, extra] of cases) {
        const uuid = randomUUID().toUpperCase();
        const r = await post(url, body(uuid, spell, extra), ct);
        assert.equal(r.status, 200, `${what}: ${JSON.stringify(r.json)}`);
        assert.equal(r.json.device.deviceUuid, uuid);
        assert.ok(await s.ctx.store.devices.getByUuid(s.orgId, uuid), what);
      }
      const uuid = randomUUID().toUpperCase();
      const other = b64Encode(Buffer.alloc(32, 7));
      const bad = await post(url, body(uuid, (x) => ({ key: pemFromX963(x), kid: other })));
      assert.equal(bad.status, 400);
      assert.equal(bad.json.error_code, 'OPSSO1504');
      const junk = await post(url, 'not json', 'application/x-www-form-urlencoded');
      assert.equal(junk.json.error_code, 'OPSSO1001');
      const missing = await post(url, JSON.stringify({ DeviceUUID: uuid }));
      assert.equal(missing.json.error_code, 'OPSSO1503');
      assert.equal(await s.ctx.store.devices.getByUuid(s.orgId, uuid), null);
    } finally {
      s.ctx.config.extensions.twocanoes.openRegistration = false;
    }
  });

  it('a replayed nonce is refused, and a native client id is not this dialect\'s', async () => {
    const uuid = randomUUID().toUpperCase();
    s.ctx.config.extensions.twocanoes.allowedDeviceUuids.push(uuid);
    const m = macWithUuid(clock, uuid);
    await m.register({ server: `${s.url}/twocanoes`, extension: 'twocanoes', user: ALICE, password: DEMO_PASSWORD });
    const keys = await m.deviceKeys();
    const tokenUrl = `${s.url}/twocanoes/token`;
    const nonce = async () => ((await (await fetch(`${s.url}/twocanoes/nonce`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=srv_challenge' })).json()) as { Nonce: string }).Nonce;
    const send = async (clientId: string, requestNonce: string) => {
      const built = buildLoginRequest({ signingKey: keys.signing, signingKid: keys.signingKid, encryptionKey: keys.encryptionX963, clientId, requestNonce, now: Math.floor(clock.now() / 1000), tokenUrl, username: ALICE, password: DEMO_PASSWORD });
      const r = await fetch(tokenUrl, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: buildPssoForm(built.jwt, '1.0') });
      return { status: r.status, body: r.status === 200 ? {} : (await r.json()) as Record<string, string> };
    };
    const n = await nonce();
    assert.equal((await send('psso', n)).status, 200);
    const replay = await send('psso', n);
    assert.equal(replay.body.error_code, 'OPSSO1108');
    assert.equal((await send('nonce', await nonce())).status, 200, 'the newer build\'s client id (read from the wrong key) is accepted');
    assert.equal((await send('openpsso-macos', await nonce())).body.error_code, 'OPSSO1109');
  });

  it('the JWKS is served under the BaseURL', async () => {
    const r = await fetch(`${s.url}/twocanoes/.well-known/jwks.json`);
    assert.equal(r.status, 200);
    assert.match(r.headers.get('content-type') ?? '', /application\/jwk-set\+json/);
    assert.ok(((await r.json()) as { keys: { use: string }[] }).keys.some((k) => k.use === 'sig'));
  });
});

describe('the deprecated root /register (registration.compatEndpoint)', () => {
  it('is the dialect\'s registration at the root, admitting any Mac, with its row and a deprecation note', async () => {
    const config = loadConfig({ env: {}, overrides: { issuer: 'https://idp.example.com', registration: { compatEndpoint: true } } });
    assert.match(deprecationNotes(config).join(' '), /registration\.compatEndpoint is deprecated.*extensions\.twocanoes/);
    assert.deepEqual(deprecationNotes(loadConfig({ env: {}, overrides: { issuer: 'https://idp.example.com' } })), []);
    const s = await startTestServer({ overrides: { registration: { compatEndpoint: true } } });
    try {
      const uuid = randomUUID().toUpperCase();
      const x = generateP256().x963;
      const y = generateP256().x963;
      const r = await post(`${s.url}/register`, JSON.stringify({ DeviceUUID: uuid, DeviceSigningKey: pemFromX963(x), DeviceEncryptionKey: pemFromX963(y), SignKeyID: kidFromX963(x), EncKeyID: kidFromX963(y), CodeVerifier: '' }), 'application/json');
      assert.equal(r.status, 200);
      assert.equal(r.json.device.deviceUuid, uuid);
      const row = s.signIns.events.find((e) => e.deviceUuid === uuid);
      assert.deepEqual(row?.details, { admittedBy: 'registration.compatEndpoint' });
      assert.equal(row?.method, undefined, 'nobody authenticated');
    } finally {
      await s.close();
    }
  });
});

describe('twocanoes dialect on PostgreSQL', () => {
  const pg = backends().find((b) => b.name === 'postgres')!;
  it('journey', { skip: pg.skip }, async () => {
    pg.check();
    const clock = new ManualClock(Date.now());
    const s = await startTestServer({ clock, overrides: { ...pg.overrides(), extensions: { twocanoes: { enabled: true } } } });
    try {
      await journey(s, clock);
    } finally {
      await s.close();
      await pg.cleanup();
    }
  });
});
