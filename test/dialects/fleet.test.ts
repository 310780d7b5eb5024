// Fleet's FleetPSSOExtension dialect end to end (extensions.md §3): a virtual Mac acting as the
// extension reads the JWKS enc key, registers by form with its RegistrationToken, checks the user's
// password with the extension's own request, logs in with an encrypted password, runs the key
// service, renews by full login and is refused once revoked; the credential check's statuses
// (200, 401 counted by the guard, 400), registration field variants, and the JWKS shape.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { backends } from '../helpers/backends.js';
import { runCli } from '../helpers/cli.js';
import { ManualClock } from '../../src/app/clock.js';
import { DEMO_PASSWORD } from '../../src/app/demo.js';
import { VirtualMac } from '../../src/mac/agent.js';
import { MacError } from '../../src/mac/errors.js';
import { revokeDevice } from '../../src/app/directory.js';
import { hashPassword } from '../../src/app/passwords.js';
import { newId } from '../../src/app/ids.js';
import { b64uDecode, b64uEncode, buildCredentialCheck, decodeAnyBase64, generateP256, kidFromX963, pemFromX963, signCompactJws } from '../../src/protocol/index.js';
import { FLEET_BUNDLE_ID, fleetForm, fleetPem } from '../../src/mac/extensions/fleet.js';

const ALICE = 'alice@demo.openpsso.test';
const HOUR = 3600_000;
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

const api = (s: TestServer, name: string) => `${s.url}/fleet/api/mdm/apple/psso/${name}`;
const newMac = (clock: ManualClock) => new VirtualMac({ dir: mkdtempSync(join(tmpdir(), 'vmac-fleet-')), clock, scryptCost: 1024 });

async function postForm(url: string, fields: Record<string, string>): Promise<{ status: number; json: Record<string, any> }> {
  const r = await fetch(url, { method: 'POST', headers: FORM, body: fleetForm(fields) });
  const text = await r.text();
  return { status: r.status, json: text.startsWith('{') ? JSON.parse(text) : {} };
}

/** The extension's own credential check, sent as the extension sends it (nonce without client-request-id, one form field). */
async function credentialCheck(s: TestServer, m: VirtualMac, clock: ManualClock, username: string, password: string, o: { nonce?: string; mutate?: (jwt: string) => string; field?: 'assertion' | 'request' } = {}) {
  const keys = await m.deviceKeys();
  const cfg = (await m.registered()).cfg;
  const requestNonce = o.nonce ?? ((await (await fetch(api(s, 'nonce'), { method: 'POST' })).json()) as { Nonce: string }).Nonce;
  const built = buildCredentialCheck({
    signingKey: keys.signing, signingKid: keys.signingKid, encryptionKey: keys.encryptionX963, serverKey: decodeAnyBase64(cfg.loginRequestEncryptionPublicKey!),
    clientId: FLEET_BUNDLE_ID, username, password, requestNonce, now: Math.floor(clock.now() / 1000),
  });
  return { requestNonce, ...(await postForm(api(s, 'token'), { [o.field ?? 'assertion']: o.mutate ? o.mutate(built.jwt) : built.jwt })) };
}

async function journey(s: TestServer, clock: ManualClock): Promise<void> {
  const m = newMac(clock);
  const reg = await m.register({ server: `${s.url}/fleet`, extension: 'fleet', token: s.registrationToken, user: ALICE, method: 'password', password: DEMO_PASSWORD });
  assert.match(reg.unlockCertificateSubject ?? '', /Platform Key Access/);
  const { cfg, device: macDevice } = await m.registered();
  assert.equal(macDevice.extensionIdentifier, FLEET_BUNDLE_ID, 'app-sso shows the extension the Mac registered through');
  assert.equal(cfg.clientID, FLEET_BUNDLE_ID);
  assert.equal(cfg.issuer, '127.0.0.1', 'issuer and audience are the host without its port');
  assert.equal(cfg.audience, '127.0.0.1');
  assert.equal(cfg.keyEndpointURL, cfg.tokenEndpointURL);
  assert.equal(cfg.refreshEndpointURL, undefined);
  assert.ok(cfg.loginRequestEncryptionPublicKey);

  const kx = await m.keyExchange({ user: ALICE, count: 2 });
  assert.equal(kx.verified, true);
  clock.advance(5 * HOUR);
  const renewed = await m.refresh({ user: ALICE, password: DEMO_PASSWORD });
  assert.equal(renewed.action, 'full_login', renewed.reason);

  const rows = s.signIns.events.filter((e) => e.deviceUuid === reg.deviceUuid);
  for (const op of ['device_registration', 'user_registration', 'login', 'key_request', 'key_exchange'] as const) {
    const row = rows.find((e) => e.operation === op && !e.error);
    assert.ok(row, `${op} logged`);
    assert.equal(row.extension, 'fleet', `${op} row names the dialect`);
  }
  assert.equal(rows.find((e) => e.operation === 'login')?.method, 'encrypted_password');
  assert.deepEqual(rows.find((e) => e.operation === 'user_registration')?.details, { step: 'extension_credential_check' });

  const device = (await s.ctx.store.devices.getByUuid(s.orgId, reg.deviceUuid))!;
  await revokeDevice(s.ctx, device.id);
  await assert.rejects(m.refresh({ user: ALICE, force: true, password: DEMO_PASSWORD }), (e: unknown) => e instanceof MacError && e.body?.error_code === 'OPSSO1102');
  const check = await credentialCheck(s, m, clock, ALICE, DEMO_PASSWORD);
  assert.equal(check.status, 400);
  assert.equal(check.json.error_code, 'OPSSO1102');
}

describe('Fleet dialect', () => {
  const clock = new ManualClock(Date.now());
  let s: TestServer;
  let m: VirtualMac;
  before(async () => {
    s = await startTestServer({ clock, overrides: { extensions: { fleet: { enabled: true } } } });
    m = newMac(clock);
    await m.register({ server: `${s.url}/fleet/`, extension: 'fleet', token: s.registrationToken, user: ALICE, password: DEMO_PASSWORD });
  });
  after(async () => { await s.close(); });

  it('CLI: openpsso mac register --extension fleet registers, checks the password and logs in', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vmac-fleet-cli-'));
    const r = await runCli(s.dataDir, 'mac', 'register', '--mac', dir, '--extension', 'fleet', '--server', `${s.url}/fleet`, '--token', s.registrationToken,
      '--user', ALICE, '--password', DEMO_PASSWORD, '--json');
    assert.equal(r.code, 0, r.err);
    const out = JSON.parse(r.out) as { deviceUuid: string; messages: string[] };
    assert.ok(out.messages.some((l) => /as the fleet extension/.test(l)), r.out);
    const ops = s.signIns.events.filter((e) => e.deviceUuid === out.deviceUuid && e.extension === 'fleet' && !e.error).map((e) => e.operation);
    for (const op of ['device_registration', 'user_registration', 'login', 'key_request']) assert.ok(ops.includes(op as never), `${op} logged`);
  });

  it('journey on SQLite: JWKS, form registration, credential check, encrypted-password login, key service, full-login renewal, revocation', async () => {
    await journey(s, clock);
  });

  it('JWKS: application/jwk-set+json with a use:enc ECDH-ES P-256 key of 32-byte coordinates', async () => {
    const r = await fetch(api(s, 'jwks'));
    assert.match(r.headers.get('content-type') ?? '', /^application\/jwk-set\+json/);
    const keys = ((await r.json()) as { keys: Record<string, string>[] }).keys;
    const enc = keys.find((k) => k.use === 'enc');
    assert.equal(enc?.alg, 'ECDH-ES');
    assert.equal(enc?.crv, 'P-256');
    assert.equal(b64uDecode(enc!.x!).length, 32);
    assert.equal(b64uDecode(enc!.y!).length, 32);
    assert.ok(keys.some((k) => k.use === 'sig'));
  });

  it('nonce takes any body', async () => {
    for (const init of [{ method: 'POST' }, { method: 'POST', headers: FORM, body: 'grant_type=srv_challenge' }, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }]) {
      const r = await fetch(api(s, 'nonce'), init);
      assert.equal(r.status, 200);
      assert.ok(((await r.json()) as { Nonce: string }).Nonce.length >= 32);
    }
  });

  it('credential check: right password 200, wrong 401 counted by the guard until locked (400), malformed 400, replayed nonce 400', async () => {
    const good = await credentialCheck(s, m, clock, ALICE, DEMO_PASSWORD);
    assert.equal(good.status, 200, JSON.stringify(good.json));
    assert.equal((await credentialCheck(s, m, clock, ALICE, DEMO_PASSWORD, { field: 'request' })).status, 200, 'the request field works too');
    const replay = await credentialCheck(s, m, clock, ALICE, DEMO_PASSWORD, { nonce: good.requestNonce });
    assert.equal(replay.status, 400);
    assert.equal(replay.json.error_code, 'OPSSO1108');

    const settings = await s.ctx.store.orgSettings.get(s.orgId);
    await s.ctx.store.orgSettings.put({ ...settings, lockoutThreshold: 3, lockoutSeconds: 60 });
    const dave = 'dave.fleet@demo.openpsso.test';
    const t = clock.now();
    await s.ctx.store.users.create({ id: newId('usr'), orgId: s.orgId, userPrincipalName: dave, displayName: dave, email: null, passwordHash: await hashPassword(DEMO_PASSWORD), enabled: true, perUserMfaState: 'disabled', passwordChangedAt: null, createdAt: t, updatedAt: t });
    for (let i = 0; i < 2; i++) {
      const wrong = await credentialCheck(s, m, clock, dave, `wrong-${i}`);
      assert.equal(wrong.status, 401);
      assert.equal(wrong.json.error_code, 'OPSSO1201');
    }
    const locked = await credentialCheck(s, m, clock, dave, 'wrong-3');
    assert.equal(locked.status, 400, 'a locked account is not a wrong password');
    assert.equal(locked.json.error_code, 'OPSSO1205');
    assert.equal((await credentialCheck(s, m, clock, dave, DEMO_PASSWORD)).json.error_code, 'OPSSO1205');
    const rows = s.signIns.events.filter((e) => e.userPrincipalName === dave);
    assert.ok(rows.length >= 4 && rows.every((e) => e.operation === 'user_registration' && e.extension === 'fleet' && e.error));

    // Malformed: an assertion that is not a JWE, a bad signature, claims out of shape.
    const resign = (jwt: string, edit: (c: Record<string, unknown>) => void) => {
      const [h, p] = jwt.split('.');
      const claims = JSON.parse(Buffer.from(p!, 'base64url').toString());
      edit(claims);
      return `${h}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${jwt.split('.')[2]}`;
    };
    const badSig = await credentialCheck(s, m, clock, ALICE, DEMO_PASSWORD, { mutate: (j) => resign(j, (c) => { c.username = 'x'; }) });
    assert.equal(badSig.status, 400);
    assert.equal(badSig.json.error_code, 'OPSSO1103');
    const keys = await m.deviceKeys();
    const signed = (edit: (c: Record<string, unknown>) => void) => (j: string) => {
      const claims = JSON.parse(Buffer.from(j.split('.')[1]!, 'base64url').toString());
      edit(claims);
      return signCompactJws(JSON.parse(Buffer.from(j.split('.')[0]!, 'base64url').toString()), claims, keys.signing);
    };
    for (const [edit, code] of [
      [(c: Record<string, unknown>) => { c.assertion = 'a.b.c'; }, 'OPSSO1115'],
      [(c: Record<string, unknown>) => { c.iss = 'com.example.other'; }, 'OPSSO1109'],
      [(c: Record<string, unknown>) => { c.version = '2.0'; }, 'OPSSO1105'],
      [(c: Record<string, unknown>) => { delete c.jwe_crypto; }, 'OPSSO1105'],
    ] as const) {
      const r = await credentialCheck(s, m, clock, ALICE, DEMO_PASSWORD, { mutate: signed(edit) });
      assert.equal(r.status, 400, code);
      assert.equal(r.json.error_code, code);
    }
    const garbage = await postForm(api(s, 'token'), { assertion: 'not-a-jwt' });
    assert.equal(garbage.status, 400);
  });

  it('an older extension build without the enc key: macOS sends a plain password grant, accepted', async () => {
    const old = newMac(clock);
    const reg = await old.register({ server: `${s.url}/fleet`, extension: 'fleet', token: s.registrationToken, user: ALICE, password: DEMO_PASSWORD, encryptPassword: false });
    const login = s.signIns.events.find((e) => e.deviceUuid === reg.deviceUuid && e.operation === 'login' && !e.error);
    assert.equal(login?.method, 'password');
    assert.equal(login?.extension, 'fleet');
  });

  it('registration: SPKI or raw-point PEM, padded or unpadded kids in either alphabet; every field and a real registration token required; a kid that does not hash its key refused', async () => {
    const fields = (spell: (x: Buffer) => { key: string; kid: string }) => {
      const sig = spell(generateP256().x963);
      const enc = spell(generateP256().x963);
      return { device_uuid: crypto.randomUUID().toUpperCase(), device_signing_key: sig.key, device_encryption_key: enc.key, signing_key_id: sig.kid, encryption_key_id: enc.kid, registration_token: s.registrationToken };
    };
    const url = (x: Buffer) => b64uEncode(Buffer.from(kidFromX963(x), 'base64'));
    for (const spell of [
      (x: Buffer) => ({ key: fleetPem(x), kid: url(x) }),
      (x: Buffer) => ({ key: pemFromX963(x), kid: kidFromX963(x) }),
      (x: Buffer) => ({ key: fleetPem(x), kid: kidFromX963(x).replace(/=+$/, '') }),
      (x: Buffer) => ({ key: pemFromX963(x), kid: `${url(x)}=` }),
    ]) {
      const f = fields(spell);
      const r = await postForm(api(s, 'registration'), f);
      assert.equal(r.status, 204, JSON.stringify(r.json));
      assert.ok(await s.ctx.store.devices.getByUuid(s.orgId, f.device_uuid));
    }
    const refused: [Record<string, string>, string][] = [];
    const mismatch = fields((x) => ({ key: fleetPem(x), kid: url(x) }));
    refused.push([{ ...mismatch, signing_key_id: mismatch.encryption_key_id }, 'OPSSO1504']);
    const noToken = fields((x) => ({ key: fleetPem(x), kid: url(x) }));
    refused.push([Object.fromEntries(Object.entries(noToken).filter(([k]) => k !== 'registration_token')), 'OPSSO1503']);
    refused.push([{ ...fields((x) => ({ key: fleetPem(x), kid: url(x) })), registration_token: 'rgt.not-a-real-one' }, 'OPSSO1501']);
    refused.push([{ ...fields((x) => ({ key: fleetPem(x), kid: url(x) })), registration_token: 'eyJhbGciOi.fleet.jwt' }, 'OPSSO1501']);
    for (const [f, code] of refused) {
      const r = await postForm(api(s, 'registration'), f);
      assert.equal(r.json.error_code, code);
      assert.equal(await s.ctx.store.devices.getByUuid(s.orgId, f.device_uuid!), null, `${code}: nothing stored`);
    }
  });
});

describe('Fleet dialect on PostgreSQL', () => {
  const pg = backends().find((b) => b.name === 'postgres')!;
  it('journey', { skip: pg.skip }, async () => {
    pg.check();
    const clock = new ManualClock(Date.now());
    const s = await startTestServer({ clock, overrides: { ...pg.overrides(), extensions: { fleet: { enabled: true } } } });
    try {
      await journey(s, clock);
    } finally {
      await s.close();
      await pg.cleanup();
    }
  });
});
