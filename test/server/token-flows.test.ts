// Every PSSO operation against the real server over loopback HTTP, with hand-built requests:
// password, encrypted password, Secure Enclave, smart card, refresh, key request/exchange, revocation.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { diffieHellman, X509Certificate } from 'node:crypto';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { RawDevice, newKey, post } from '../helpers/raw-device.js';
import { DEMO_PASSWORD } from '../../src/app/demo.js';
import { buildEmbeddedAssertion, buildEncryptedAssertion, b64Decode, b64uDecode, DEFAULT_SCOPE } from '../../src/protocol/index.js';
import { ManualClock } from '../../src/app/clock.js';

const ALICE = 'alice@demo.openpsso.test';
const BOB = 'bob@demo.openpsso.test';

describe('token endpoint flows', () => {
  let s: TestServer;
  const clock = new ManualClock(Date.now());
  const now = () => Math.floor(clock.now() / 1000);

  before(async () => { s = await startTestServer({ clock }); });
  after(async () => { await s.close(); });

  async function passwordLogin(dev: RawDevice, username = ALICE, password = DEMO_PASSWORD, groups?: string[]) {
    const built = dev.loginRequest(await dev.nonce(), now(), { username, password, ...(groups ? { groups } : {}) });
    const r = await dev.send(built.jwt);
    return { r, built };
  }

  it('password login returns a JWE whose id_token verifies against the JWKS', async () => {
    const dev = new RawDevice(s.url);
    assert.equal((await dev.register(s.registrationToken)).status, 201);
    const { r, built } = await passwordLogin(dev, ALICE, DEMO_PASSWORD, ['mac-admins', 'sales', 'engineering']);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.contentType, 'application/platformsso-login-response+jwt');
    const payload = dev.open(r, built);
    assert.equal(payload.token_type, 'Bearer');
    assert.equal(payload.refresh_token_expires_in, 14 * 86400);
    const jwks = createRemoteJWKSet(new URL(`${s.url}/.well-known/jwks.json`));
    const { payload: idt, protectedHeader } = await jwtVerify(payload.id_token, jwks, {
      issuer: s.url, audience: 'openpsso-macos', algorithms: ['ES256'], currentDate: new Date(clock.now()),
    });
    assert.equal(protectedHeader.alg, 'ES256');
    assert.equal(idt.nonce, built.nonce);
    assert.equal(idt.preferred_username, ALICE);
    assert.equal(idt.name, 'Alice Appleseed');
    assert.equal(idt.email, ALICE);
    assert.match(String(idt.sub), /^usr_/);
    assert.equal(idt.oid, idt.sub);
    // Only requested groups the user is in: alice is not in sales.
    assert.deepEqual([...(idt.groups as string[])].sort(), ['engineering', 'mac-admins']);
  });

  it('accepts the macOS 13 flavour: typ JWT, no exp, form field `request`', async () => {
    const dev = new RawDevice(s.url);
    await dev.register(s.registrationToken);
    const built = dev.loginRequest(await dev.nonce('/psso/nonce'), now(), { username: ALICE, password: DEMO_PASSWORD, flavour: 'v13' });
    const r = await dev.send(built.jwt, '1.0', 'request');
    assert.equal(r.status, 200, r.text);
    assert.ok(dev.open(r, built).id_token);
  });

  it('no groups claim when none were requested', async () => {
    const dev = new RawDevice(s.url);
    await dev.register(s.registrationToken);
    const { r, built } = await passwordLogin(dev);
    const idt = JSON.parse(Buffer.from(dev.open(r, built).id_token.split('.')[1], 'base64url').toString());
    assert.equal(idt.groups, undefined);
  });

  it('encrypted password login via the published enc key', async () => {
    const dev = new RawDevice(s.url);
    await dev.register(s.registrationToken);
    const reg = await dev.register(s.registrationToken);
    const serverKey = b64Decode(reg.json.loginConfiguration.loginRequestEncryptionPublicKey);
    const jwks = (await (await fetch(`${s.url}/.well-known/jwks.json`)).json()) as { keys: any[] };
    const enc = jwks.keys.find((k) => k.use === 'enc');
    assert.equal(enc.alg, 'ECDH-ES');
    const requestNonce = await dev.nonce();
    const nonce = '6B0E5E0F-1C43-4C4B-8F0B-6A1A3C1D2E3F';
    const assertion = buildEncryptedAssertion({ serverKey, username: ALICE, password: DEMO_PASSWORD, audience: 'openpsso-macos', nonce, requestNonce, scope: DEFAULT_SCOPE, now: now() });
    const built = dev.loginRequest(requestNonce, now(), { username: ALICE, assertion, nonce });
    const r = await dev.send(built.jwt);
    assert.equal(r.status, 200, r.text);
    assert.ok(dev.open(r, built).refresh_token);
    // The same assertion with a wrong password is a credential failure: 401.
    const rn2 = await dev.nonce();
    const bad = buildEncryptedAssertion({ serverKey, username: ALICE, password: 'wrong', audience: 'openpsso-macos', nonce, requestNonce: rn2, scope: DEFAULT_SCOPE, now: now() });
    const r2 = await dev.send(dev.loginRequest(rn2, now(), { username: ALICE, assertion: bad, nonce }).jwt);
    assert.equal(r2.status, 401);
    assert.equal(r2.json.error_code, 'OPSSO1201');
  });

  it('Secure Enclave key login with the registered user key; another user cannot use it', async () => {
    const dev = new RawDevice(s.url);
    await dev.register(s.registrationToken);
    const userKey = newKey();
    const reg = await dev.registerUser(s.registrationToken, { userPrincipalName: ALICE, method: 'secure_enclave', password: DEMO_PASSWORD, userKey: b64uEncodeX(userKey.x963), userKeyId: userKey.kid });
    assert.equal(reg.status, 201, reg.text);
    const login = async (username: string, key = userKey) => {
      const requestNonce = await dev.nonce();
      const nonce = crypto.randomUUID().toUpperCase();
      const assertion = buildEmbeddedAssertion({ key: key.privateKey, kid: key.kid, alg: 'ES256', username, audience: 'openpsso-macos', nonce, requestNonce, scope: DEFAULT_SCOPE, now: now() });
      const built = dev.loginRequest(requestNonce, now(), { username, assertion, nonce });
      return { r: await dev.send(built.jwt), built };
    };
    const ok = await login(ALICE);
    assert.equal(ok.r.status, 200, ok.r.text);
    const idt = JSON.parse(Buffer.from(dev.open(ok.r, ok.built).id_token.split('.')[1], 'base64url').toString());
    assert.deepEqual(idt.amr, ['swk', 'hwk']);
    const other = await login(BOB);
    assert.equal(other.r.status, 401);
    assert.equal(other.r.json.error_code, 'OPSSO1203');
    const unregistered = await login(ALICE, newKey());
    assert.equal(unregistered.r.status, 401);
  });

  it('smart card login: chain to a trusted CA, mapped by UPN SAN', async () => {
    const { makeCardPki } = await import('../helpers/card-pki.js');
    const pki = await makeCardPki(s.dataDir, ALICE);
    const s2 = await startTestServer({ clock, overrides: { smartCard: { trustedCaFiles: [pki.caFile], userMapping: 'upn-san' } } });
    try {
      const dev = new RawDevice(s2.url);
      await dev.register(s2.registrationToken);
      const send = async (leafDer: Buffer, key = pki.cardKey) => {
        const requestNonce = await dev.nonce();
        const nonce = crypto.randomUUID().toUpperCase();
        const assertion = buildEmbeddedAssertion({ key, kid: 'card', alg: 'ES256', x5c: [leafDer], username: ALICE, audience: 'openpsso-macos', nonce, requestNonce, scope: DEFAULT_SCOPE, now: now() });
        const built = dev.loginRequest(requestNonce, now(), { username: ALICE, assertion, nonce });
        return { r: await dev.send(built.jwt), built };
      };
      const ok = await send(pki.cardCertDer);
      assert.equal(ok.r.status, 200, ok.r.text);
      assert.ok(dev.open(ok.r, ok.built).id_token);
      const untrusted = await send(pki.selfSignedDer, pki.selfSignedKey);
      assert.equal(untrusted.r.status, 401);
      assert.equal(untrusted.r.json.error_code, 'OPSSO1204');
    } finally {
      await s2.close();
    }
  });

  it('refresh rotates the token; the old one, past its grace, is reuse; the response states the rolling lifetime', async () => {
    const dev = new RawDevice(s.url);
    await dev.register(s.registrationToken);
    const first = await passwordLogin(dev);
    const t1 = dev.open(first.r, first.built).refresh_token as string;
    clock.advance(3600_000);
    const built = dev.refreshRequest(await dev.nonce(), now(), t1, ALICE);
    const r = await dev.send(built.jwt);
    assert.equal(r.status, 200, r.text);
    const p = dev.open(r, built);
    assert.notEqual(p.refresh_token, t1);
    assert.equal(p.refresh_token_expires_in, 14 * 86400);
    const idt = JSON.parse(Buffer.from(p.id_token.split('.')[1], 'base64url').toString());
    assert.equal(idt.nonce, built.nonce);
    // Past the grace window (test/server/refresh-grace.test.ts covers the window itself).
    clock.advance(121_000);
    const replay = await dev.send(dev.refreshRequest(await dev.nonce(), now(), t1, ALICE).jwt);
    assert.equal(replay.status, 400);
    assert.equal(replay.json.error_code, 'OPSSO1304');
    // Rolling lifetime: after 15 days without use the token is dead.
    const second = await passwordLogin(dev);
    const t2 = dev.open(second.r, second.built).refresh_token as string;
    clock.advance(15 * 86400_000);
    const late = await dev.send(dev.refreshRequest(await dev.nonce(), now(), t2, ALICE).jwt);
    assert.equal(late.json.error_code, 'OPSSO1301');
  });

  it('key_request mints one key per user and device; key_exchange returns the raw ECDH secret', async () => {
    const dev = new RawDevice(s.url);
    await dev.register(s.registrationToken, true);
    const { r, built } = await passwordLogin(dev);
    const rt = dev.open(r, built).refresh_token as string;
    const kr = dev.keyRequest(await dev.nonce(), now(), rt, ALICE);
    const kres = await dev.send(kr.jwt, '2.0');
    assert.equal(kres.status, 200, kres.text);
    assert.equal(kres.contentType, 'application/platformsso-key-response+jwt');
    const cert1 = new X509Certificate(b64uDecode(dev.open(kres, kr).certificate));
    const kr2 = dev.keyRequest(await dev.nonce(), now(), rt, ALICE);
    const cert2 = new X509Certificate(b64uDecode(dev.open(await dev.send(kr2.jwt, '2.0'), kr2).certificate));
    assert.equal(cert1.fingerprint256, cert2.fingerprint256, 'a repeat key_request returns the same key');
    assert.equal(cert1.ca, false);

    const eph = newKey();
    const kx = dev.keyExchangeRequest(await dev.nonce(), now(), rt, ALICE, eph.x963);
    const xres = await dev.send(kx.jwt, '2.0');
    assert.equal(xres.status, 200, xres.text);
    const key = b64Decode(dev.open(xres, kx).key);
    const expected = diffieHellman({ privateKey: eph.privateKey, publicKey: cert1.publicKey });
    assert.deepEqual(key, expected);
    // Another user's device cannot ask for this user's key: bob on another device gets his own.
    const v1 = await dev.send(dev.keyRequest(await dev.nonce(), now(), rt, ALICE).jwt, '1.0');
    assert.equal(v1.json.error_code, 'OPSSO1404');
  });

  it('revoking a device ends its tokens and refuses its requests', async () => {
    const dev = new RawDevice(s.url);
    await dev.register(s.registrationToken);
    const { r, built } = await passwordLogin(dev);
    const rt = dev.open(r, built).refresh_token as string;
    const { revokeDevice } = await import('../../src/app/directory.js');
    await revokeDevice(s.ctx, dev.id);
    const login = await passwordLogin(dev);
    assert.equal(login.r.status, 400);
    assert.equal(login.r.json.error_code, 'OPSSO1102');
    // Re-registering the same Mac (new keys) works, but the old refresh token stays dead.
    const again = new RawDevice(s.url);
    (again as { uuid: string }).uuid = dev.uuid;
    assert.equal((await again.register(s.registrationToken)).status, 201);
    assert.equal(again.id, dev.id, 're-registration keeps the device id');
    const refresh = await again.send(again.refreshRequest(await again.nonce(), now(), rt, ALICE).jwt);
    assert.equal(refresh.json.error_code, 'OPSSO1301');
    const fresh = await passwordLogin(again);
    assert.equal(fresh.r.status, 200);
  });

  it('the twocanoes-style /register is off by default and works when enabled', async () => {
    const dev = new RawDevice(s.url);
    const body = { DeviceUUID: dev.uuid, DeviceSigningKey: pem(dev.signing.x963), DeviceEncryptionKey: pem(dev.encryption.x963), SignKeyID: dev.signing.kid, EncKeyID: dev.encryption.kid };
    const off = await post(`${s.url}/register`, JSON.stringify(body), 'application/json');
    assert.equal(off.status, 404);
    assert.equal(off.json.error_code, 'OPSSO1505');
    const s2 = await startTestServer({ clock, overrides: { registration: { compatEndpoint: true } } });
    try {
      const dev2 = new RawDevice(s2.url);
      const on = await post(`${s2.url}/register`, JSON.stringify({ ...body, DeviceUUID: dev2.uuid, DeviceSigningKey: pem(dev2.signing.x963), DeviceEncryptionKey: pem(dev2.encryption.x963), SignKeyID: dev2.signing.kid, EncKeyID: dev2.encryption.kid }), 'application/json');
      assert.equal(on.status, 200, on.text);
      const { r, built } = await passwordLogin(dev2);
      assert.equal(r.status, 200, r.text);
      assert.ok(dev2.open(r, built).id_token);
    } finally {
      await s2.close();
    }
  });

  it('JWKS rotation: a token signed by the previous key still verifies until it is retired', async () => {
    const dev = new RawDevice(s.url);
    await dev.register(s.registrationToken);
    const { r, built } = await passwordLogin(dev);
    const idToken = dev.open(r, built).id_token as string;
    const oldKid = headerOf(idToken).kid;
    const newKid = await s.ctx.keys.rotate('sig');
    const jwks = async () => ((await (await fetch(`${s.url}/.well-known/jwks.json`)).json()) as { keys: { kid: string }[] }).keys.map((k) => k.kid);
    assert.ok((await jwks()).includes(oldKid) && (await jwks()).includes(newKid));
    const second = await passwordLogin(dev);
    const kid2 = headerOf(dev.open(second.r, second.built).id_token as string).kid;
    assert.equal(kid2, newKid);
    assert.equal(await s.ctx.keys.retire(newKid), false, 'the active key cannot be retired');
    assert.equal(await s.ctx.keys.retire(oldKid), true);
    assert.ok(!(await jwks()).includes(oldKid));
  });
});

function headerOf(jwt: string): { kid: string } {
  return JSON.parse(Buffer.from(jwt.split('.')[0] ?? '', 'base64url').toString());
}

function pem(x963: Uint8Array): string {
  return `-----BEGIN PUBLIC KEY-----\n${Buffer.concat([Buffer.from('3059301306072a8648ce3d020106082a8648ce3d030107034200', 'hex'), Buffer.from(x963)]).toString('base64')}\n-----END PUBLIC KEY-----\n`;
}

function b64uEncodeX(x963: Uint8Array): string {
  return Buffer.from(x963).toString('base64url');
}

