// Request times (issue 7, item 5): each boundary of age, lifetime, order and skew, for outer requests,
// Secure Enclave assertions and the encrypted password assertion alike, with numbers and numeric strings.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  buildEmbeddedAssertion, buildLoginRequest, checkTimes, decryptEncryptedAssertion, generateP256, kidFromX963,
  parseCompactJws, verifyEmbeddedAssertion, verifyPssoRequest, type RequestTimeLimits,
} from '../../src/protocol/index.js';
import { PssoError } from '../../src/errors/psso-error.js';
import { AUDIENCE, LIMITS, NOW, TOKEN_URL, base, makeDevice, resign, verifyOpts } from './fixtures.js';
import { NO_EXP_CASES, TIME_CASES, asStrings, encryptedAssertionWithClaims, type TimeCase } from '../helpers/time-cases.js';

/** The catalogue name checkTimes refuses with, or null when it accepts. */
function outcome(run: () => unknown): string | null {
  try {
    run();
    return null;
  } catch (e) {
    if (e instanceof PssoError) return e.entry.name;
    throw e;
  }
}

function expectCase(c: TimeCase, run: () => unknown, label: string): void {
  assert.equal(outcome(run), c.refusal, `${c.name} (${label})`);
}

describe('checkTimes', () => {
  it('each boundary of the default limits, as numbers and as numeric strings', () => {
    for (const c of TIME_CASES) {
      expectCase(c, () => checkTimes(c.times(NOW), NOW, LIMITS, true), 'numbers');
      expectCase(c, () => checkTimes(asStrings(c.times(NOW)), NOW, LIMITS, true), 'strings');
    }
  });

  it('without exp (macOS 13), exp = iat + 300 is assumed and checked the same way', () => {
    for (const c of NO_EXP_CASES) {
      expectCase(c, () => checkTimes(c.times(NOW), NOW, LIMITS, false), 'numbers');
      expectCase(c, () => checkTimes(asStrings(c.times(NOW)), NOW, LIMITS, false), 'strings');
    }
    assert.deepEqual(checkTimes({ iat: String(NOW) }, NOW, LIMITS, false), { iat: NOW, exp: NOW + 300 });
    assert.equal(outcome(() => checkTimes({ iat: NOW }, NOW, LIMITS, true)), 'missing_claim');
  });

  it('the skew is symmetric: the same margin before iat and after exp', () => {
    const t = { iat: NOW, exp: NOW + 300 };
    for (const skew of [0, 60, 120]) {
      const limits = { ...LIMITS, skewSeconds: skew };
      assert.equal(outcome(() => checkTimes(t, NOW - skew, limits, true)), null, `server ${skew} s behind`);
      assert.equal(outcome(() => checkTimes(t, NOW - skew - 1, limits, true)), 'request_issued_in_future', `server ${skew + 1} s behind`);
      assert.equal(outcome(() => checkTimes(t, NOW + 300 + skew - 1, limits, true)), null, `server ${skew - 1} s past exp`);
      assert.equal(outcome(() => checkTimes(t, NOW + 300 + skew, limits, true)), 'request_expired', `server ${skew} s past exp`);
    }
  });

  it('follows the limits it is given: a shorter age and a longer lifetime', () => {
    const limits: RequestTimeLimits = { skewSeconds: 10, maxAgeSeconds: 30, maxLifetimeSeconds: 900 };
    assert.equal(outcome(() => checkTimes({ iat: NOW - 40, exp: NOW + 100 }, NOW, limits, true)), null);
    assert.equal(outcome(() => checkTimes({ iat: NOW - 41, exp: NOW + 100 }, NOW, limits, true)), 'request_too_old');
    assert.equal(outcome(() => checkTimes({ iat: NOW, exp: NOW + 900 }, NOW, limits, true)), null);
    assert.equal(outcome(() => checkTimes({ iat: NOW, exp: NOW + 901 }, NOW, limits, true)), 'request_lifetime_too_long');
  });

  it('each refusal says what was wrong in numbers an admin can act on', () => {
    const detail = (claims: Record<string, unknown>) => {
      try {
        checkTimes(claims, NOW, LIMITS, true);
      } catch (e) {
        return (e as PssoError).detail;
      }
      return undefined;
    };
    assert.equal(detail({ iat: NOW + 90, exp: NOW + 390 }), 'iat is 90 s ahead of the server clock (skew 60 s)');
    assert.equal(detail({ iat: NOW - 400, exp: NOW + 100 }), 'iat is 400 s old, at most 300 s + 60 s skew is accepted');
    assert.equal(detail({ iat: NOW - 500, exp: NOW - 200 }), 'exp passed 200 s ago (skew 60 s)');
    assert.equal(detail({ iat: NOW, exp: NOW + 3600 }), 'exp - iat is 3600 s, at most 600 s is accepted');
    assert.equal(detail({ iat: NOW, exp: NOW - 5 }), `exp ${NOW - 5} is not after iat ${NOW}`);
  });
});

describe('the same limits on every signed time', () => {
  const device = makeDevice();
  const nonce = 'A1B2C3D4-0000-4000-8000-00000000000F';
  const scope = 'openid offline_access urn:apple:platformsso';
  const user = generateP256();
  const server = generateP256();
  const limits = { now: NOW, ...LIMITS, audience: AUDIENCE };
  const outer = (assertion: string) => verifyPssoRequest(
    parseCompactJws(buildLoginRequest({ ...base(device), nonce, tokenUrl: TOKEN_URL, username: 'liz', assertion }).jwt), device.keys, verifyOpts);

  it('the outer login request', () => {
    const login = buildLoginRequest({ ...base(device), tokenUrl: TOKEN_URL, username: 'liz', password: 'pw' }).jwt;
    for (const c of TIME_CASES) {
      for (const [label, t] of [['numbers', c.times(NOW)], ['strings', asStrings(c.times(NOW))]] as const) {
        const jwt = resign(login, device.signing.privateKey, (claims) => Object.assign(claims, t));
        expectCase(c, () => verifyPssoRequest(parseCompactJws(jwt), device.keys, verifyOpts), label);
      }
    }
  });

  it('a macOS 13 request (typ JWT, no exp)', () => {
    const v13 = buildLoginRequest({ ...base(device), tokenUrl: TOKEN_URL, username: 'liz', password: 'pw', flavour: 'v13' }).jwt;
    for (const c of NO_EXP_CASES) {
      const jwt = resign(v13, device.signing.privateKey, (claims) => { claims.iat = String(c.times(NOW).iat); });
      expectCase(c, () => verifyPssoRequest(parseCompactJws(jwt), device.keys, verifyOpts), 'v13');
    }
  });

  it('a Secure Enclave assertion inside a valid request', () => {
    const good = buildEmbeddedAssertion({
      key: user.privateKey, kid: kidFromX963(user.x963), alg: 'ES256', username: 'liz', audience: AUDIENCE, nonce, requestNonce: 'server-nonce-123', scope, now: NOW,
    });
    for (const c of TIME_CASES) {
      const a = resign(good, user.privateKey, (claims) => Object.assign(claims, c.times(NOW)));
      expectCase(c, () => verifyEmbeddedAssertion(a, user.publicKey, ['ES256'], outer(a), limits), 'SE assertion');
    }
  });

  it('the encrypted password assertion inside a valid request', () => {
    for (const c of TIME_CASES) {
      const a = encryptedAssertionWithClaims(server.x963, 'server-nonce-123', {
        iss: 'liz', sub: 'liz', aud: AUDIENCE, ...asStrings(c.times(NOW)), nonce, request_nonce: 'server-nonce-123', scope, password: 'pw',
      });
      expectCase(c, () => decryptEncryptedAssertion(a, server.privateKey, server.x963, outer(a), limits), 'encrypted assertion');
    }
  });
});
