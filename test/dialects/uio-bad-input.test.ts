// The UiO dialect tolerates both extension generations' field sets (extensions.md §4.5, §4.11), and
// refuses bad input with its catalogue code and nothing stored: a nonce bound to another
// client-request-id, signKeyId naming another key, a missing or foreign access token, malformed JSON.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { TestServer } from '../helpers/test-server.js';
import { DEMO_PASSWORD } from '../../src/app/demo.js';
import { generateP256, kidFromX963 } from '../../src/protocol/ec-keys.js';
import { signCompactJws } from '../../src/protocol/jws.js';
import { PssoError } from '../../src/errors/psso-error.js';
import { MacError } from '../../src/mac/errors.js';
import { idpLogin } from '../../src/mac/extensions/uio-idp-login.js';
import { ALICE, BOB, baseOf, newMac, nonce, postJson, uioServer } from './uio-helpers.js';

const code = (name: string) => new PssoError(name).code;

/** A fresh device's keys in UiO's encodings: std base64 X9.63, std base64 padded kids. */
function deviceKeys() {
  const sig = generateP256();
  const enc = generateP256();
  return {
    DeviceSigningKey: sig.x963.toString('base64'), DeviceEncryptionKey: enc.x963.toString('base64'),
    SignKeyID: kidFromX963(sig.x963), EncKeyID: kidFromX963(enc.x963),
  };
}

describe('UiO dialect: both generations\' field sets, and bad input', () => {
  let s: TestServer;
  let accessToken: string;
  let idToken: string;
  before(async () => {
    s = await uioServer();
    const t = await idpLogin(newMac(s), { baseUrl: baseOf(s), clientId: 'psso', user: ALICE, password: DEMO_PASSWORD, promptLogin: true });
    accessToken = t.accessToken;
    idToken = t.idToken;
    // The extension reads preferred_username out of it without verification (§4.4 #2): an RFC 9068 JWT.
    const [h, p] = t.accessToken.split('.').slice(0, 2).map((x) => JSON.parse(Buffer.from(x, 'base64url').toString()) as Record<string, unknown>);
    assert.equal(h!.typ, 'at+jwt');
    assert.deepEqual([p!.preferred_username, p!.client_id, p!.aud, p!.amr], [ALICE, 'psso', `${baseOf(s)}/psso`, ['pwd']]);
  });
  after(async () => { await s.close(); });

  const deviceCount = async () => (await s.ctx.store.devices.list(s.orgId, { limit: 500 })).items.length;

  it('answers the nonce as a lower-case UUID under both keys, and only for grant_type=srv_challenge', async () => {
    const n = await nonce(s);
    assert.equal(n.status, 200);
    assert.match(String(n.body.nonce), /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    assert.equal(n.body.Nonce, n.body.nonce);
    const r = await fetch(`${baseOf(s)}/psso/nonce`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=password' });
    assert.equal(r.status, 400);
    assert.equal(((await r.json()) as { error_code: string }).error_code, code('uio_nonce_grant_type'));
  });

  it('the UiO dialect tolerates both extension generations\' field sets', async () => {
    // WL-0: no registrationMethod (Keycloak answers 500 here), the user's access token.
    const id0 = randomUUID().toUpperCase();
    const wl0 = { ...deviceKeys(), nonce: (await nonce(s, id0)).body.nonce, attestation: [], accessToken };
    const r0 = await postJson(s, '/psso/enroll', wl0, id0);
    assert.deepEqual([r0.status, r0.body], [200, { status: 'OK' }]);
    assert.ok(await s.ctx.store.devices.getBySigningKid(wl0.SignKeyID));
    // WL-N: registrationMethod OPENID (also a Keycloak 500), a registration token, a field no version sends yet.
    const idN = randomUUID().toUpperCase();
    const wln = { ...deviceKeys(), nonce: (await nonce(s, idN)).body.nonce, attestation: [], registrationMethod: 'OPENID', registrationToken: s.registrationToken, someFutureField: { x: 1 } };
    const rN = await postJson(s, '/psso/enroll', wln, idN);
    assert.deepEqual([rN.status, rN.body], [200, { status: 'OK' }]);
    const dev = await s.ctx.store.devices.getBySigningKid(wln.SignKeyID);
    assert.equal(dev?.registeredVia, 'registration_token');
  });

  it('refuses a nonce fetched with another client-request-id, stores nothing, and leaves the nonce usable by its own id', async () => {
    const id = randomUUID().toUpperCase();
    const body = { ...deviceKeys(), nonce: (await nonce(s, id)).body.nonce, attestation: [], accessToken };
    const before = await deviceCount();
    const r = await postJson(s, '/psso/enroll', body, randomUUID().toUpperCase());
    assert.equal(r.status, 400);
    assert.equal(r.body.error_code, code('nonce_wrong_binding'));
    assert.equal(await deviceCount(), before);
    assert.equal((await postJson(s, '/psso/enroll', body, id.toLowerCase())).status, 200, 'the id is compared lower-cased');
  });

  it('refuses a missing, foreign or wrong-kind access token with 401 and its code, storing nothing', async () => {
    const before = await deviceCount();
    const attempt = async (extra: Record<string, unknown>) => {
      const id = randomUUID();
      return postJson(s, '/psso/enroll', { ...deviceKeys(), nonce: (await nonce(s, id)).body.nonce, attestation: [], ...extra }, id);
    };
    const missing = await attempt({});
    assert.deepEqual([missing.status, missing.body.error_code], [401, code('uio_credential_missing')]);
    // Same claims, signed by a key this server never had.
    const [h, p] = accessToken.split('.');
    const foreign = signCompactJws(JSON.parse(Buffer.from(h!, 'base64url').toString()), JSON.parse(Buffer.from(p!, 'base64url').toString()), generateP256().privateKey);
    const f = await attempt({ accessToken: foreign });
    assert.deepEqual([f.status, f.body.error_code], [401, code('uio_access_token_invalid')]);
    // A genuine token of this server, but older than a registration bearer token may be: sign in again.
    const claims = JSON.parse(Buffer.from(p!, 'base64url').toString()) as Record<string, number>;
    const stale = signCompactJws(JSON.parse(Buffer.from(h!, 'base64url').toString()), { ...claims, iat: claims.iat! - s.ctx.config.tokens.bearerLifetimeSeconds - 120 }, s.ctx.keys.active('sig').privateKey);
    const old = await attempt({ accessToken: stale });
    assert.deepEqual([old.status, old.body.error_code], [401, code('uio_access_token_invalid')]);
    assert.match(String(old.body.error_description ?? old.body.message ?? JSON.stringify(old.body)), /bearerLifetimeSeconds|sign in again/);
    // The provider's id_token is signed by the same key but is no access token.
    const idt = await attempt({ accessToken: idToken });
    assert.deepEqual([idt.status, idt.body.error_code], [401, code('uio_access_token_invalid')]);
    const garbage = await attempt({ accessToken: 'not-a-token' });
    assert.deepEqual([garbage.status, garbage.body.error_code], [401, code('uio_access_token_invalid')]);
    assert.equal(await deviceCount(), before);
  });

  it('refuses malformed JSON and a malformed key with 400, storing nothing', async () => {
    const before = await deviceCount();
    const bad = await postJson(s, '/psso/enroll', '{"DeviceSigningKey": ');
    assert.deepEqual([bad.status, bad.body.error_code], [400, code('malformed_request')]);
    const id = randomUUID();
    const key = await postJson(s, '/psso/enroll', { ...deviceKeys(), DeviceSigningKey: 'A'.repeat(88), nonce: (await nonce(s, id)).body.nonce, accessToken }, id);
    assert.deepEqual([key.status, key.body.error_code], [400, code('bad_public_key')]);
    const shape = await postJson(s, '/psso/enroll', { ...deviceKeys(), nonce: 'x', attestation: 'not-an-array', accessToken });
    assert.deepEqual([shape.status, shape.body.error_code], [400, code('registration_invalid')]);
    assert.equal(await deviceCount(), before);
  });

  it('userenroll needs the access token and a device it can find', async () => {
    const k = generateP256();
    const id = randomUUID();
    const body = { userKey: k.x963.toString('base64'), userKeyId: kidFromX963(k.x963), nonce: (await nonce(s, id)).body.nonce, attestation: [] };
    const missing = await postJson(s, '/psso/userenroll', body, id);
    assert.deepEqual([missing.status, missing.body.error_code], [401, code('uio_credential_missing')]);
    // A fresh sign-in's token enrolled no device, and nothing attests one.
    const other = await idpLogin(newMac(s), { baseUrl: baseOf(s), clientId: 'psso', user: BOB, password: DEMO_PASSWORD, promptLogin: true });
    const none = await postJson(s, '/psso/userenroll', { ...body, accessToken: other.accessToken }, id);
    assert.deepEqual([none.status, none.body.error_code], [400, code('uio_device_not_found')]);
    assert.equal((await s.ctx.store.userRegistrations.getByUserKid(body.userKeyId)), null);
  });

  it('refuses a login whose signKeyId names another key than the enrolled one', async () => {
    const mac = newMac(s);
    await mac.register({ server: baseOf(s), token: s.registrationToken, user: BOB, password: DEMO_PASSWORD, method: 'password', extension: 'uio', generation: 'wln' });
    const cfg = (await mac.state.loginConfig())!;
    await mac.state.saveLoginConfig({ ...cfg, customLoginRequestValues: { ...cfg.customLoginRequestValues!, signKeyId: cfg.customLoginRequestValues!.encKeyId! } });
    await assert.rejects(mac.fullLogin(BOB, { password: DEMO_PASSWORD }), (e: unknown) => e instanceof MacError && e.status === 400 && e.code === code('key_id_claim_mismatch'));
    assert.equal(s.signIns.events.at(-1)?.error?.entry.name, 'key_id_claim_mismatch');
    assert.equal(s.signIns.events.at(-1)?.extension, 'uio');
  });
});
