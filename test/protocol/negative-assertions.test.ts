// Bad-input catalogue for embedded assertions (Secure Enclave JWS, encrypted password JWE) and for response apu checks on the Mac.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createPublicKey } from 'node:crypto';
import {
  b64uEncode, buildApv, buildEmbeddedAssertion, buildEncryptedAssertion, buildLoginRequest, decryptEncryptedAssertion,
  encryptCompactJwe, generateP256, kidFromX963, openPssoResponse, parseCompactJws, verifyEmbeddedAssertion, verifyPssoRequest,
} from '../../src/protocol/index.js';
import { AUDIENCE, LIMITS, NOW, TOKEN_URL, base, isCode, makeDevice, resign, verifyOpts } from './fixtures.js';

const device = makeDevice();
const verify = (jwt: string) => verifyPssoRequest(parseCompactJws(jwt), device.keys, verifyOpts);
const unsigned = (header: object, claims: object, sig = '') =>
  `${b64uEncode(Buffer.from(JSON.stringify(header)))}.${b64uEncode(Buffer.from(JSON.stringify(claims)))}.${sig}`;

describe('embedded assertions', () => {
  const user = generateP256();
  const nonce = 'B0B0B0B0-0000-4000-8000-000000000000';
  const scope = 'openid offline_access urn:apple:platformsso';
  const outerFor = (assertion: string) =>
    verify(buildLoginRequest({ ...base(device), nonce, tokenUrl: TOKEN_URL, username: 'liz', assertion }).jwt);
  const se = (o: Partial<Parameters<typeof buildEmbeddedAssertion>[0]> = {}) => buildEmbeddedAssertion({
    key: user.privateKey, kid: kidFromX963(user.x963), alg: 'ES256', username: 'liz', audience: AUDIENCE,
    nonce, requestNonce: 'server-nonce-123', scope, now: NOW, ...o,
  });
  const opts = { now: NOW, ...LIMITS, audience: AUDIENCE };

  it('signed by another key is assertion_invalid', () => {
    const a = se({ key: generateP256().privateKey });
    assert.throws(() => verifyEmbeddedAssertion(a, user.publicKey, ['ES256'], outerFor(a), opts), isCode('assertion_invalid'));
  });

  it('binding to the outer request: user, nonces, scope, audience, time', () => {
    const cases: Array<[Partial<Parameters<typeof buildEmbeddedAssertion>[0]>, string]> = [
      [{ username: 'mallory' }, 'assertion_invalid'],
      [{ nonce: 'OTHER' }, 'assertion_invalid'],
      [{ requestNonce: 'other-server-nonce' }, 'assertion_invalid'],
      [{ scope: 'openid' }, 'assertion_invalid'],
      [{ audience: 'elsewhere' }, 'assertion_invalid'],
      [{ now: NOW - 1000 }, 'request_expired'],
    ];
    for (const [o, code] of cases) {
      const a = se(o);
      assert.throws(() => verifyEmbeddedAssertion(a, user.publicKey, ['ES256'], outerFor(a), opts), isCode(code), JSON.stringify(o));
    }
  });

  it('algorithms outside the allowed list and wrong typ are malformed_assertion', () => {
    const a = se();
    assert.throws(() => verifyEmbeddedAssertion(a, user.publicKey, ['RS256'], outerFor(a), opts), isCode('malformed_assertion'));
    const b = resign(a, user.privateKey, (_c, h) => { h.typ = 'platformsso-login-request+jwt'; });
    assert.throws(() => verifyEmbeddedAssertion(b, user.publicKey, ['ES256'], outerFor(b), opts), isCode('malformed_assertion'));
    const none = unsigned({ alg: 'none', typ: 'JWT' }, parseCompactJws(a).claims);
    assert.throws(() => verifyEmbeddedAssertion(none, user.publicKey, ['ES256'], outerFor(none), opts), isCode('malformed_assertion'));
    assert.throws(() => verifyEmbeddedAssertion('garbage', user.publicKey, ['ES256'], outerFor(a), opts), isCode('malformed_assertion'));
  });

  it('encrypted assertion: wrong server key, foreign request_nonce in apv, apu not matching epk', () => {
    const server = generateP256();
    const enc = (o: { requestNonce?: string; serverKey?: Buffer } = {}) => buildEncryptedAssertion({
      serverKey: o.serverKey ?? server.x963, username: 'liz', password: 'pw', audience: AUDIENCE, nonce,
      requestNonce: o.requestNonce ?? 'server-nonce-123', scope, now: NOW,
    });
    const good = enc();
    assert.equal(decryptEncryptedAssertion(good, server.privateKey, server.x963, outerFor(good), opts).password, 'pw');
    const other = generateP256();
    assert.throws(() => decryptEncryptedAssertion(good, other.privateKey, other.x963, outerFor(good), opts), isCode('malformed_assertion'));
    const replay = enc({ requestNonce: 'an-older-nonce' });
    assert.throws(() => decryptEncryptedAssertion(replay, server.privateKey, server.x963, outerFor(replay), opts), isCode('apv_mismatch'));
    // A JWE whose apu names another key than its epk.
    const eph = generateP256();
    const fake = encryptCompactJwe({ recipient: server.x963, plaintext: '{}', typ: 'platformsso-encrypted-login-assertion+jwt', ephemeral: eph.privateKey,
      apv: buildApv(server.x963, 'server-nonce-123', 'APPLEEMBEDDED') });
    const parts = fake.split('.');
    const h = JSON.parse(Buffer.from(parts[0]!, 'base64url').toString());
    h.apu = b64uEncode(Buffer.from(h.apu, 'base64url').fill(1, 20, 30));
    const bad = [b64uEncode(Buffer.from(JSON.stringify(h))), ...parts.slice(1)].join('.');
    assert.throws(() => decryptEncryptedAssertion(bad, server.privateKey, server.x963, outerFor(bad), opts), isCode('apv_mismatch'));
  });

  it('apu not matching epk in a response is refused on the Mac', () => {
    const built = buildLoginRequest({ ...base(device), tokenUrl: TOKEN_URL, username: 'liz', password: 'pw' });
    const jwe = encryptCompactJwe({ recipient: device.encryption.x963, plaintext: '{}', apv: built.apv });
    const parts = jwe.split('.');
    const h = JSON.parse(Buffer.from(parts[0]!, 'base64url').toString());
    h.epk = JSON.parse(JSON.stringify(createPublicKey(generateP256().privateKey).export({ format: 'jwk' })));
    const bad = [b64uEncode(Buffer.from(JSON.stringify(h))), ...parts.slice(1)].join('.');
    assert.throws(() => openPssoResponse(bad, device.encryption.privateKey, built.apv), isCode('apv_mismatch'));
  });
});
