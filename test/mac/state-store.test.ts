// State persistence: atomic private files in a directory, the same contract in memory, and reset keeping local accounts.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DirectoryStore, FILES, MacState, MemoryStore, userSlug, type StateStore } from '../../src/mac/state-store.js';
import type { DeviceConfig } from '../../src/mac/types.js';

const device: DeviceConfig = {
  version: 1, deviceUuid: 'D', created: 1, signingKid: 's', encryptionKid: 'e', sharedDeviceKeys: true, registrationCompleted: true,
  compat: false, extensionIdentifier: 'x', method: 'password', loginFrequency: 64800, createUsersEnabled: false, encryptPassword: true,
};

async function exercise(store: StateStore): Promise<void> {
  const s = new MacState(store);
  assert.equal(await s.device(), undefined);
  await s.saveDevice(device);
  assert.deepEqual(await s.device(), device);
  await s.writePem(FILES.signingKey, '-----BEGIN PRIVATE KEY-----\n');
  const slug = userSlug('Alice@Example.com');
  await s.saveAccount(slug, { shortName: 'alice', fullName: 'Alice', passwordHash: 'h', created: 1 });
  await s.saveUserConfig(slug, { loginUserName: 'Alice@Example.com', method: 'password', created: 1, registered: true });
  await s.saveTokens(slug, { idToken: 'i', refreshToken: 'r', received: 1, expiration: 2 });
  const u = await s.user('alice@example.com');
  assert.equal(u.account?.shortName, 'alice');
  assert.equal(u.tokens?.refreshToken, 'r');
  assert.deepEqual((await s.users()).map((x) => x.slug), [slug]);

  await s.forgetRegistration();
  assert.equal(await s.device(), undefined);
  assert.equal(await s.readPem(FILES.signingKey), undefined);
  const after = await s.user('alice@example.com');
  assert.equal(after.account?.fullName, 'Alice', 'local accounts survive a reset');
  assert.equal(after.config, undefined);
  assert.equal(after.tokens, undefined);
}

test('user folders are lower-cased and safe', () => {
  assert.equal(userSlug('Alice@Example.com'), 'alice@example.com');
  assert.equal(userSlug('../../etc/passwd'), '.._.._etc_passwd');
});

test('memory store', async () => {
  await exercise(new MemoryStore());
});

test('directory store: same contract, private files, no temporary files left', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'openpsso-mac-state-'));
  try {
    await exercise(new DirectoryStore(dir));
    const file = join(dir, 'users', 'alice@example.com', 'local-account.json');
    assert.equal(statSync(file).mode & 0o777, 0o600);
    const all = readdirSync(dir, { recursive: true }).map(String);
    assert.ok(!all.some((f) => f.endsWith('.tmp')), all.join(','));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('directory store: concurrent writes of one document leave a whole document', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'openpsso-mac-state-'));
  try {
    const s = new MacState(new DirectoryStore(dir));
    await Promise.all(Array.from({ length: 20 }, (_, i) => s.saveTokens('u', { idToken: `i${i}`, refreshToken: 'r'.repeat(1000), received: i, expiration: i })));
    const t = (await s.user('u')).tokens!;
    assert.equal(t.idToken, `i${t.received}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a corrupt state file is reported in plain words', async () => {
  const m = new MemoryStore();
  await m.writeText('device.json', '{ nope');
  await assert.rejects(new MacState(m).device(), /not valid JSON/);
});
