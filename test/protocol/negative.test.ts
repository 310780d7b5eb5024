// Bad-input catalogue for the request and assertion verifiers: each hostile or broken input and the error it must get.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import {
  b64uEncode, buildApv, buildKeyExchangeRequest, buildKeyRequest, buildLoginRequest, buildPssoForm, buildRefreshRequest,
  generateP256, pemFromX963, parseCompactJws, parsePssoForm, requestSigningKid, verifyPssoRequest, type VerifyRequestOptions,
} from '../../src/protocol/index.js';
import { CLIENT_ID, NOW, TOKEN_URL, base, isCode, makeDevice, resign, verifyOpts } from './fixtures.js';

const device = makeDevice();
const key = device.signing.privateKey;
const login = () => buildLoginRequest({ ...base(device), tokenUrl: TOKEN_URL, username: 'liz', password: 'pw' }).jwt;
const keyReq = () => buildKeyRequest({ ...base(device), refreshToken: 'rt', username: 'liz' }).jwt;
const verify = (jwt: string, opts: VerifyRequestOptions = verifyOpts) => verifyPssoRequest(parseCompactJws(jwt), device.keys, opts);
const unsigned = (header: object, claims: object, sig = '') =>
  `${b64uEncode(Buffer.from(JSON.stringify(header)))}.${b64uEncode(Buffer.from(JSON.stringify(claims)))}.${sig}`;

describe('algorithm pinning', () => {
  it('alg none is unsupported_algorithm', () => {
    const claims = parseCompactJws(login()).claims;
    const token = unsigned({ typ: 'platformsso-login-request+jwt', alg: 'none', kid: device.kid }, claims);
    assert.throws(() => verify(token), isCode('unsupported_algorithm'));
  });

  it('HS256 keyed with the public key is refused before kid lookup or signature', () => {
    const claims = parseCompactJws(login()).claims;
    const pem = pemFromX963(device.signing.x963);
    for (const header of [{ typ: 'JWT', alg: 'HS256', kid: device.kid }, { alg: 'HS256' }]) {
      const input = unsigned(header, claims).slice(0, -1);
      const token = `${input}.${createHmac('sha256', pem).update(input).digest('base64url')}`;
      assert.throws(() => requestSigningKid(parseCompactJws(token)), isCode('unsupported_algorithm'));
      assert.throws(() => verify(token), isCode('unsupported_algorithm'));
    }
  });

  it('ES384, RS256 and a missing alg are refused too', () => {
    const [, , sig] = login().split('.');
    const { header, claims } = parseCompactJws(login());
    for (const alg of ['ES384', 'RS256', undefined, 'es256']) {
      assert.throws(() => verify(unsigned({ ...header, alg }, claims, sig)), isCode('unsupported_algorithm'), String(alg));
    }
  });
});

describe('kid and signature', () => {
  it('a kid in base64url without padding is canonicalised to the same kid', () => {
    const urlKid = device.kid.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
    const token = resign(login(), key, (_c, h) => { h.kid = urlKid; });
    assert.equal(verify(token).kid, device.kid);
  });

  it('missing or undecodable kid is malformed_jws', () => {
    for (const kid of [undefined, 'nope', 'AAAA', 42]) {
      assert.throws(() => verify(resign(login(), key, (_c, h) => { h.kid = kid; })), isCode('malformed_jws'));
    }
  });

  it('a crit header is refused even when signed', () => {
    assert.throws(() => verify(resign(login(), key, (_c, h) => { h.crit = ['exp']; })), isCode('malformed_jws'));
  });

  it('a request signed by another key is bad_signature', () => {
    assert.throws(() => verify(resign(login(), generateP256().privateKey, () => {})), isCode('bad_signature'));
  });

  it('malformed base64 and JSON are malformed_jws', () => {
    const [h, p, s] = login().split('.');
    for (const t of [`${h}.${p}`, `${h}!.${p}.${s}`, `${h}.${b64uEncode(Buffer.from('{"a":'))}.${s}`, `${h}.${b64uEncode(Buffer.from('[]'))}.${s}`]) {
      assert.throws(() => parseCompactJws(t), isCode('malformed_jws'));
    }
  });
});

describe('times', () => {
  it('iat in the future is request_issued_in_future, exp in the past request_expired; numeric strings work', () => {
    assert.throws(() => verify(resign(login(), key, (c) => { c.iat = NOW + 120; c.exp = NOW + 420; })), isCode('request_issued_in_future'));
    assert.throws(() => verify(resign(login(), key, (c) => { c.iat = NOW - 300; c.exp = NOW - 61; })), isCode('request_expired'));
    assert.throws(() => verify(login(), { ...verifyOpts, now: NOW + 400 }), isCode('request_expired'));
    assert.equal(verify(resign(login(), key, (c) => { c.iat = String(NOW); c.exp = String(NOW + 300); })).exp, NOW + 300);
    assert.throws(() => verify(resign(login(), key, (c) => { c.exp = 'soon'; })), isCode('missing_claim'));
  });

  it('exp is required in macOS 14 requests', () => {
    assert.throws(() => verify(resign(login(), key, (c) => { delete c.exp; })), isCode('missing_claim'));
  });
});

describe('claims', () => {
  it('each missing required claim is missing_claim', () => {
    for (const name of ['iat', 'nonce', 'request_nonce', 'jwe_crypto', 'username', 'password', 'grant_type', 'client_id', 'iss', 'aud']) {
      assert.throws(() => verify(resign(login(), key, (c) => { delete c[name]; })), isCode('missing_claim'), name);
    }
    for (const name of ['refresh_token', 'key_purpose', 'username', 'iss']) {
      assert.throws(() => verify(resign(keyReq(), key, (c) => { delete c[name]; })), isCode('missing_claim'), name);
    }
    const kx = buildKeyExchangeRequest({ ...base(device), refreshToken: 'rt', username: 'liz', otherPublicKey: generateP256().x963 }).jwt;
    assert.throws(() => verify(resign(kx, key, (c) => { delete c.other_publickey; })), isCode('missing_claim'));
    const rf = buildRefreshRequest({ ...base(device), tokenUrl: TOKEN_URL, refreshToken: 'rt' }).jwt;
    assert.throws(() => verify(resign(rf, key, (c) => { delete c.refresh_token; })), isCode('missing_claim'));
    const jb = buildLoginRequest({ ...base(device), tokenUrl: TOKEN_URL, username: 'liz', assertion: 'a.b.c' }).jwt;
    assert.throws(() => verify(resign(jb, key, (c) => { delete c.assertion; })), isCode('missing_claim'));
  });

  it('a custom server nonce claim name is honoured', () => {
    const token = resign(login(), key, (c) => { c.srv_nonce = c.request_nonce; delete c.request_nonce; });
    assert.equal(verify(token, { ...verifyOpts, nonceClaimName: 'srv_nonce' }).requestNonce, 'server-nonce-123');
    assert.throws(() => verify(token), isCode('missing_claim'));
  });

  it('unknown grant, sub different from username, typ not fitting the claims', () => {
    assert.throws(() => verify(resign(login(), key, (c) => { c.grant_type = 'client_credentials'; })), isCode('unsupported_grant_type'));
    assert.throws(() => verify(resign(login(), key, (c) => { c.sub = 'mallory'; })), isCode('missing_claim'));
    assert.throws(() => verify(resign(login(), key, (_c, h) => { h.typ = 'platformsso-key-request+jwt'; })), isCode('malformed_jws'));
    assert.throws(() => verify(resign(login(), key, (_c, h) => { h.typ = 'platformsso-login-assertion+jwt'; })), isCode('malformed_jws'));
    assert.throws(() => verify(resign(keyReq(), key, (c) => { c.request_type = 'key_delete'; })), isCode('missing_claim'));
  });

  it('wrong iss, client_id and aud', () => {
    assert.throws(() => verify(resign(login(), key, (c) => { c.iss = 'other'; })), isCode('wrong_client'));
    assert.throws(() => verify(resign(login(), key, (c) => { c.client_id = 'other'; })), isCode('wrong_client'));
    assert.throws(() => verify(resign(keyReq(), key, (c) => { c.client_id = 'other'; })), isCode('wrong_client'));
    assert.equal(verify(resign(keyReq(), key, (c) => { c.client_id = CLIENT_ID; })).kind, 'key_request');
    assert.throws(() => verify(resign(login(), key, (c) => { c.aud = 'https://evil.example/token'; })), isCode('wrong_audience'));
    assert.equal(verify(resign(keyReq(), key, (c) => { c.aud = 'anything'; })).kind, 'key_request', 'aud is not checked on key requests');
  });

  it('scope without urn:apple:platformsso is missing_scope', () => {
    assert.throws(() => verify(resign(login(), key, (c) => { c.scope = 'openid offline_access'; })), isCode('missing_scope'));
    assert.throws(() => verify(resign(login(), key, (c) => { delete c.scope; })), isCode('missing_scope'));
  });

  it('jwe_crypto other than ECDH-ES/A256GCM and apvs naming another key or nonce', () => {
    assert.throws(() => verify(resign(login(), key, (c) => { (c.jwe_crypto as any).alg = 'RSA-OAEP-256'; })), isCode('unsupported_jwe_crypto'));
    assert.throws(() => verify(resign(login(), key, (c) => { (c.jwe_crypto as any).enc = 'A128GCM'; })), isCode('unsupported_jwe_crypto'));
    const apvs = [
      buildApv(generateP256().x963, 'N'),
      buildApv(device.encryption.x963, 'ANOTHER-NONCE'),
      buildApv(device.encryption.x963, 'N', 'APPLE'),
      Buffer.from('garbage'),
    ];
    for (const apv of apvs) {
      const token = resign(login(), key, (c) => { c.nonce = 'N'; (c.jwe_crypto as any).apv = b64uEncode(apv); });
      assert.throws(() => verify(token), isCode('apv_mismatch'));
    }
    assert.throws(() => verify(resign(login(), key, (c) => { (c.jwe_crypto as any).apv = 'not base64!'; })), isCode('apv_mismatch'));
  });

  it('other_publickey that is not a P-256 point is bad_public_key', () => {
    const off = Buffer.from(generateP256().x963);
    off[64] = off[64]! ^ 1;
    for (const opk of [off.toString('base64'), 'AAAA', Buffer.alloc(65, 4).toString('base64url') + '_', '']) {
      const kx = buildKeyExchangeRequest({ ...base(device), refreshToken: 'rt', username: 'liz', otherPublicKey: generateP256().x963 }).jwt;
      const token = resign(kx, key, (c) => { c.other_publickey = opk; });
      assert.throws(() => verify(token), (e) => isCode(opk === '' ? 'missing_claim' : 'bad_public_key')(e));
    }
  });

  it('a key request sent as platform_sso_version 1.0 is version_mismatch', () => {
    assert.throws(() => verify(keyReq(), { ...verifyOpts, version: '1.0' }), isCode('version_mismatch'));
  });
});

describe('form', () => {
  it('grant_type, field and version', () => {
    const jwt = login();
    assert.throws(() => parsePssoForm({ assertion: jwt }), isCode('malformed_request'));
    assert.throws(() => parsePssoForm({ grant_type: 'srv_challenge' }), isCode('unsupported_grant_type'));
    assert.throws(() => parsePssoForm({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer' }), isCode('malformed_request'));
    const form = Object.fromEntries(new URLSearchParams(buildPssoForm(jwt, '1.0')));
    assert.throws(() => parsePssoForm({ ...form, platform_sso_version: '3.0' }), isCode('malformed_request'));
    assert.equal(parsePssoForm({ ...form, platform_sso_version: undefined }).version, '1.0');
    assert.throws(() => parsePssoForm({ ...form, request: keyReq() }), isCode('malformed_request'));
    assert.throws(() => parsePssoForm({ ...form, assertion: 'x.y' }), isCode('malformed_jws'));
  });
});
