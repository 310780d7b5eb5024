// Login-window password rules: local, renew or live; sync only for the Password method; key methods never touch the local password.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { afterNetworkStep, passwordSyncLine, planLoginWindow } from '../../src/mac/password-sync.js';

test('Password method: the local password with fresh tokens needs no network', () => {
  assert.equal(planLoginWindow({ method: 'password', matchesLocal: true, tokensFresh: true }).kind, 'local');
  assert.equal(planLoginWindow({ method: 'password', matchesLocal: true, tokensFresh: false }).kind, 'renew');
});

test('Password method: a different password always goes live, even with fresh tokens', () => {
  assert.equal(planLoginWindow({ method: 'password', matchesLocal: false, tokensFresh: true }).kind, 'live');
  assert.equal(planLoginWindow({ method: 'password', matchesLocal: false, tokensFresh: false }).kind, 'live');
});

test('key methods: local check only, then a silent login; a wrong local password is rejected without the network', () => {
  assert.equal(planLoginWindow({ method: 'secure_enclave', matchesLocal: true, tokensFresh: true }).kind, 'silent');
  assert.equal(planLoginWindow({ method: 'secure_enclave', matchesLocal: false, tokensFresh: true }).kind, 'reject');
  assert.equal(planLoginWindow({ method: 'smart_card', matchesLocal: true, tokensFresh: false }).kind, 'silent');
});

test('a new IdP password accepted live updates the local password (Password method only)', () => {
  const d = afterNetworkStep('password', false, 'ok');
  assert.deepEqual([d.loggedIn, d.updateLocalPassword], [true, true]);
  assert.match(d.message, /Password sync/);
  assert.equal(afterNetworkStep('password', true, 'ok').updateLocalPassword, false);
  for (const m of ['secure_enclave', 'smart_card'] as const) {
    const k = afterNetworkStep(m, false, 'ok');
    assert.equal(k.updateLocalPassword, false);
    assert.match(afterNetworkStep(m, true, 'ok').message, /independent/);
  }
});

test('401 with a new password: denied with the wrong-password message; with the local password: offline fallback', () => {
  const denied = afterNetworkStep('password', false, 'credential');
  assert.deepEqual([denied.loggedIn, denied.updateLocalPassword, denied.message], [false, false, 'Incorrect username or password.']);
  const local = afterNetworkStep('password', true, 'credential');
  assert.equal(local.loggedIn, true);
  assert.equal(local.updateLocalPassword, false);
  assert.match(local.message, /not renewed/);
});

test('server refusals and outages: only the local password still opens the account', () => {
  assert.equal(afterNetworkStep('password', true, 'unreachable').loggedIn, true);
  assert.equal(afterNetworkStep('password', false, 'unreachable').loggedIn, false);
  assert.equal(afterNetworkStep('password', false, 'refused').loggedIn, false);
  assert.match(afterNetworkStep('password', false, 'refused').message, /refused/);
});

test('the System Settings password line per method', () => {
  assert.equal(passwordSyncLine('password'), 'Local password is kept in sync with the IdP password');
  assert.equal(passwordSyncLine('secure_enclave'), 'Local password is independent of the IdP password (Secure Enclave key method)');
  assert.match(passwordSyncLine('smart_card'), /independent/);
});
