// The pure parts of the Platform SSO session proof (protocol/sso-proof.ts): the time window at its
// edges, the rt_hash binding, and the header grammar.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { checkSsoProofTimes, parseSsoProof, refreshTokenBinding, verifyEs256, buildSsoProof } from '../../src/protocol/sso-proof.js';
import { generateP256, kidFromX963 } from '../../src/protocol/index.js';
import { PssoError } from '../../src/errors/psso-error.js';

const code = (fn: () => unknown): string | null => {
  try { fn(); return null; } catch (e) { return e instanceof PssoError ? e.code : String(e); }
};

describe('session proof: pure checks', () => {
  const now = 1_800_000_000;

  it('accepts exactly 300 s of lifetime and the skew at both ends; one second more is refused', () => {
    assert.equal(code(() => checkSsoProofTimes({ iat: now, exp: now + 300 }, now, 60)), null);
    assert.equal(code(() => checkSsoProofTimes({ iat: now, exp: now + 301 }, now, 60)), 'OPSSO1861');
    assert.equal(code(() => checkSsoProofTimes({ iat: now + 60, exp: now + 120 }, now, 60)), null);
    assert.equal(code(() => checkSsoProofTimes({ iat: now + 61, exp: now + 120 }, now, 60)), 'OPSSO1861');
    assert.equal(code(() => checkSsoProofTimes({ iat: now - 100, exp: now - 59 }, now, 60)), null);
    assert.equal(code(() => checkSsoProofTimes({ iat: now - 100, exp: now - 60 }, now, 60)), 'OPSSO1861');
    assert.equal(code(() => checkSsoProofTimes({ iat: now, exp: now }, now, 60)), 'OPSSO1861');
  });

  it('rt_hash is base64url SHA-256 of the token, and the parser hands the store\'s hex form on', () => {
    const token = 'rt.example-token';
    assert.equal(refreshTokenBinding(token), createHash('sha256').update(token).digest('base64url'));
    const k = generateP256();
    const kid = kidFromX963(k.x963);
    const h = buildSsoProof({ deviceSigningKey: k.privateKey, kid, nonce: 'n', issuer: 'https://idp.example', username: 'a@b', refreshToken: token, now });
    const p = parseSsoProof(h);
    assert.equal(p.refreshTokenHash, createHash('sha256').update(token).digest('hex'));
    assert.equal(verifyEs256(Buffer.from(p.jws.signingInput, 'ascii'), p.jws.signature, 'ieee-p1363', k.publicKey), true);
    assert.equal(verifyEs256(Buffer.from(`${p.jws.signingInput}x`, 'ascii'), p.jws.signature, 'ieee-p1363', k.publicKey), false);
    // The scheme is case-insensitive and may be followed by several spaces (RFC 9110 §11.1).
    const jws = h.replace(/^SSO-Proof /, '');
    assert.equal(parseSsoProof(`sso-proof   ${jws}`).kid, kid);
  });

  it('the header grammar: one scheme and one token, nothing else', () => {
    for (const bad of ['', 'SSO-Proof', 'SSO-Proof a.b.c d', 'Bearer a.b', 'SSO-Proof a.b', 'SSO-Proof a.b.c,']) {
      assert.equal(code(() => parseSsoProof(bad)), 'OPSSO1860', bad);
    }
  });
});
