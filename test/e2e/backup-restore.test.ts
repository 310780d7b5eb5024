// A backup taken while devices register, restored into a fresh directory: every registration
// acknowledged before the backup started is there and works; any other device there works too.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startPeerServer, startTestServer, type TestServer } from '../helpers/test-server.js';
import { RawDevice } from '../helpers/raw-device.js';
import { DEMO_PASSWORD } from '../../src/app/demo.js';
import { ManualClock } from '../../src/app/clock.js';
import { createBackup } from '../../src/app/backup.js';
import { restoreBackup } from '../../src/app/restore.js';
import { clientSecretOf, createApplication, findApplicationByClientId } from '../../src/app/applications.js';

const ALICE = 'alice@demo.openpsso.test';

describe('backup under registration load, restored into a fresh directory', () => {
  let s: TestServer;
  let work: string;
  const clock = new ManualClock(Date.now());

  before(async () => {
    s = await startTestServer({ clock });
    work = mkdtempSync(join(tmpdir(), 'openpsso-backup-'));
  });
  after(async () => {
    await s.close();
    rmSync(work, { recursive: true, force: true });
  });

  it('keeps every registration acknowledged before the backup began, and nothing half-present', async () => {
    const acked: { dev: RawDevice; at: number }[] = [];
    let stop = false;
    let seq = 0;
    // Four concurrent clients registering devices until told to stop; `at` orders acks against the backup start.
    const worker = async () => {
      while (!stop) {
        const dev = new RawDevice(s.url);
        const r = await dev.register(s.registrationToken);
        assert.equal(r.status, 201, r.text);
        acked.push({ dev, at: seq++ });
      }
    };
    const load = [worker(), worker(), worker(), worker()];
    while (acked.length < 40) await new Promise((r) => setTimeout(r, 5));

    // An app's client secret is sealed under the master key like the keys: it must open after the restore.
    const app = await createApplication(s.ctx, s.orgId, { displayName: 'Wiki', redirectUris: ['https://wiki.example.com/cb'] });
    const startedAt = seq++;
    const out = join(work, 'backup.sqlar');
    const backup = await createBackup({ dbFile: join(s.dataDir, 'openpsso.db'), dataDir: s.dataDir, out });
    const ackedDuring = acked.filter((a) => a.at > startedAt).length;
    stop = true;
    await Promise.all(load);
    assert.equal(statSync(out).mode & 0o777, 0o600);
    assert.equal(backup.manifest.masterKey.included, false);

    const restored = join(work, 'restored');
    await restoreBackup({ file: out, dataDir: restored, masterKeyFile: join(s.dataDir, 'master.key') });
    // A server on the restored directory, same public issuer (the `aud` the devices sign).
    // Every device signs in once, all from loopback as one user: lift the guard's limits for this check.
    const overrides = { credentialGuard: { perAccount: { burst: 10_000, perSecond: 100 }, perAddress: { burst: 10_000, perSecond: 100 } } };
    const peer = await startPeerServer({ ...s, dataDir: restored }, { clock, overrides });
    try {
      assert.equal(clientSecretOf(peer.ctx, (await findApplicationByClientId(peer.ctx, app.app.appId))!), app.clientSecret);
      const before = acked.filter((a) => a.at < startedAt);
      let presentAfter = 0;
      for (const { dev, at } of acked) {
        const row = await peer.ctx.store.devices.get(dev.id);
        if (at < startedAt) assert.ok(row, `device ${dev.id} acknowledged before the backup is missing`);
        if (!row) continue;
        if (at > startedAt) presentAfter++;
        // Present means whole: it gets a nonce and a token from the restored server.
        dev.through(peer.url);
        const built = dev.loginRequest(await dev.nonce(), Math.floor(clock.now() / 1000), { username: ALICE, password: DEMO_PASSWORD });
        const r = await dev.send(built.jwt);
        assert.equal(r.status, 200, `device ${dev.id}: ${r.text}`);
        assert.ok(dev.open(r, built).id_token);
      }
      assert.ok(before.length >= 40);
      console.log(`# ${before.length} acknowledged before the backup (all present), ${presentAfter} of ${acked.length - before.length} later ones present; ${ackedDuring} acknowledged while it ran`);
    } finally {
      await peer.close();
    }
  });
});
