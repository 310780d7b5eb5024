// `openpsso mfa` against the data directory of a running server: issue a pass, use it over the API, list and reset methods.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { runCli } from '../helpers/cli.js';
import { ManualClock } from '../../src/app/clock.js';
import { DEMO_PASSWORD } from '../../src/app/demo.js';
import { CAROL, addTotp, postJson, setMfaState } from './helpers.js';

/** Asynchronous: the server under test answers on this process's event loop. */
const cli = (s: TestServer, ...args: string[]) => runCli(s.dataDir, 'mfa', ...args);

describe('openpsso mfa', () => {
  let s: TestServer;
  // The CLI reads the real clock; the server's must be close to it for the pass to be valid.
  before(async () => { s = await startTestServer({ clock: new ManualClock(Date.now()) }); });
  after(async () => { await s.close(); });

  it('issues a pass the user can sign in with, lists and resets methods', async () => {
    await setMfaState(s, CAROL, 'enforced');
    await addTotp(s, CAROL);
    const tap = await cli(s, 'tap', CAROL, '--minutes', '30', '--one-time');
    assert.equal(tap.code, 0, tap.err);
    const code = /: ([2-9A-Z]{4}-[2-9A-Z]{4}-[2-9A-Z]{4})\n/.exec(tap.out)![1]!;
    assert.match(tap.out, /one-time use; expires/);

    const listed = await cli(s, 'methods', CAROL, '--json');
    const j = JSON.parse(listed.out) as { perUserMfaState: string; methods: { kind: string }[]; passes: { oneTimeUse: boolean }[] };
    assert.equal(j.perUserMfaState, 'enforced');
    assert.deepEqual(j.methods.map((m) => m.kind), ['totp']);
    assert.deepEqual(j.passes.map((p) => p.oneTimeUse), [true]);

    const reset = await cli(s, 'reset-methods', CAROL);
    assert.match(reset.out, /1 method removed/);
    const first = await postJson(s, '/api/v1/signin', { username: CAROL, password: DEMO_PASSWORD });
    assert.equal(first.body.next, 'enroll');
    assert.deepEqual(first.body.methods, ['tap']);
    const ok = await postJson(s, '/api/v1/signin/mfa', { sign_in_session: first.body.sign_in_session, temporary_access_pass: code });
    assert.equal(ok.status, 200, JSON.stringify(ok.body));

    const bad = await cli(s, 'tap', CAROL, '--minutes', '5');
    assert.equal(bad.code, 2);
    assert.match(bad.err, /--minutes must be a whole number from 10 to 43200/);
    const unknown = await cli(s, 'methods', 'nobody@demo.openpsso.test');
    assert.equal(unknown.code, 1);
    assert.match(unknown.err, /OPSSO1602/);
  });
});
