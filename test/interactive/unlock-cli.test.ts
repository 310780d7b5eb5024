// `openpsso user unlock` against the data directory of a running server: a user locked by wrong
// passwords signs in again at once.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { runCli } from '../helpers/cli.js';
import { ManualClock } from '../../src/app/clock.js';
import { DEMO_PASSWORD } from '../../src/app/demo.js';
import { CAROL, postJson } from './helpers.js';

const cli = (s: TestServer, ...args: string[]) => runCli(s.dataDir, 'user', ...args);

describe('openpsso user unlock', () => {
  let s: TestServer;
  // The CLI reads the real clock; the server's must be close to it for the lock to be current.
  before(async () => { s = await startTestServer({ clock: new ManualClock(Date.now()) }); });
  after(async () => { await s.close(); });

  it('ends a lockout and says what it ended', async () => {
    const settings = await s.ctx.store.orgSettings.get(s.orgId);
    await s.ctx.store.orgSettings.put({ ...settings, lockoutThreshold: 3, lockoutSeconds: 600 });
    for (let i = 0; i < 3; i++) await postJson(s, '/api/v1/signin', { username: CAROL, password: `wrong-${i}` });
    assert.equal((await postJson(s, '/api/v1/signin', { username: CAROL, password: DEMO_PASSWORD })).body.error_code, 'OPSSO1205');
    const r = await cli(s, 'unlock', CAROL);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /carol@demo\.openpsso\.test unlocked \(was locked until .* \(in about 10 minutes\) after 3 failures\)/);
    assert.equal((await postJson(s, '/api/v1/signin', { username: CAROL, password: DEMO_PASSWORD })).status, 200);
    assert.match((await cli(s, 'unlock', CAROL)).out, /was not locked/);
  });
});
