// Real macOS 14 captures (login, key_request, key_exchange): every item of the file's checks list, plus verifyPssoRequest at each capture's clock.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createPublicKey } from 'node:crypto';
import * as jose from 'jose';
import {
  appleStringify, b64Decode, b64uDecode, buildApu, kidFromX963, parseApu, parseApv, parseCompactJws,
  publicKeyFromX963, verifyJwsSignature, verifyPssoRequest, x963FromJwk, x963FromPublicKey,
} from '../../src/protocol/index.js';
import { PssoError } from '../../src/errors/psso-error.js';
import { flipSegmentBit, hex, mac14 } from './vectors.js';

const signingKey = createPublicKey(mac14.deviceSigningKey.publicKeyPem);
const encX963 = hex(mac14.deviceEncryptionKey.publicKeyX963Hex);
const captures = mac14.captures as Array<Record<string, any>>;
const byKind = (k: string) => captures.find((c) => c.kind === k)!;
const verifyOpts = (c: Record<string, any>, now = c.verificationClock) => ({
  now, skewSeconds: 60, maxAgeSeconds: 300, maxLifetimeSeconds: 600, clientId: 'psso', audience: 'https://idp.twocanoes.com/pesto/token',
});
const isCode = (name: string) => (e: unknown) => e instanceof PssoError && e.entry.name === name;

describe('macOS 14 captures: decoding', () => {
  it('device-key-kid: PEM, JWK and hex are one point whose kid is given', () => {
    const x = x963FromPublicKey(signingKey);
    assert.deepEqual(x, hex(mac14.deviceSigningKey.publicKeyX963Hex));
    assert.deepEqual(x963FromJwk(mac14.deviceSigningKey.publicJwk), x);
    assert.equal(kidFromX963(x), mac14.deviceSigningKey.kid);
    assert.equal(kidFromX963(encX963), mac14.deviceEncryptionKey.kid);
  });

  it('captures-decode: exact JSON of each segment, Apple pretty print reproduced, iat/exp agree', () => {
    for (const c of captures) {
      const p = parseCompactJws(c.compactJws);
      assert.equal(p.headerB64, c.segments.protectedHeader);
      assert.equal(p.payloadB64, c.segments.payload);
      assert.equal(p.headerJson, c.headerJson);
      assert.equal(p.claimsJson, c.claimsJson);
      assert.deepEqual(p.claims, c.claims);
      assert.equal(appleStringify(p.header), c.headerJson, c.name);
      assert.equal(appleStringify(p.claims), c.claimsJson, c.name);
      assert.equal(p.claims.iat, c.iat);
      assert.equal(p.claims.exp, c.exp);
      assert.equal(new Date(c.iat * 1000).toISOString().replace('.000', ''), c.iatUtc);
      assert.equal(new Date(c.exp * 1000).toISOString().replace('.000', ''), c.expUtc);
    }
  });

  it('captures-kid-match: kid, alg and typ', () => {
    for (const c of captures) {
      const h = parseCompactJws(c.compactJws).header;
      assert.equal(h.kid, mac14.deviceSigningKey.kid);
      assert.equal(h.alg, 'ES256');
      assert.equal(h.typ, c.kind === 'login' ? 'platformsso-login-request+jwt' : 'platformsso-key-request+jwt');
    }
  });

  for (const kind of ['login', 'key_request', 'key_exchange']) {
    it(`${kind}-es256-verify: verifies, and fails after one flipped bit`, async () => {
      const c = byKind(kind);
      assert.equal(verifyJwsSignature(parseCompactJws(c.compactJws), signingKey, 'ES256'), true);
      for (const seg of [1, 2]) {
        assert.equal(verifyJwsSignature(parseCompactJws(flipSegmentBit(c.compactJws, seg, 7, 3)), signingKey, 'ES256'), false);
      }
      await jose.compactVerify(c.compactJws, signingKey);
    });
  }

  it('lifetime-300s', () => {
    for (const c of captures) {
      assert.equal(c.exp - c.iat, 300);
      assert.ok(c.verificationClock >= c.iat && c.verificationClock < c.exp);
    }
  });

  it('apv-structure: Apple || one encryption key || each nonce', () => {
    for (const c of captures) {
      const f = parseApv(b64uDecode(c.claims.jwe_crypto.apv));
      assert.equal(f.label, 'Apple');
      assert.deepEqual(f.key, encX963);
      assert.equal(f.nonce, c.claims.nonce);
      const expected = c.apvFields;
      assert.deepEqual({ label: f.label, key: f.key.toString('hex'), nonce: f.nonce },
        { label: expected.label, key: expected.deviceEncryptionPublicKeyX963Hex, nonce: expected.nonce });
    }
  });

  it('key-exchange-other-publickey: standard base64 of a 65-byte point on P-256', () => {
    const c = byKind('key_exchange');
    const x = b64Decode(c.claims.other_publickey);
    assert.equal(x.length, 65);
    publicKeyFromX963(x);
    assert.equal(x.toString('hex'), c.otherPublicKey.x963Hex);
  });

  it('response-examples-structure: apu = APPLE||epk, apv echoes the capture, 12-byte IV, 16-byte tag', () => {
    for (const e of mac14.responseExamples.jwe) {
      const parts = (e.compactJwe as string).split('.');
      assert.equal(parts.length, 5);
      assert.equal(parts[1], '');
      const h = JSON.parse(b64uDecode(parts[0]!).toString('utf8'));
      assert.equal(h.alg, 'ECDH-ES');
      assert.equal(h.enc, 'A256GCM');
      assert.equal(b64uDecode(parts[2]!).length, 12);
      assert.equal(b64uDecode(parts[4]!).length, 16);
      const apu = parseApu(b64uDecode(h.apu));
      assert.equal(apu.label, 'APPLE');
      assert.deepEqual(apu.key, x963FromJwk(h.epk));
      assert.equal(b64uDecode(h.apu).toString('hex'), buildApu(x963FromJwk(h.epk)).toString('hex'));
      assert.equal(h.apv, byKind(e.answersCapture).claims.jwe_crypto.apv);
    }
  });

  it('id-token-example-es256: verifies with the vendor key, but its nonce and times are wrong', async () => {
    const ex = mac14.responseExamples.idTokenExample;
    const key = publicKeyFromX963(x963FromJwk(ex.signingKey.publicJwk));
    const p = parseCompactJws(ex.compact);
    assert.equal(verifyJwsSignature(p, key, 'ES256'), true);
    assert.equal(p.header.kid, ex.signingKey.publicJwk.kid);
    // What any id_token check must notice: nonce matches no request and exp < iat.
    for (const c of captures) assert.notEqual(p.claims.nonce, c.claims.nonce);
    assert.ok((p.claims.exp as number) < (p.claims.iat as number));
    await assert.rejects(jose.jwtVerify(ex.compact, key, { currentDate: new Date((p.claims.iat as number) * 1000) }));
  });
});

describe('macOS 14 captures: verifyPssoRequest', () => {
  it('the password login verifies and parses', () => {
    const c = byKind('login');
    const v = verifyPssoRequest(parseCompactJws(c.compactJws), { signingKey, encryptionKey: encX963 }, verifyOpts(c));
    assert.equal(v.kind, 'login_password');
    assert.equal(v.version, '1.0');
    assert.equal(v.kid, mac14.deviceSigningKey.kid);
    assert.equal(v.username, 'liz@twocanoes.com');
    assert.equal(v.password, 'twocanoes');
    assert.equal(v.nonce, c.claims.nonce);
    assert.equal(v.requestNonce, c.claims.request_nonce);
    assert.deepEqual(v.requestedGroups, ['net-admin', 'not-admin', 'software-install']);
    assert.deepEqual(v.scope, ['openid', 'offline_access', 'urn:apple:platformsso']);
    assert.equal(v.iat, c.iat);
    assert.equal(v.exp, c.exp);
    assert.equal(v.apv.toString('base64url'), c.claims.jwe_crypto.apv);
  });

  it('the key_request verifies without aud', () => {
    const c = byKind('key_request');
    const v = verifyPssoRequest(parseCompactJws(c.compactJws), { signingKey, encryptionKey: encX963 }, { ...verifyOpts(c), audience: 'https://elsewhere.example/token' });
    assert.equal(v.kind, 'key_request');
    assert.equal(v.version, '2.0');
    assert.equal(v.keyPurpose, 'user_unlock');
    assert.equal(v.refreshToken, c.claims.refresh_token);
    assert.equal(v.username, 'jappleseed@twocanoes.com');
  });

  it('the key_exchange verifies and yields other_publickey and key_context', () => {
    const c = byKind('key_exchange');
    const v = verifyPssoRequest(parseCompactJws(c.compactJws), { signingKey, encryptionKey: encX963 }, verifyOpts(c));
    assert.equal(v.kind, 'key_exchange');
    assert.equal(v.otherPublicKey!.toString('hex'), c.otherPublicKey.x963Hex);
    assert.equal(v.keyContext, c.claims.key_context);
    assert.equal(b64uDecode(v.keyContext!).toString('utf8'), c.keyContextDecoded);
  });

  it('a flipped bit is bad_signature, a clock past exp is request_expired, before iat request_issued_in_future, another apv key is apv_mismatch', () => {
    for (const c of captures) {
      const device = { signingKey, encryptionKey: encX963 };
      assert.throws(() => verifyPssoRequest(parseCompactJws(flipSegmentBit(c.compactJws, 1, 40, 2)), device, verifyOpts(c)), isCode('bad_signature'));
      assert.throws(() => verifyPssoRequest(parseCompactJws(c.compactJws), device, verifyOpts(c, c.exp + 61)), isCode('request_expired'));
      assert.throws(() => verifyPssoRequest(parseCompactJws(c.compactJws), device, verifyOpts(c, c.iat - 61)), isCode('request_issued_in_future'));
      // Within the skew on either side still passes.
      verifyPssoRequest(parseCompactJws(c.compactJws), device, verifyOpts(c, c.exp + 59));
      verifyPssoRequest(parseCompactJws(c.compactJws), device, verifyOpts(c, c.iat - 60));
      const other = Buffer.from(encX963);
      other[10] = other[10]! ^ 1;
      assert.throws(() => verifyPssoRequest(parseCompactJws(c.compactJws), { signingKey, encryptionKey: other }, verifyOpts(c)), isCode('apv_mismatch'));
      assert.throws(() => verifyPssoRequest(parseCompactJws(c.compactJws), device, { ...verifyOpts(c), clientId: 'other' }), isCode('wrong_client'));
    }
    const login = byKind('login');
    assert.throws(() => verifyPssoRequest(parseCompactJws(login.compactJws), { signingKey, encryptionKey: encX963 },
      { ...verifyOpts(login), audience: 'https://idp.twocanoes.com/pesto/token/' }), isCode('wrong_audience'));
  });
});
