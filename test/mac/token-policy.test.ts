// Apple's renewal rules: the 4-hour rule, LoginFrequency (default 64800 s, minimum 3600 s), refresh only with refreshEndpointURL, Secure Enclave always full.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decideRenewal, effectiveLoginFrequency, tokenFreshness, TOKEN_MAX_AGE_MS } from '../../src/mac/token-policy.js';

const H = 3600_000;
const NOW = Date.UTC(2026, 3, 25, 9, 0, 0);
const REFRESH = 'https://idp.example.com/psso/token';
const tokens = (ageH: number, lifeH = 14 * 24) => ({ received: NOW - ageH * H, expiration: NOW - ageH * H + lifeH * H });

test('LoginFrequency: default 64800 s, raised to the 3600 s minimum', () => {
  assert.equal(effectiveLoginFrequency(undefined), 64800);
  assert.equal(effectiveLoginFrequency(60), 3600);
  assert.equal(effectiveLoginFrequency(3599), 3600);
  assert.equal(effectiveLoginFrequency(3600), 3600);
  assert.equal(effectiveLoginFrequency(7200), 7200);
});

test('freshness: missing, expired, older than 4 hours, fresh', () => {
  assert.equal(tokenFreshness(NOW, undefined), 'missing');
  assert.equal(tokenFreshness(NOW, tokens(1, 0.5)), 'expired');
  assert.equal(tokenFreshness(NOW, tokens(4)), 'stale');
  assert.equal(tokenFreshness(NOW, { received: NOW - TOKEN_MAX_AGE_MS + 1, expiration: NOW + H }), 'fresh');
  assert.equal(tokenFreshness(NOW, tokens(0)), 'fresh');
});

test('fresh tokens are left alone unless forced', () => {
  const d = decideRenewal({ now: NOW, method: 'password', tokens: tokens(3.9), lastLoginDate: NOW - 3.9 * H, refreshEndpointURL: REFRESH });
  assert.equal(d.action, 'none');
  const f = decideRenewal({ now: NOW, method: 'password', tokens: tokens(1), lastLoginDate: NOW - H, refreshEndpointURL: REFRESH, force: true });
  assert.equal(f.action, 'refresh');
  assert.match(f.reason, /forced/);
});

test('stale tokens within LoginFrequency and with refreshEndpointURL: refresh', () => {
  const d = decideRenewal({ now: NOW, method: 'password', tokens: tokens(5), lastLoginDate: NOW - 5 * H, refreshEndpointURL: REFRESH });
  assert.equal(d.action, 'refresh');
  assert.equal(d.freshness, 'stale');
  assert.equal(decideRenewal({ now: NOW, method: 'smart_card', tokens: tokens(5), lastLoginDate: NOW - 5 * H, refreshEndpointURL: REFRESH }).action, 'refresh');
});

test('no refreshEndpointURL: never a refresh', () => {
  const d = decideRenewal({ now: NOW, method: 'password', tokens: tokens(5), lastLoginDate: NOW - 5 * H });
  assert.equal(d.action, 'full_login');
  assert.match(d.reason, /refreshEndpointURL is not set/);
});

test('beyond LoginFrequency (default 18 h): full login', () => {
  const d = decideRenewal({ now: NOW, method: 'password', tokens: tokens(5), lastLoginDate: NOW - 18 * H, refreshEndpointURL: REFRESH });
  assert.equal(d.action, 'full_login');
  assert.match(d.reason, /LoginFrequency \(64800 s\)/);
  assert.equal(decideRenewal({ now: NOW, method: 'password', tokens: tokens(5), lastLoginDate: NOW - 17.9 * H, refreshEndpointURL: REFRESH }).action, 'refresh');
});

test('a LoginFrequency under the minimum behaves as 3600 s', () => {
  const base = { now: NOW, method: 'password' as const, tokens: tokens(4.5), refreshEndpointURL: REFRESH, loginFrequency: 600 };
  // 30 minutes since the full login: over 600 s but under the 3600 s minimum, so still a refresh.
  assert.equal(decideRenewal({ ...base, lastLoginDate: NOW - 0.5 * H, force: true }).action, 'refresh');
  assert.equal(decideRenewal({ ...base, lastLoginDate: NOW - 1 * H }).action, 'full_login');
  assert.equal(decideRenewal({ ...base, loginFrequency: 7200, lastLoginDate: NOW - 1.5 * H }).action, 'refresh');
});

test('missing or expired tokens need a full login even with a refresh endpoint', () => {
  assert.equal(decideRenewal({ now: NOW, method: 'password', lastLoginDate: NOW - H, refreshEndpointURL: REFRESH }).action, 'full_login');
  assert.equal(decideRenewal({ now: NOW, method: 'password', tokens: tokens(2, 1), lastLoginDate: NOW - 2 * H, refreshEndpointURL: REFRESH }).action, 'full_login');
  assert.equal(decideRenewal({ now: NOW, method: 'password', tokens: tokens(5), refreshEndpointURL: REFRESH }).action, 'full_login');
});

test('Secure Enclave: always a full, silent login', () => {
  for (const t of [undefined, tokens(5), tokens(2, 1)]) {
    const d = decideRenewal({ now: NOW, method: 'secure_enclave', tokens: t, lastLoginDate: NOW - 5 * H, refreshEndpointURL: REFRESH });
    assert.equal(d.action, 'full_login');
    assert.match(d.reason, /Secure Enclave/);
  }
  assert.equal(decideRenewal({ now: NOW, method: 'secure_enclave', tokens: tokens(1), lastLoginDate: NOW - H, refreshEndpointURL: REFRESH, force: true }).action, 'full_login');
  assert.equal(decideRenewal({ now: NOW, method: 'secure_enclave', tokens: tokens(1), lastLoginDate: NOW - H, refreshEndpointURL: REFRESH }).action, 'none');
});
