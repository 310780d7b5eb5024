// Unit tests of the protocol primitives: strict base64, kid canonicalisation, key parsing, Apple JSON, party info, JWS/JWE with jose as a cross-check.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createPublicKey, createSecretKey, generateKeyPairSync } from 'node:crypto';
import * as jose from 'jose';
import {
  appleStringify, b64Decode, b64Encode, b64uDecode, b64uEncode, buildApu, buildApv, canonicaliseKid,
  decryptCompactJwe, encryptCompactJwe, generateP256, jwkFromX963, kidFromX963, numericDate, parseApu, parseApv,
  parseCompactJws, parsePublicKeyInput, pemFromX963, publicKeyFromX963, signCompactJws, verifyJwsSignature,
  x963FromJwk, x963FromPublicKey,
} from '../../src/protocol/index.js';
import { PssoError } from '../../src/errors/psso-error.js';
import { mac14 } from './vectors.js';

const isCode = (name: string) => (e: unknown) => e instanceof PssoError && e.entry.name === name;

describe('base64', () => {
  it('base64url is strict: alphabet, length, padding and canonical form', () => {
    assert.deepEqual(b64uDecode('AQID'), Buffer.from([1, 2, 3]));
    assert.equal(b64uEncode(Buffer.from([251, 255])), '-_8');
    for (const bad of ['A', 'AQ==', 'AQ+D', 'AQ/D', 'A Q', 'AB', '!!!!']) {
      assert.throws(() => b64uDecode(bad), isCode('malformed_base64'), bad);
    }
    assert.deepEqual(b64uDecode(''), Buffer.alloc(0));
  });

  it('standard base64 accepts padded and unpadded, nothing else', () => {
    assert.deepEqual(b64Decode('AQ=='), Buffer.from([1]));
    assert.deepEqual(b64Decode('AQ'), Buffer.from([1]));
    assert.equal(b64Encode(Buffer.from([251, 255])), '+/8=');
    for (const bad of ['AQ=', 'AQ===', 'A', '-_8=', 'AQ=A', 'AB==']) {
      assert.throws(() => b64Decode(bad), isCode('malformed_base64'), bad);
    }
  });

  it('canonicaliseKid maps base64url-without-padding to the same kid', () => {
    const kid = mac14.deviceSigningKey.kid as string; // f+Rn…JC0=
    const url = kid.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
    assert.notEqual(url, kid);
    assert.equal(canonicaliseKid(url), kid);
    assert.equal(canonicaliseKid(kid), kid);
    assert.equal(canonicaliseKid(kid.replace(/=$/, '')), kid);
    assert.equal(canonicaliseKid('AAAA'), null, 'wrong length');
    assert.equal(canonicaliseKid('not a kid!'), null);
    assert.equal(canonicaliseKid(''), null);
  });
});

describe('EC keys', () => {
  const { publicKey, x963 } = generateP256();

  it('round-trips X9.63, JWK, PEM and KeyObject', () => {
    assert.equal(x963.length, 65);
    assert.deepEqual(x963FromJwk(jwkFromX963(x963)), x963);
    assert.deepEqual(x963FromPublicKey(publicKeyFromX963(x963)), x963);
    assert.deepEqual(x963FromPublicKey(createPublicKey(pemFromX963(x963))), x963);
    assert.deepEqual(x963FromPublicKey(publicKey), x963);
  });

  it('parsePublicKeyInput accepts every registration spelling', () => {
    const spki = publicKey.export({ format: 'der', type: 'spki' });
    const rawPem = `-----BEGIN PUBLIC KEY-----\n${b64Encode(x963)}\n-----END PUBLIC KEY-----`;
    const inputs = [pemFromX963(x963), rawPem, b64Encode(x963), b64uEncode(x963), b64Encode(spki), JSON.stringify(jwkFromX963(x963)), `  ${b64Encode(x963)}\n`];
    for (const i of inputs) assert.deepEqual(parsePublicKeyInput(i), x963, i.slice(0, 30));
  });

  it('rejects off-curve points, other curves, RSA and junk as bad_public_key', () => {
    const off = Buffer.from(x963);
    off[64] = off[64]! ^ 1;
    assert.throws(() => publicKeyFromX963(off), isCode('bad_public_key'));
    assert.throws(() => publicKeyFromX963(x963.subarray(0, 64)), isCode('bad_public_key'));
    const compressed = Buffer.from(x963);
    compressed[0] = 2;
    assert.throws(() => publicKeyFromX963(compressed), isCode('bad_public_key'));
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ format: 'pem', type: 'spki' }).toString();
    const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' }).publicKey.export({ format: 'pem', type: 'spki' }).toString();
    for (const bad of [b64Encode(off), rsa, p384, 'hello', '-----BEGIN PUBLIC KEY-----\nAAAA\n-----END CERTIFICATE-----', '{"kty":"EC"}']) {
      assert.throws(() => parsePublicKeyInput(bad), isCode('bad_public_key'), bad.slice(0, 30));
    }
  });

  it('kidFromX963 is padded standard base64 of SHA-256', () => {
    const kid = kidFromX963(x963);
    assert.equal(kid.length, 44);
    assert.ok(kid.endsWith('='));
    assert.equal(canonicaliseKid(kid), kid);
  });
});

describe('appleStringify', () => {
  it('pretty-prints like NSJSONSerialization', () => {
    const v = { a: 'x/y', b: [1, 'two', { c: true, d: null }], e: {}, f: [], g: 1.5, h: 'é"\n' };
    assert.equal(appleStringify(v), '{\n  "a" : "x/y",\n  "b" : [\n    1,\n    "two",\n    {\n      "c" : true,\n      "d" : null\n    }\n  ],\n  "e" : {\n\n  },\n  "f" : [\n\n  ],\n  "g" : 1.5,\n  "h" : "é\\"\\n"\n}');
    assert.equal(appleStringify({ skip: undefined, k: 1 }), '{\n  "k" : 1\n}');
    assert.deepEqual(JSON.parse(appleStringify(v)), v);
  });
});

describe('party info', () => {
  const { x963 } = generateP256();

  it('apv and apu round-trip', () => {
    assert.deepEqual(parseApv(buildApv(x963, 'NONCE')), { label: 'Apple', key: x963, nonce: 'NONCE' });
    assert.deepEqual(parseApu(buildApu(x963)), { label: 'APPLE', key: x963 });
    assert.equal(buildApv(x963, 'N').subarray(0, 9).toString('hex'), '000000054170706c65');
  });

  it('truncated, trailing or wrong field counts are apv_mismatch "malformed apv"', () => {
    const apv = buildApv(x963, 'NONCE');
    for (const bad of [apv.subarray(0, apv.length - 1), Buffer.concat([apv, Buffer.from([0])]), buildApu(x963), Buffer.from([0, 0, 0])]) {
      assert.throws(() => parseApv(bad), (e: unknown) => isCode('apv_mismatch')(e) && (e as PssoError).detail === 'malformed apv');
    }
  });
});

describe('claims', () => {
  it('numericDate takes numbers and digit strings', () => {
    assert.equal(numericDate(1713997801), 1713997801);
    assert.equal(numericDate('1656005132'), 1656005132);
    for (const bad of ['12a', '', '-5', -5, NaN, Infinity, null, undefined, '1.5', {}]) assert.equal(numericDate(bad), undefined);
  });
});

describe('JWS', () => {
  it('parseCompactJws refuses malformed tokens', () => {
    const good = signCompactJws({ alg: 'ES256' }, { a: 1 }, generateP256().privateKey);
    const [h, p, s] = good.split('.');
    const arr = b64uEncode(Buffer.from('[1]'));
    for (const bad of [`${h}.${p}`, `${h}.${p}.${s}.x`, `${h}.${p}+.${s}`, `${arr}.${p}.${s}`, `${h}.${b64uEncode(Buffer.from('"s"'))}.${s}`, `${b64uEncode(Buffer.from('{bad'))}.${p}.${s}`, '']) {
      assert.throws(() => parseCompactJws(bad), isCode('malformed_jws'), bad.slice(0, 20));
    }
  });

  it('ES256 and RS256 signatures verify here and in jose; alg and key type are pinned', async () => {
    const ec = generateP256();
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
    for (const style of ['apple', 'compact'] as const) {
      const es = signCompactJws({ typ: 'JWT', alg: 'ES256' }, { sub: 'liz' }, ec.privateKey, style);
      assert.equal(verifyJwsSignature(parseCompactJws(es), ec.publicKey, 'ES256'), true);
      assert.equal((await jose.compactVerify(es, ec.publicKey)).protectedHeader.alg, 'ES256');
      const rs = signCompactJws({ alg: 'RS256' }, { sub: 'liz' }, rsa.privateKey, style);
      assert.equal(verifyJwsSignature(parseCompactJws(rs), rsa.publicKey, 'RS256'), true);
      await jose.compactVerify(rs, rsa.publicKey);
      assert.equal(verifyJwsSignature(parseCompactJws(rs), rsa.publicKey, 'RS512'), false, 'alg pinned');
      assert.equal(verifyJwsSignature(parseCompactJws(es), rsa.publicKey, 'ES256'), false, 'key type pinned');
    }
    // A DER-encoded ECDSA signature is not a JOSE signature.
    const jws = parseCompactJws(signCompactJws({ alg: 'ES256' }, { a: 1 }, ec.privateKey));
    assert.equal(verifyJwsSignature({ ...jws, signature: Buffer.concat([jws.signature, Buffer.alloc(6)]) }, ec.publicKey, 'ES256'), false);
    assert.throws(() => signCompactJws({ alg: 'HS256' }, {}, createSecretKey(Buffer.alloc(32))), isCode('unsupported_algorithm'));
  });
});

describe('JWE', () => {
  const device = generateP256();

  it('jose decrypts what encryptCompactJwe produces, in both header styles', async () => {
    const apv = buildApv(device.x963, 'NONCE-1');
    for (const headerStyle of ['compact', 'apple'] as const) {
      const jwe = encryptCompactJwe({ recipient: device.x963, plaintext: '{"a":1}', typ: 'platformsso-login-response+jwt', kid: 'k', apv, headerStyle });
      const r = await jose.compactDecrypt(jwe, device.privateKey);
      assert.equal(Buffer.from(r.plaintext).toString(), '{"a":1}');
      assert.deepEqual(Object.keys(r.protectedHeader), ['alg', 'enc', 'epk', 'apu', 'apv', 'typ', 'kid']);
      const ours = decryptCompactJwe(jwe, device.privateKey);
      assert.deepEqual(ours.apv, apv);
      assert.equal(b64uDecode(jwe.split('.')[2]!).length, 12);
    }
  });

  it('decrypts a JWE that jose produced with apu = APPLE||epk', async () => {
    const eph = generateP256();
    const apv = buildApv(device.x963, 'N');
    const jwe = await new jose.CompactEncrypt(Buffer.from('hello'))
      .setProtectedHeader({ alg: 'ECDH-ES', enc: 'A256GCM' })
      .setKeyManagementParameters({ epk: await jose.importJWK(eph.privateKey.export({ format: 'jwk' }), 'ECDH-ES', { extractable: true }) as CryptoKey, apu: buildApu(eph.x963), apv })
      .encrypt(device.publicKey);
    assert.equal(decryptCompactJwe(jwe, device.privateKey).plaintext.toString(), 'hello');
    // jose's default (no apu) is refused: the device insists on APPLE||epk.
    const plain = await new jose.CompactEncrypt(Buffer.from('x')).setProtectedHeader({ alg: 'ECDH-ES', enc: 'A256GCM' }).encrypt(device.publicKey);
    assert.throws(() => decryptCompactJwe(plain, device.privateKey), isCode('apv_mismatch'));
  });

  it('fails closed on alg, enc, encrypted key, apu, IV and tag', async () => {
    const jwe = encryptCompactJwe({ recipient: device.x963, plaintext: 'x' });
    const parts = jwe.split('.');
    const header = JSON.parse(b64uDecode(parts[0]!).toString());
    const withHeader = (h: object) => [b64uEncode(Buffer.from(JSON.stringify(h))), ...parts.slice(1)].join('.');
    assert.throws(() => decryptCompactJwe(withHeader({ ...header, alg: 'ECDH-ES+A256KW' }), device.privateKey), isCode('unsupported_jwe_crypto'));
    assert.throws(() => decryptCompactJwe(withHeader({ ...header, enc: 'A128GCM' }), device.privateKey), isCode('unsupported_jwe_crypto'));
    assert.throws(() => decryptCompactJwe(withHeader({ ...header, zip: 'DEF' }), device.privateKey), isCode('unsupported_jwe_crypto'));
    const other = generateP256();
    assert.throws(() => decryptCompactJwe(withHeader({ ...header, apu: b64uEncode(buildApu(other.x963)) }), device.privateKey), isCode('apv_mismatch'));
    assert.throws(() => decryptCompactJwe(withHeader({ ...header, apu: b64uEncode(buildApu(b64uDecode(header.apu).subarray(13), 'Apple')) }), device.privateKey), isCode('apv_mismatch'));
    assert.throws(() => decryptCompactJwe(withHeader({ ...header, epk: jwkFromX963(other.x963) }), device.privateKey), isCode('apv_mismatch'));
    const replace = (i: number, v: string) => parts.map((p, j) => (j === i ? v : p)).join('.');
    assert.throws(() => decryptCompactJwe(replace(1, 'AAAA'), device.privateKey), isCode('malformed_jws'));
    assert.throws(() => decryptCompactJwe(replace(2, b64uEncode(Buffer.alloc(8))), device.privateKey), isCode('malformed_jws'));
    assert.throws(() => decryptCompactJwe(replace(4, b64uEncode(Buffer.alloc(12))), device.privateKey), isCode('malformed_jws'));
    assert.throws(() => decryptCompactJwe(parts.slice(0, 4).join('.'), device.privateKey), isCode('malformed_jws'));
    assert.throws(() => decryptCompactJwe(jwe, other.privateKey), isCode('malformed_jws'));
  });

  it('accepts a long IV (AK sends 96 bytes) but not a short one', () => {
    const jwe = encryptCompactJwe({ recipient: device.x963, plaintext: 'x', iv: Buffer.alloc(96, 7) });
    assert.equal(decryptCompactJwe(jwe, device.privateKey).plaintext.toString(), 'x');
    assert.throws(() => encryptCompactJwe({ recipient: device.x963, plaintext: 'x', iv: Buffer.alloc(8) }));
  });
});
