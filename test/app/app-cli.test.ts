// `openpsso app` as a process against a running server's data directory: create prints the client
// id and the secret once (--json too), update, rotate, a refused redirect URI with its code and fix,
// and delete. Seven processes in four rounds: each costs about two seconds on an idle machine.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { runCli } from '../helpers/cli.js';
import { clientSecretOf } from '../../src/app/applications.js';

describe('openpsso app', () => {
  let s: TestServer;
  before(async () => { s = await startTestServer(); });
  after(async () => { await s.close(); });

  it('creates, shows, updates, rotates and deletes an app; the secret is printed only when made', async () => {
    // Rounds of processes that do not touch the same app run in parallel.
    const [created, other] = await Promise.all([
      runCli(s.dataDir, 'app', 'create', 'Team Wiki', '--redirect-uri', 'https://wiki.example.com/cb', '--claims', 'email,groups', '--json'),
      runCli(s.dataDir, 'app', 'create', 'Portal', '--redirect-uri', 'https://portal.example/cb'),
    ]);
    assert.equal(created.code, 0, created.err);
    const j = JSON.parse(created.out) as { id: string; appId: string; clientSecret: string; passwordCredentials: { secretText: string }[]; openpsso: { releasedClaims: string[] } };
    assert.equal(j.passwordCredentials[0]!.secretText, j.clientSecret);
    assert.deepEqual(j.openpsso.releasedClaims, ['email', 'groups']);
    const stored = await s.ctx.store.applications.getByAppId(j.appId);
    assert.equal(clientSecretOf(s.ctx, stored!), j.clientSecret);
    assert.equal(other.code, 0, other.err);
    const firstSecret = /client secret: +(\S{43})\n/.exec(other.out)?.[1];
    assert.ok(firstSecret, other.out);
    assert.match(other.out, /shown once/);

    const [shown, bad, rotated] = await Promise.all([
      runCli(s.dataDir, 'app', 'show', 'team wiki'),
      runCli(s.dataDir, 'app', 'create', 'Bad', '--redirect-uri', 'https://bad.example/cb#frag'),
      runCli(s.dataDir, 'app', 'secret', 'rotate', 'Portal'),
    ]);
    assert.equal(shown.code, 0, shown.err);
    assert.match(shown.out, new RegExp(`client id: +${j.appId}`));
    assert.match(shown.out, /client secret: +\S{3}\.\.\. \(keyId/);
    assert.ok(!shown.out.includes(j.clientSecret), 'show never prints the secret');
    assert.equal(bad.code, 1);
    assert.match(bad.err, /OPSSO1831 .*fragment/);
    assert.match(bad.err, /fix: Use an exact https URL/);
    const newSecret = /client secret: +(\S{43})\n/.exec(rotated.out)?.[1];
    assert.ok(newSecret && newSecret !== firstSecret, rotated.out + rotated.err);
    const portal = (await s.ctx.store.applications.list(s.orgId)).find((a) => a.displayName === 'Portal')!;
    assert.equal(clientSecretOf(s.ctx, portal), newSecret);

    const updated = await runCli(s.dataDir, 'app', 'update', j.appId, '--public', '--redirect-uri', 'com.example.wiki:/cb', '--redirect-uri', 'http://127.0.0.1/cb', '--name', 'Wiki Desktop');
    assert.equal(updated.code, 0, updated.err);
    assert.match(updated.out, /updated Wiki Desktop/);
    assert.match(updated.out, /client type: +public, token endpoint auth none \(PKCE required\)/);
    assert.ok(!/client secret/.test(updated.out));
    assert.equal((await s.ctx.store.applications.getByAppId(j.appId))!.sealedSecret, null, 'a public client keeps no secret');

    const deleted = await runCli(s.dataDir, 'app', 'delete', j.appId, '--yes');
    assert.equal(deleted.code, 0, deleted.err);
    assert.match(deleted.out, /deleted Wiki Desktop/);
    assert.deepEqual((await s.ctx.store.applications.list(s.orgId)).map((a) => a.displayName), ['Portal']);
  });
});
