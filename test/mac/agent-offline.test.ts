// VirtualMac login-window behaviour that needs no server: no network with fresh tokens, offline fallback, key-method rejection, deferred renewal.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { VirtualMac } from '../../src/mac/agent.js';
import { FILES, MemoryStore, MacState, userSlug } from '../../src/mac/state-store.js';
import { generateP256, kidFromX963 } from '../../src/protocol/ec-keys.js';
import { hashLocalPassword } from '../../src/mac/local-password.js';
import type { FetchLike } from '../../src/mac/http.js';
import type { Method } from '../../src/mac/types.js';

const H = 3600_000;
const NOW = Date.UTC(2026, 3, 25, 12);
const USER = 'alice@example.com';

/** A registered Mac whose server is down: every request fails like a refused connection. */
async function offlineMac(method: Method, tokenAgeH: number | undefined) {
  const store = new MemoryStore();
  const s = new MacState(store);
  const sig = generateP256();
  const enc = generateP256();
  await s.writePem(FILES.signingKey, sig.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString());
  await s.writePem(FILES.encryptionKey, enc.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString());
  await s.saveDevice({
    version: 1, deviceUuid: 'D', created: NOW - 48 * H, signingKid: kidFromX963(sig.x963), encryptionKid: kidFromX963(enc.x963), sharedDeviceKeys: false,
    registrationCompleted: true, compat: false, extensionIdentifier: 'x', method, loginFrequency: 64800, createUsersEnabled: false, encryptPassword: true,
  });
  await s.saveLoginConfig({ clientID: 'c', issuer: 'http://idp.invalid', tokenEndpointURL: 'http://idp.invalid/t', refreshEndpointURL: 'http://idp.invalid/t', jwksEndpointURL: 'http://idp.invalid/j', created: NOW - 48 * H });
  const slug = userSlug(USER);
  await s.saveAccount(slug, { shortName: 'alice', fullName: 'Alice', created: NOW - 48 * H, passwordHash: await hashLocalPassword('local-pw', 1024) });
  await s.saveUserConfig(slug, { loginUserName: USER, method, created: NOW - 48 * H, registered: true, lastLoginDate: NOW - 20 * H });
  if (method === 'secure_enclave') {
    const k = generateP256();
    await s.writePem(FILES.userKey(slug), k.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString());
    await s.saveUserConfig(slug, { loginUserName: USER, method, created: NOW - 48 * H, registered: true, lastLoginDate: NOW - 20 * H, userKeyId: kidFromX963(k.x963) });
  }
  if (tokenAgeH !== undefined) await s.saveTokens(slug, { idToken: 'i', refreshToken: 'r', received: NOW - tokenAgeH * H, expiration: NOW - tokenAgeH * H + 14 * 24 * H });
  const calls: string[] = [];
  const fetch: FetchLike = async (url) => {
    calls.push(url);
    throw Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } });
  };
  return { mac: new VirtualMac({ store, fetch, clock: { now: () => NOW }, scryptCost: 1024 }), calls };
}

test('Password method, local password, fresh tokens: logged in with no network at all', async () => {
  const { mac, calls } = await offlineMac('password', 1);
  const r = await mac.login({ user: USER, password: 'local-pw' });
  assert.equal(r.ok, true);
  assert.equal(r.path, 'local');
  assert.equal(r.network, false);
  assert.deepEqual(calls, []);
});

test('Password method, local password, stale tokens, server down: offline fallback logs in', async () => {
  const { mac, calls } = await offlineMac('password', 5);
  const r = await mac.unlock({ user: USER, password: 'local-pw' });
  assert.equal(r.ok, true);
  assert.equal(r.passwordSynced, false);
  assert.ok(calls.length > 0, 'it tried the network');
  assert.match(r.messages.join('\n'), /could not be reached; SSO tokens were not renewed/);
  assert.equal(r.error?.kind, 'network');
});

test('Password method, another password, server down: denied, local password unchanged', async () => {
  const { mac } = await offlineMac('password', 1);
  const r = await mac.login({ user: USER, password: 'maybe-new-idp-pw' });
  assert.equal(r.ok, false);
  assert.equal(r.plan, 'live');
  assert.equal((await mac.login({ user: USER, password: 'local-pw' })).ok, true);
});

test('Secure Enclave: a wrong local password is refused on the Mac, without the network', async () => {
  const { mac, calls } = await offlineMac('secure_enclave', 1);
  const r = await mac.login({ user: USER, password: 'wrong' });
  assert.equal(r.ok, false);
  assert.equal(r.plan, 'reject');
  assert.deepEqual(calls, []);
});

test('Secure Enclave: the right local password logs in even when the silent login cannot reach the server', async () => {
  const { mac } = await offlineMac('secure_enclave', 1);
  const r = await mac.login({ user: USER, password: 'local-pw' });
  assert.equal(r.ok, true);
  assert.equal(r.plan, 'silent');
});

test('refresh: fresh tokens need nothing; Password beyond LoginFrequency without a password is deferred', async () => {
  const fresh = await offlineMac('password', 1);
  assert.equal((await fresh.mac.refresh()).action, 'none');
  assert.deepEqual(fresh.calls, []);
  const stale = await offlineMac('password', 5);
  const r = await stale.mac.refresh({ user: USER });
  assert.equal(r.action, 'deferred');
  assert.equal(r.ok, false);
  assert.match(r.messages.join('\n'), /wait for the next login or screen unlock/);
  assert.deepEqual(stale.calls, []);
});

test('change-password changes only the local password', async () => {
  const { mac, calls } = await offlineMac('password', 1);
  assert.equal((await mac.changePassword({ user: USER, oldPassword: 'nope', newPassword: 'x' })).ok, false);
  const r = await mac.changePassword({ user: USER, oldPassword: 'local-pw', newPassword: 'new-local' });
  assert.equal(r.ok, true);
  assert.match(r.messages[0]!, /does not change the identity provider password/);
  assert.equal((await mac.login({ user: USER, password: 'new-local' })).path, 'local');
  assert.deepEqual(calls, []);
});

test('status of an unregistered Mac, and commands that need a registration explain it', async () => {
  const mac = VirtualMac.inMemory();
  assert.match((await mac.status()).text, /Device Configuration:\n \(null\)/);
  await assert.rejects(mac.login({ user: USER, password: 'x' }), /not registered/);
  await assert.rejects(mac.keyExchange(), /not registered/);
});
