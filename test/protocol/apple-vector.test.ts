// Apple's end-to-end "Performing encryption verification" vector: every item of its checks list, byte for byte.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate, createHash, createPublicKey, diffieHellman } from 'node:crypto';
import * as jose from 'jose';
import {
  appleStringify, b64uDecode, b64uEncode, buildApu, buildApv, concatKdfInput, decryptCompactJwe, deriveCek,
  encryptCompactJwe, kidFromX963, parseApu, parseApv, parseCompactJws, pemFromX963, publicKeyFromX963,
  verifyJwsSignature, x963FromJwk, x963FromPublicKey,
} from '../../src/protocol/index.js';
import { PssoError } from '../../src/errors/psso-error.js';
import { apple, appleKey, flipSegmentBit, hex } from './vectors.js';

const keyNames = ['deviceSigning', 'deviceEncryption', 'serverEphemeral'] as const;
const req = apple.loginRequest;
const res = apple.loginResponse;
const inter = apple.intermediate;
const encX963 = x963FromJwk(apple.keys.deviceEncryption.jwk);
const epkX963 = x963FromJwk(apple.keys.serverEphemeral.jwk);

describe('Apple vector: keys', () => {
  it('kid-device-signing / kid-device-encryption / kid-server-ephemeral', () => {
    for (const name of keyNames) {
      const k = apple.keys[name];
      assert.equal(kidFromX963(x963FromJwk(k.jwk)), k.kid, name);
    }
    assert.equal(kidFromX963(x963FromJwk(apple.keys.deviceSigning.jwk)), req.header.kid);
    assert.equal(kidFromX963(encX963), res.header.kid);
  });

  it('private-keys-match-public: d·G = (x, y), and hex and PEM encode the same point', () => {
    for (const name of keyNames) {
      const k = apple.keys[name];
      const fromD = x963FromPublicKey(createPublicKey(appleKey(name)));
      assert.deepEqual(fromD, hex(k.publicKeyX963Hex), name);
      assert.deepEqual(x963FromPublicKey(createPublicKey(k.publicKeyPem)), fromD);
      assert.equal(pemFromX963(fromD), k.publicKeyPem.endsWith('\n') ? k.publicKeyPem : k.publicKeyPem + '\n');
    }
  });
});

describe('Apple vector: login request', () => {
  const p = parseCompactJws(req.compactJws);

  it('request-decode: three segments whose JSON is exactly headerJson/claimsJson', () => {
    assert.equal(p.headerB64, req.segments.protectedHeader);
    assert.equal(p.payloadB64, req.segments.payload);
    assert.equal(b64uEncode(p.signature), req.segments.signature);
    assert.equal(p.headerJson, req.headerJson);
    assert.equal(p.claimsJson, req.claimsJson);
    assert.deepEqual(p.header, req.header);
    assert.deepEqual(p.claims, req.claims);
  });

  it('appleStringify reproduces headerJson and claimsJson from the parsed objects', () => {
    assert.equal(appleStringify(req.header), req.headerJson);
    assert.equal(appleStringify(req.claims), req.claimsJson);
    assert.equal(appleStringify(res.header), res.headerJson);
    assert.equal(appleStringify(res.idToken.header), res.idToken.headerJson);
    assert.equal(appleStringify(res.idToken.claims), res.idToken.claimsJson);
    assert.equal(appleStringify(res.plaintextParsed), res.plaintext);
  });

  it('request-es256-verify: verifies, and fails after one flipped bit', async () => {
    const pub = publicKeyFromX963(x963FromJwk(apple.keys.deviceSigning.jwk));
    assert.equal(p.signature.length, 64);
    assert.equal(p.signature.subarray(0, 32).toString('hex'), req.signature.rHex);
    assert.equal(p.signature.subarray(32).toString('hex'), req.signature.sHex);
    assert.equal(verifyJwsSignature(p, pub, 'ES256'), true);
    for (const seg of [0, 1, 2]) {
      assert.equal(verifyJwsSignature(parseCompactJws(flipSegmentBit(req.compactJws, seg, 5, 1)), pub, 'ES256'), false, `segment ${seg}`);
    }
    // jose as an independent check of the same signature.
    const r = await jose.compactVerify(req.compactJws, pub);
    assert.equal(Buffer.from(r.payload).toString('utf8'), req.claimsJson);
  });

  it('request-x5c: the certificate carries the signing key and its self-signature verifies', () => {
    const cert = new X509Certificate(Buffer.from(req.header.x5c, 'base64'));
    assert.deepEqual(x963FromPublicKey(cert.publicKey), x963FromJwk(apple.keys.deviceSigning.jwk));
    assert.equal(cert.verify(cert.publicKey), true);
    assert.equal(cert.serialNumber.replace(/^0+/, ''), req.x5cCertificate.serialNumberHex.replace(/^0+/, ''));
  });

  it('apv-construction from the encryption key and the nonce claim', () => {
    const apv = buildApv(encX963, req.claims.nonce);
    assert.equal(b64uEncode(apv), req.claims.jwe_crypto.apv);
    assert.equal(b64uEncode(apv), inter.apv.b64u);
    assert.equal(apv.toString('hex'), inter.apv.hex);
    assert.deepEqual(parseApv(apv), { label: 'Apple', key: encX963, nonce: inter.apv.fields.nonce });
  });
});

describe('Apple vector: login response', () => {
  it('apu-construction: header epk is the ephemeral key and apu = APPLE||epk', () => {
    assert.deepEqual(x963FromJwk(res.header.epk), hex(apple.keys.serverEphemeral.publicKeyX963Hex));
    const apu = buildApu(epkX963);
    assert.equal(b64uEncode(apu), res.header.apu);
    assert.equal(b64uEncode(apu), inter.apu.b64u);
    assert.deepEqual(parseApu(apu), { label: 'APPLE', key: epkX963 });
  });

  it('ecdh-z: both directions give Z', () => {
    const z1 = diffieHellman({ privateKey: appleKey('serverEphemeral'), publicKey: publicKeyFromX963(encX963) });
    const z2 = diffieHellman({ privateKey: appleKey('deviceEncryption'), publicKey: publicKeyFromX963(epkX963) });
    assert.equal(z1.toString('hex'), inter.Z.hex);
    assert.deepEqual(z1, z2);
    assert.equal(b64uEncode(z1), inter.Z.b64u);
  });

  it('concat-kdf-input and concat-kdf-cek', () => {
    const z = hex(inter.Z.hex);
    const input = concatKdfInput(z, 'A256GCM', hex(inter.apu.hex), hex(inter.apv.hex));
    assert.equal(input.toString('hex'), inter.kdfInput.hex);
    assert.equal(b64uEncode(input), inter.kdfInput.b64u);
    assert.equal(b64uEncode(Buffer.from('A256GCM')), inter.algorithmId.b64u);
    assert.equal(deriveCek(z, 'A256GCM', hex(inter.apu.hex), hex(inter.apv.hex)).toString('hex'), inter.cek.hex);
    assert.equal(createHash('sha256').update(input).digest('base64url'), inter.cek.b64u);
  });

  it('jwe-decrypt: exact plaintext, with the request apv as PartyVInfo', () => {
    const d = decryptCompactJwe(res.compactJwe, appleKey('deviceEncryption'), { apv: hex(inter.apv.hex) });
    assert.equal(d.header.alg, 'ECDH-ES');
    assert.equal(d.header.enc, 'A256GCM');
    assert.equal(res.segments.encryptedKey, '');
    assert.equal(d.apv, null, 'Apple puts no apv in the header');
    assert.equal(d.headerJson, res.headerJson);
    assert.equal(d.intermediates.z.toString('hex'), inter.Z.hex);
    assert.equal(d.intermediates.kdfInput.toString('hex'), inter.kdfInput.hex);
    assert.equal(d.intermediates.cek.toString('hex'), inter.cek.hex);
    assert.equal(d.plaintext.toString('utf8'), res.plaintext);
    assert.equal(d.plaintext.length, res.plaintextLength);
    assert.equal(createHash('sha256').update(d.plaintext).digest('hex'), res.plaintextSha256Hex);
    assert.equal(b64uDecode(res.aad.asPrintedInSource).toString('ascii'), res.segments.protectedHeader);
    assert.equal(res.aad.ascii, res.segments.protectedHeader);
  });

  it('jwe-tamper-rejected: one bit of ciphertext, tag or AAD', () => {
    const key = appleKey('deviceEncryption');
    const apv = hex(inter.apv.hex);
    for (const [seg, label] of [[3, 'ciphertext'], [4, 'tag'], [2, 'iv']] as const) {
      assert.throws(() => decryptCompactJwe(flipSegmentBit(res.compactJwe, seg, 3, 0), key, { apv }),
        (e: unknown) => e instanceof PssoError && e.entry.name === 'malformed_jws', label);
    }
    // AAD: flip one bit of the kid inside the header, keeping the header valid JSON.
    const headerJson = res.headerJson.replace('pScnuzx3', 'pScnuzx2');
    const tampered = [b64uEncode(Buffer.from(headerJson)), ...res.compactJwe.split('.').slice(1)].join('.');
    assert.throws(() => decryptCompactJwe(tampered, key, { apv }), /authentication failed/);
    // And without the request's apv the KDF differs, so the response cannot be opened.
    assert.throws(() => decryptCompactJwe(res.compactJwe, key), /authentication failed/);
  });

  it('jwe-reencrypt-deterministic: fixed epk + IV + Apple header reproduce the compact JWE', async () => {
    const jwe = encryptCompactJwe({
      recipient: encX963,
      plaintext: res.plaintext,
      headerJson: res.headerJson,
      apv: hex(inter.apv.hex),
      ephemeral: appleKey('serverEphemeral'),
      iv: hex(inter.iv.hex),
    });
    const parts = jwe.split('.');
    assert.equal(parts[3], res.segments.ciphertext);
    assert.equal(parts[4], res.segments.tag);
    assert.equal(jwe, res.compactJwe);
    // A header that names some other epk is refused rather than silently producing a broken JWE.
    assert.throws(() => encryptCompactJwe({ recipient: encX963, plaintext: 'x', headerJson: res.headerJson }));
  });

  it('plaintext-and-id-token: parsed fields, id_token header/claims, nonce and aud', () => {
    assert.equal(b64uDecode(res.plaintextB64uAsPrintedInSource).toString('utf8'), res.plaintext);
    const parsed = JSON.parse(res.plaintext);
    assert.deepEqual(parsed, res.plaintextParsed);
    const idt = parseCompactJws(parsed.id_token);
    assert.equal(idt.headerJson, res.idToken.headerJson);
    assert.equal(idt.claimsJson, res.idToken.claimsJson);
    assert.deepEqual(idt.claims, res.idToken.claims);
    assert.equal(idt.signature.length, res.idToken.signatureLength);
    assert.equal(idt.claims.nonce, req.claims.nonce);
    assert.equal(idt.claims.aud, req.claims.client_id);
  });
});

describe('Apple vector: errata, shown as data', () => {
  it('the standalone ciphertext print lacks 21 bytes and does not decrypt', () => {
    const full = b64uDecode(res.segments.ciphertext);
    const standalone = b64uDecode(inter.ciphertextStandaloneAsPrintedInSource);
    assert.equal(full.length - standalone.length, 21);
    assert.deepEqual(full.subarray(21), standalone);
    const parts = res.compactJwe.split('.');
    parts[3] = inter.ciphertextStandaloneAsPrintedInSource;
    assert.throws(() => decryptCompactJwe(parts.join('.'), appleKey('deviceEncryption'), { apv: hex(inter.apv.hex) }), /authentication failed/);
  });

  it("the KDF example's apu encodes another point than its epk, while its hex is self-consistent", () => {
    const d = apple.errata.find((e: { id: string }) => e.id === 'erratum-kdf-example-apu').data;
    const input = hex(d.sha256InputHex);
    assert.equal(createHash('sha256').update(input).digest('hex'), d.concatKdfResultHex.toLowerCase());
    const epk = x963FromJwk(d.epkJwk);
    assert.equal(epk.toString('hex').toUpperCase(), d.epkLine.split('||')[1]);
    const printed = parseApu(b64uDecode(d.apuPrinted));
    assert.equal(printed.label, 'APPLE');
    assert.notDeepEqual(printed.key, epk, 'printed apu names a different key');
    assert.notEqual(b64uEncode(buildApu(epk)), d.apuPrinted);
    // The apv printed beside it does match its device key and nonce.
    assert.equal(b64uEncode(buildApv(x963FromJwk(d.deviceEncryptionJwk), d.nonce)), d.apvPrinted);
    const z = hex(d.Zhex);
    const rebuilt = concatKdfInput(z, 'A256GCM', buildApu(epk), b64uDecode(d.apvPrinted));
    assert.deepEqual(rebuilt, input, 'the KDF input is built from the epk, not the printed apu');
  });
});
