// keys rotate-master while a server runs on the same data directory: tokens before and after
// without a restart, nothing left under the old key, crash points that stay readable and resume,
// and values sealed before master keys had ids (version 1) still load.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createCipheriv, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { startPeerServer, startTestServer, type TestServer } from '../helpers/test-server.js';
import { RawDevice } from '../helpers/raw-device.js';
import { runCli } from '../helpers/cli.js';
import { DEMO_PASSWORD } from '../../src/app/demo.js';
import { ManualClock } from '../../src/app/clock.js';
import { MasterKey, masterKeyId, sealedKeyId } from '../../src/app/master-key.js';
import { loadMasterKey, parseMasterKey } from '../../src/app/master-key-files.js';
import { firstUnreadable, rotateMasterKey, type RotationStep } from '../../src/app/master-key-rotation.js';
import { serverKeyAad } from '../../src/app/server-keys.js';
import { applicationSecretAad, clientSecretOf, createApplication } from '../../src/app/applications.js';
import { isPssoError } from '../../src/errors/psso-error.js';
import type { Store } from '../../src/storage/ports.js';

const ALICE = 'alice@demo.openpsso.test';
const keyFile = (s: TestServer) => join(s.dataDir, 'master.key');
const readKey = (s: TestServer) => parseMasterKey(readFileSync(keyFile(s), 'utf8'), 'master.key');

async function signIn(s: TestServer, dev: RawDevice, clock: ManualClock): Promise<{ kid: string }> {
  const built = dev.loginRequest(await dev.nonce(), Math.floor(clock.now() / 1000), { username: ALICE, password: DEMO_PASSWORD });
  const r = await dev.send(built.jwt);
  assert.equal(r.status, 200, r.text);
  const idToken = dev.open(r, built).id_token as string;
  return JSON.parse(Buffer.from(idToken.split('.')[0]!, 'base64url').toString()) as { kid: string };
}

/** Every stored sealed value that is raw bytes (server keys, unlock keys, TOTP secrets, app secrets). */
async function blobs(store: Store): Promise<Uint8Array[]> {
  return (await store.sealedValues.list()).flatMap((v) => (v.kind === 'sign_in_session' ? [] : [v.sealed]));
}

describe('keys rotate-master', () => {
  const clock = new ManualClock(Date.now());
  let s: TestServer;
  before(async () => { s = await startTestServer({ clock }); });
  after(async () => { await s.close(); });

  it('a running server signs before and after a rotation made by another process, and reads values sealed under the new key by a third', async () => {
    const dev = new RawDevice(s.url);
    assert.equal((await dev.register(s.registrationToken)).status, 201);
    const firstKid = (await signIn(s, dev, clock)).kid;
    const old = readKey(s);
    const { app, clientSecret } = await createApplication(s.ctx, s.orgId, { displayName: 'Wiki', redirectUris: ['https://wiki.example.com/cb'] });

    const rotated = await runCli(s.dataDir, 'keys', 'rotate-master', '--grace', '0');
    assert.equal(rotated.code, 0, rotated.err);
    assert.match(rotated.out, /rotated the master key: [0-9a-f]{16} -> [0-9a-f]{16}; \d+ value\(s\) re-encrypted/);
    const fresh = readKey(s);
    assert.notEqual(masterKeyId(fresh), masterKeyId(old));
    assert.equal(statSync(keyFile(s)).mode & 0o777, 0o600);
    assert.equal(existsSync(`${keyFile(s)}.next`), false);

    assert.equal((await signIn(s, dev, clock)).kid, firstKid, 'same signing key, now sealed under the new master key');
    // A signing key created after the rotation is sealed under the new master key; the running
    // server loads it (the JWKS fetch refreshes the keys) and signs with it, without a restart.
    const other = await startPeerServer(s, { clock });
    let newKid: string;
    try {
      newKid = await other.ctx.keys.rotate('sig');
    } finally {
      await other.close();
    }
    await fetch(`${s.url}/.well-known/jwks.json`);
    assert.equal((await signIn(s, dev, clock)).kid, newKid);
    assert.equal(s.ctx.master.currentId, masterKeyId(fresh));

    const stored = await blobs(s.ctx.store);
    assert.ok(stored.length >= 3);
    const oldRing = new MasterKey([old]);
    for (const b of stored) {
      assert.equal(sealedKeyId(b), masterKeyId(fresh));
      assert.throws(() => oldRing.unseal(b, serverKeyAad('any')));
    }
    // The old key fails on the real AADs too, not only because of the AAD.
    for (const k of s.ctx.keys.list()) assert.throws(() => oldRing.unseal(k.sealedPrivateJwk, serverKeyAad(k.kid)));
    // An app's client secret was re-encrypted too, and still opens to the secret shown at creation.
    const reread = (await s.ctx.store.applications.get(s.orgId, app.id))!;
    assert.equal(sealedKeyId(reread.sealedSecret!), masterKeyId(fresh));
    assert.equal(clientSecretOf(s.ctx, reread), clientSecret);
    assert.throws(() => oldRing.unseal(reread.sealedSecret!, applicationSecretAad(app.id)));
  });

  for (const step of ['next-written', 'batch-re-encrypted', 're-encrypted'] as RotationStep[]) {
    it(`a crash at ${step} leaves every value readable, and running the command again finishes`, async () => {
      const old = readKey(s);
      await assert.rejects(rotateMasterKey({ store: s.ctx.store, dataDir: s.dataDir, env: {}, batchSize: 1, onStep: (at) => { if (at === step) throw new Error('crash'); } }), /crash/);
      assert.equal(existsSync(`${keyFile(s)}.next`), true);
      // A process starting now (a restart, a CLI command) reads both files and opens everything.
      assert.equal(await firstUnreadable(s.ctx.store, loadMasterKey(s.dataDir, {})), null);
      const dev = new RawDevice(s.url);
      assert.equal((await dev.register(s.registrationToken)).status, 201);
      await signIn(s, dev, clock);

      const r = await rotateMasterKey({ store: s.ctx.store, dataDir: s.dataDir, env: {} });
      assert.equal(r.resumed, true);
      assert.equal(r.previousId, masterKeyId(old));
      assert.equal(existsSync(`${keyFile(s)}.next`), false);
      const now = readKey(s);
      assert.equal(r.newId, masterKeyId(now));
      for (const b of await blobs(s.ctx.store)) assert.equal(sealedKeyId(b), r.newId);
      assert.equal(await firstUnreadable(s.ctx.store, new MasterKey([old])) !== null, true);
    });
  }

  it('values sealed before master keys had ids still load, and a rotation moves them to the new format', async () => {
    const key = readKey(s);
    const [v] = (await s.ctx.store.sealedValues.list()).filter((x) => x.kind === 'server_key');
    assert.ok(v && v.kind === 'server_key');
    // The version-1 layout: 0x01 || iv || tag || ciphertext, no key id.
    const plain = s.ctx.master.unseal(v.sealed, serverKeyAad(v.id));
    const iv = randomBytes(12);
    const c = createCipheriv('aes-256-gcm', key, iv);
    c.setAAD(Buffer.from(serverKeyAad(v.id)));
    const ct = Buffer.concat([c.update(plain), c.final()]);
    const v1 = Buffer.concat([Buffer.from([1]), iv, c.getAuthTag(), ct]);
    assert.equal(await s.ctx.store.sealedValues.replace(v, { ...v, sealed: v1 }), true);

    // A server starting on this data directory unseals it.
    const peer = await startPeerServer(s, { clock });
    try {
      assert.ok(peer.ctx.keys.byKid(v.id));
      const r = await rotateMasterKey({ store: s.ctx.store, dataDir: s.dataDir, env: {} });
      assert.ok(r.reEncrypted >= 1);
      const after = (await s.ctx.store.sealedValues.list()).find((x) => x.kind === 'server_key' && x.id === v.id);
      assert.ok(after && after.kind === 'server_key');
      assert.equal(sealedKeyId(after.sealed), r.newId);
    } finally {
      await peer.close();
    }
  });

  it('refuses when the master key comes from OPENPSSO_MASTER_KEY', async () => {
    await assert.rejects(
      rotateMasterKey({ store: s.ctx.store, dataDir: s.dataDir, env: { OPENPSSO_MASTER_KEY: randomBytes(32).toString('base64') } }),
      (e) => isPssoError(e) && e.code === 'OPSSO1657',
    );
  });
});
