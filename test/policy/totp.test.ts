// TOTP against RFC 6238 Appendix B (SHA-1) and RFC 4648 base32 vectors, plus the verification window and reuse refusal.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  base32Decode, base32Encode, generateTotpSecret, hotp, otpauthUri, totpAt, totpStep, verifyTotp,
} from '../../src/policy/index.js';

const RFC_SECRET = new TextEncoder().encode('12345678901234567890');

// RFC 6238 Appendix B, SHA-1 rows (8 digits).
const RFC6238_SHA1: [number, string][] = [
  [59, '94287082'],
  [1111111109, '07081804'],
  [1111111111, '14050471'],
  [1234567890, '89005924'],
  [2000000000, '69279037'],
  [20000000000, '65353130'],
];

test('RFC 6238 Appendix B SHA-1 vectors, 8 digits', () => {
  for (const [t, code] of RFC6238_SHA1) assert.equal(totpAt(RFC_SECRET, t, 8), code, `T=${t}`);
});

test('6-digit codes are the low digits of the same values, from a base32 secret', () => {
  const b32 = base32Encode(RFC_SECRET);
  assert.equal(b32, 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ');
  for (const [t, code] of RFC6238_SHA1) assert.equal(totpAt(b32, t), code.slice(-6), `T=${t}`);
});

test('RFC 4226 Appendix D HOTP vectors', () => {
  const expected = ['755224', '287082', '359152', '969429', '338314', '254676', '287922', '162583', '399871', '520489'];
  expected.forEach((code, counter) => assert.equal(hotp(RFC_SECRET, counter), code, `counter ${counter}`));
});

test('base32: RFC 4648 §10 vectors, lenient decoding, refusals', () => {
  const vectors: [string, string][] = [['', ''], ['f', 'MY'], ['fo', 'MZXQ'], ['foo', 'MZXW6'], ['foob', 'MZXW6YQ'], ['fooba', 'MZXW6YTB'], ['foobar', 'MZXW6YTBOI']];
  for (const [plain, enc] of vectors) {
    assert.equal(base32Encode(new TextEncoder().encode(plain)), enc);
    assert.equal(new TextDecoder().decode(base32Decode(enc)!), plain);
  }
  assert.equal(new TextDecoder().decode(base32Decode('mzxw 6ytb-oi======')!), 'foobar');
  assert.equal(base32Decode('MZXW1'), null, 'digit 1 is not base32');
  assert.equal(base32Decode('M'), null, 'impossible length');
  const random = crypto.getRandomValues(new Uint8Array(37));
  assert.deepEqual(base32Decode(base32Encode(random)), random);
});

test('generateTotpSecret: 160 bits, base32, distinct', () => {
  const a = generateTotpSecret();
  assert.match(a, /^[A-Z2-7]{32}$/);
  assert.equal(base32Decode(a)!.length, 20);
  assert.notEqual(a, generateTotpSecret());
  assert.throws(() => totpAt('not base32!', 0), /not valid base32/);
});

test('verifyTotp: ±1 step window', () => {
  const secret = generateTotpSecret();
  const now = 1_800_000_015; // 15 s into a step
  const step = totpStep(now);
  assert.deepEqual(verifyTotp(secret, totpAt(secret, now), now), { ok: true, step });
  assert.deepEqual(verifyTotp(secret, totpAt(secret, now - 30), now), { ok: true, step: step - 1 });
  assert.deepEqual(verifyTotp(secret, totpAt(secret, now + 30), now), { ok: true, step: step + 1 });
  assert.deepEqual(verifyTotp(secret, totpAt(secret, now - 60), now), { ok: false, reason: 'invalid' });
  assert.deepEqual(verifyTotp(secret, totpAt(secret, now + 60), now), { ok: false, reason: 'invalid' });
  assert.deepEqual(verifyTotp(secret, ` ${totpAt(secret, now).slice(0, 3)} ${totpAt(secret, now).slice(3)} `, now), { ok: true, step }, 'spaces tolerated');
});

test('verifyTotp: malformed codes', () => {
  const secret = generateTotpSecret();
  for (const bad of ['', '12345', '1234567', 'abcdef', '12345a']) {
    assert.deepEqual(verifyTotp(secret, bad, 1_800_000_000), { ok: false, reason: 'malformed' }, bad);
  }
});

test('verifyTotp: a used step (or an older one) cannot be replayed', () => {
  const secret = generateTotpSecret();
  const now = 1_800_000_000;
  const code = totpAt(secret, now);
  const first = verifyTotp(secret, code, now);
  assert.ok(first.ok);
  assert.deepEqual(verifyTotp(secret, code, now + 5, first.step), { ok: false, reason: 'reused' });
  assert.deepEqual(verifyTotp(secret, totpAt(secret, now - 30), now, first.step), { ok: false, reason: 'reused' });
  // The next step's code is still accepted once.
  assert.deepEqual(verifyTotp(secret, totpAt(secret, now + 30), now + 30, first.step), { ok: true, step: first.step + 1 });
});

test('otpauthUri: Key Uri Format with encoded label', () => {
  const uri = otpauthUri({ secret: 'JBSWY3DPEHPK3PXP', accountName: 'alice@example.com', issuer: 'Example Co' });
  assert.equal(uri, 'otpauth://totp/Example%20Co:alice%40example.com?secret=JBSWY3DPEHPK3PXP&issuer=Example%20Co&algorithm=SHA1&digits=6&period=30');
});
