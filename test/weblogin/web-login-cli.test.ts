// The one CLI process of web login: `openpsso mac login --web --auth-scope elevation` on a virtual Mac
// registered in-process with --web-login, printing the path it took; the server logs the scope.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { runCli } from '../helpers/cli.js';
import { DEMO_PASSWORD } from '../../src/app/demo.js';
import { VirtualMac } from '../../src/mac/agent.js';

const CAROL = 'carol@demo.openpsso.test';

describe('openpsso mac login --web', () => {
  let s: TestServer;
  let dir: string;
  before(async () => {
    s = await startTestServer();
    dir = mkdtempSync(join(tmpdir(), 'vmac-web-'));
    await new VirtualMac({ dir, clock: s.ctx.clock, scryptCost: 1024 }).register({ server: s.url, token: s.registrationToken, user: CAROL, password: DEMO_PASSWORD, webLogin: true });
  });
  after(async () => { await s.close(); rmSync(dir, { recursive: true, force: true }); });

  it('logs in through the web sign-in with an authorization scope and runs the key service', async () => {
    const before = s.signIns.events.length;
    const r = await runCli(s.dataDir, 'mac', 'login', '--web', '--mac', dir, '--user', CAROL, '--password', DEMO_PASSWORD, '--auth-scope', 'elevation');
    assert.equal(r.code, 0, r.out + r.err);
    assert.match(r.out, /Login window: carol@demo\.openpsso\.test \(openid\)/);
    assert.match(r.out, /device-signed authorization request/);
    assert.match(r.out, /Unlock key verified/);
    assert.match(r.out, /Logged in\./);
    const login = s.signIns.events.slice(before).find((e) => e.operation === 'login' && !e.error);
    assert.equal(login?.userAction, 'urn:apple:platformsso:auth:elevation');
    const status = await new VirtualMac({ dir, clock: s.ctx.clock }).status({ user: CAROL });
    assert.match(status.text, /OpenID \(web-based login\)/);
  });
});
