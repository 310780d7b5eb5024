// UiO's browser-SSO envelope (extensions.md §4.8-§4.9), pure: both generations round-trip through the
// builder and the parser, the signature is DER over the ASCII of the first part, and each malformed
// shape is refused with uio_envelope_malformed before any key or record is looked at.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { verify } from 'node:crypto';
import { generateP256, kidFromX963 } from '../../src/protocol/ec-keys.js';
import { buildUioEnvelope, envelopeReplayKey, looksLikeUioEnvelope, parseUioEnvelope } from '../../src/protocol/uio-envelope.js';
import { PssoError } from '../../src/errors/psso-error.js';

const key = generateP256();
const kid = kidFromX963(key.x963);
const enc = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
const malformed = (e: unknown) => e instanceof PssoError && e.entry.name === 'uio_envelope_malformed';

describe('UiO browser-SSO envelope', () => {
  it('round-trips WL-0 and WL-N, with a DER signature over the envelope text', () => {
    const wl0 = buildUioEnvelope({ generation: 'wl0', deviceSigningKey: key.privateKey, kid, username: 'a@b', refreshToken: 'rt/1', signedAt: 1700000000 });
    const p0 = parseUioEnvelope(wl0);
    assert.deepEqual([p0.generation, p0.token, p0.tokenType, p0.nonce, p0.clientId, p0.kid], ['wl0', 'rt/1', 'refresh_token', null, null, kid]);
    assert.ok(verify('sha256', p0.signedBytes, { key: key.publicKey, dsaEncoding: 'der' }, p0.signature));
    const wln = buildUioEnvelope({ generation: 'wln', deviceSigningKey: key.privateKey, kid, username: 'a@b', refreshToken: 'rt', signedAt: 1700000000, nonce: 'ABC', clientRequestId: 'ID', secureEnclave: true });
    const pn = parseUioEnvelope(wln);
    assert.deepEqual([pn.generation, pn.nonce, pn.clientId, pn.secureEnclave, pn.userKid], ['wln', 'ABC', 'ID', true, null]);
    assert.ok(looksLikeUioEnvelope(wln));
    assert.equal(looksLikeUioEnvelope('SSO-Proof a.b.c'), false);
    assert.notEqual(envelopeReplayKey(p0), envelopeReplayKey(parseUioEnvelope(buildUioEnvelope({ generation: 'wl0', deviceSigningKey: key.privateKey, kid, username: 'a@b', refreshToken: 'rt/1', signedAt: 1700000001 }))));
  });

  it('refuses malformed envelopes', () => {
    const base = { kid, signed_at: 1, username: 'u', refresh_token: 't' };
    for (const [why, body] of [
      ['no kid', { ...base, kid: undefined }],
      ['kid not a SHA-256', { ...base, kid: 'abc' }],
      ['signed_at not an integer', { ...base, signed_at: '1' }],
      ['no token at all', { ...base, refresh_token: undefined }],
      ['both token fields', { ...base, token: 't', token_type: 'refresh_token', nonce: 'n' }],
      ['unknown token_type', { ...base, refresh_token: undefined, token: 't', token_type: 'access_token', nonce: 'n' }],
      ['WL-N without nonce', { ...base, refresh_token: undefined, token: 't', token_type: 'refresh_token' }],
      ['secure_enclave not a boolean', { ...base, secure_enclave: 'yes' }],
    ] as const) {
      assert.throws(() => parseUioEnvelope(`Bearer ${enc(body)}.${'A'.repeat(96)}`), malformed, why);
    }
    assert.throws(() => parseUioEnvelope(`Basic ${enc(base)}.AAAA`), malformed);
    assert.throws(() => parseUioEnvelope(`Bearer ${Buffer.from('[1]').toString('base64url')}.${'A'.repeat(96)}`), malformed);
    assert.throws(() => parseUioEnvelope(`Bearer ${enc(base)}.AA`), malformed, 'signature too short for DER ECDSA');
  });
});
