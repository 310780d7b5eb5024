// Virtual Mac builders against server verifiers: every request kind, responses, and both embedded assertion kinds, with jose as a cross-check.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as jose from 'jose';
import {
  GRANT_JWT_BEARER, TYP, b64Encode, buildEmbeddedAssertion, buildEncryptedAssertion, buildKeyExchangeRequest,
  buildKeyRequest, buildLoginRequest, buildPssoForm, buildPssoResponse, buildRefreshRequest, decryptEncryptedAssertion,
  generateP256, kidFromX963, openPssoResponse, parseCompactJws, parsePssoForm, verifyEmbeddedAssertion, verifyPssoRequest,
} from '../../src/protocol/index.js';
import { AUDIENCE, LIMITS, NOW, TOKEN_URL, base, isCode, makeDevice, verifyOpts } from './fixtures.js';

const device = makeDevice();
const formOf = (body: string) => Object.fromEntries(new URLSearchParams(body));

describe('requests: build then verify', () => {
  it('password login (macOS 14 flavour) through the form', async () => {
    const built = buildLoginRequest({ ...base(device), tokenUrl: TOKEN_URL, username: 'liz', password: 'pw', groups: ['admins'] });
    assert.match(built.nonce, /^[0-9A-F]{8}-[0-9A-F]{4}-4[0-9A-F]{3}-[89AB][0-9A-F]{3}-[0-9A-F]{12}$/);
    const form = parsePssoForm(formOf(buildPssoForm(built.jwt, '1.0')));
    assert.equal(form.field, 'assertion');
    assert.equal(form.version, '1.0');
    assert.ok(form.jws.headerJson.startsWith('{\n  "typ" : "platformsso-login-request+jwt",\n  "alg" : "ES256",\n  "kid" : '));
    assert.ok(form.jws.headerB64.startsWith('ewog'));
    const v = verifyPssoRequest(form.jws, device.keys, verifyOpts);
    assert.equal(v.kind, 'login_password');
    assert.equal(v.password, 'pw');
    assert.equal(v.username, 'liz');
    assert.equal(v.nonce, built.nonce);
    assert.deepEqual(v.apv, built.apv);
    assert.deepEqual(v.requestedGroups, ['admins']);
    assert.deepEqual(v.claims.amr, ['pwd']);
    assert.equal(v.exp - v.iat, 300);
    await jose.compactVerify(built.jwt, device.signing.publicKey);
  });

  it('macOS 13 flavour: typ JWT, string iat, no exp/iss, form field request', () => {
    const built = buildLoginRequest({ ...base(device), tokenUrl: TOKEN_URL, username: 'liz', password: 'pw', flavour: 'v13' });
    const form = parsePssoForm(formOf(buildPssoForm(built.jwt, '1.0', 'request')));
    assert.equal(form.field, 'request');
    assert.equal(form.jws.header.typ, 'JWT');
    assert.equal(form.jws.claims.iat, String(NOW));
    assert.equal(form.jws.claims.exp, undefined);
    const v = verifyPssoRequest(form.jws, device.keys, verifyOpts);
    assert.equal(v.exp, NOW + 300, 'missing exp is taken as iat+300');
  });

  it('refresh', () => {
    const built = buildRefreshRequest({ ...base(device), tokenUrl: TOKEN_URL, refreshToken: 'rt-1' });
    const v = verifyPssoRequest(parseCompactJws(built.jwt), device.keys, verifyOpts);
    assert.equal(v.kind, 'refresh');
    assert.equal(v.typ, TYP.refreshRequest);
    assert.equal(v.refreshToken, 'rt-1');
    assert.equal(v.username, undefined);
  });

  it('key_request and key_exchange (no aud, version 2.0 form)', () => {
    const kr = buildKeyRequest({ ...base(device), refreshToken: 'rt-1', username: 'liz' });
    const f = parsePssoForm(formOf(buildPssoForm(kr.jwt, '2.0')));
    const v = verifyPssoRequest(f.jws, device.keys, { ...verifyOpts, version: f.version });
    assert.equal(v.kind, 'key_request');
    assert.equal(v.version, '2.0');
    assert.equal(v.claims.aud, undefined);
    assert.equal(v.keyPurpose, 'user_unlock');
    const eph = generateP256();
    const kx = buildKeyExchangeRequest({ ...base(device), refreshToken: 'rt-1', username: 'liz', otherPublicKey: eph.x963, keyContext: 'ctx' });
    const vx = verifyPssoRequest(parseCompactJws(kx.jwt), device.keys, verifyOpts);
    assert.equal(vx.kind, 'key_exchange');
    assert.deepEqual(vx.otherPublicKey, eph.x963);
    assert.equal(vx.claims.other_publickey, b64Encode(eph.x963));
    assert.equal(vx.keyContext, 'ctx');
  });
});

describe('responses: build then open', () => {
  for (const headerStyle of ['compact', 'apple'] as const) {
    it(`login response (${headerStyle} header) opens on the Mac and in jose`, async () => {
      const built = buildLoginRequest({ ...base(device), tokenUrl: TOKEN_URL, username: 'liz', password: 'pw' });
      const payload = { id_token: 'a.b.c', refresh_token: 'rt', token_type: 'Bearer', refresh_token_expires_in: 3600 };
      const jwe = buildPssoResponse({ payload, deviceEncryptionKey: device.encryption.x963, apv: built.apv, typ: TYP.loginResponse, headerStyle });
      const opened = openPssoResponse(jwe, device.encryption.privateKey, built.apv);
      assert.deepEqual(opened.payload, payload);
      assert.equal(opened.header.typ, 'platformsso-login-response+jwt');
      const r = await jose.compactDecrypt(jwe, device.encryption.privateKey);
      assert.equal(Buffer.from(r.plaintext).toString(), opened.plaintext);
      // The same JWE presented for another request (another apv) is refused.
      const other = buildLoginRequest({ ...base(device), tokenUrl: TOKEN_URL, username: 'liz', password: 'pw' });
      assert.throws(() => openPssoResponse(jwe, device.encryption.privateKey, other.apv), isCode('apv_mismatch'));
      assert.throws(() => openPssoResponse(jwe, generateP256().privateKey, built.apv), isCode('malformed_jws'));
    });
  }

  it('two responses never share an epk or IV', () => {
    const apv = buildKeyRequest({ ...base(device), refreshToken: 'r', username: 'liz' }).apv;
    const a = buildPssoResponse({ payload: {}, deviceEncryptionKey: device.encryption.x963, apv, typ: TYP.keyResponse }).split('.');
    const b = buildPssoResponse({ payload: {}, deviceEncryptionKey: device.encryption.x963, apv, typ: TYP.keyResponse }).split('.');
    assert.notEqual(a[0], b[0]);
    assert.notEqual(a[2], b[2]);
  });
});

describe('embedded assertions: build then verify', () => {
  const common = { username: 'liz', audience: AUDIENCE, scope: 'openid offline_access urn:apple:platformsso', now: NOW };
  const checkOpts = { now: NOW, ...LIMITS, audience: AUDIENCE };

  it('Secure Enclave ES256 assertion inside a jwt-bearer login', async () => {
    const user = generateP256();
    const nonce = 'A1B2C3D4-0000-4000-8000-000000000001';
    const assertion = buildEmbeddedAssertion({ ...common, key: user.privateKey, kid: kidFromX963(user.x963), alg: 'ES256', nonce, requestNonce: 'server-nonce-123' });
    const built = buildLoginRequest({ ...base(device), nonce, tokenUrl: TOKEN_URL, username: 'liz', assertion });
    const outer = verifyPssoRequest(parseCompactJws(built.jwt), device.keys, verifyOpts);
    assert.equal(outer.kind, 'login_assertion');
    assert.equal(outer.claims.grant_type, GRANT_JWT_BEARER);
    const claims = verifyEmbeddedAssertion(outer.assertion!, user.publicKey, ['ES256'], outer, checkOpts);
    assert.equal(claims.sub, 'liz');
    assert.equal(parseCompactJws(assertion).header.typ, 'platformsso-login-assertion+jwt');
    await jose.compactVerify(assertion, user.publicKey);
  });

  it('encrypted password assertion decrypts on the server', () => {
    const server = generateP256();
    const nonce = 'A1B2C3D4-0000-4000-8000-000000000002';
    const assertion = buildEncryptedAssertion({ ...common, serverKey: server.x963, password: 's3cret', nonce, requestNonce: 'server-nonce-123' });
    const built = buildLoginRequest({ ...base(device), nonce, tokenUrl: TOKEN_URL, username: 'liz', assertion });
    const outer = verifyPssoRequest(parseCompactJws(built.jwt), device.keys, verifyOpts);
    const r = decryptEncryptedAssertion(outer.assertion!, server.privateKey, server.x963, outer, checkOpts);
    assert.equal(r.password, 's3cret');
    assert.equal(r.claims.request_nonce, 'server-nonce-123');
  });
});
