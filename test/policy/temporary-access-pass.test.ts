// Temporary access pass: typeable codes, hashing, lifetime bounds, expiry and one-time use.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  checkTemporaryAccessPass, createTemporaryAccessPass, generateTemporaryAccessPass, hashTemporaryAccessPass,
  TAP_ALPHABET, temporaryAccessPassUsability,
} from '../../src/policy/index.js';

const NOW = 1_800_000_000;

test('generated codes are grouped, unambiguous and distinct', () => {
  const codes = new Set(Array.from({ length: 200 }, () => generateTemporaryAccessPass()));
  assert.equal(codes.size, 200);
  for (const c of codes) {
    assert.match(c, /^[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}$/);
    for (const ch of c.replace(/-/g, '')) assert.ok(TAP_ALPHABET.includes(ch), ch);
    assert.doesNotMatch(c, /[01OIL]/);
  }
});

test('hash ignores case and separators; the record keeps only the hash', () => {
  const { code, record } = createTemporaryAccessPass({ now: NOW });
  assert.equal(record.codeHash, hashTemporaryAccessPass(code.toLowerCase().replace(/-/g, ' ')));
  assert.match(record.codeHash, /^[0-9a-f]{64}$/);
  assert.equal(JSON.stringify(record).includes(code), false);
  assert.deepEqual({ ...record, codeHash: '' }, { codeHash: '', createdAt: NOW, startAt: NOW, expiresAt: NOW + 3600, isUsableOnce: true, usedAt: null, revokedAt: null });
});

test('check: right code, wrong code, not yet valid, expired, one-time used', () => {
  const { code, record } = createTemporaryAccessPass({ now: NOW, startAt: NOW + 600, lifetimeInMinutes: 10 });
  assert.deepEqual(checkTemporaryAccessPass(record, code, NOW), { ok: false, reason: 'NotYetValid' });
  assert.deepEqual(checkTemporaryAccessPass(record, code, NOW + 600), { ok: true });
  assert.deepEqual(checkTemporaryAccessPass(record, 'AAAA-BBBB-CCCC', NOW + 600), { ok: false, reason: 'invalid' });
  assert.deepEqual(checkTemporaryAccessPass(record, code, NOW + 600 + 599), { ok: true });
  assert.deepEqual(checkTemporaryAccessPass(record, code, NOW + 600 + 600), { ok: false, reason: 'Expired' });
  const used = { ...record, usedAt: NOW + 700 };
  assert.deepEqual(checkTemporaryAccessPass(used, code, NOW + 800), { ok: false, reason: 'OneTimeUsed' });
  assert.deepEqual(checkTemporaryAccessPass(used, 'wrong', NOW + 800), { ok: false, reason: 'invalid' }, 'a wrong guess learns nothing');
  assert.deepEqual(temporaryAccessPassUsability(used, NOW + 800), { isUsable: false, reason: 'OneTimeUsed' });
  assert.deepEqual(checkTemporaryAccessPass({ ...record, revokedAt: NOW + 650 }, code, NOW + 700), { ok: false, reason: 'Revoked' });
});

test('multi-use pass stays usable until expiry', () => {
  const { code, record } = createTemporaryAccessPass({ now: NOW, isUsableOnce: false, lifetimeInMinutes: 480 });
  assert.deepEqual(checkTemporaryAccessPass({ ...record, usedAt: NOW + 1 }, code, NOW + 3600), { ok: true });
});

test('lifetime outside Entra bounds is refused', () => {
  assert.throws(() => createTemporaryAccessPass({ now: NOW, lifetimeInMinutes: 9 }), RangeError);
  assert.throws(() => createTemporaryAccessPass({ now: NOW, lifetimeInMinutes: 43201 }), RangeError);
  assert.throws(() => createTemporaryAccessPass({ now: NOW, lifetimeInMinutes: 1.5 }), RangeError);
  assert.equal(createTemporaryAccessPass({ now: NOW, lifetimeInMinutes: 43200 }).record.expiresAt, NOW + 43200 * 60);
});
