// Fair admission: a flood from one address waits behind itself; other addresses are served in turn,
// and an address whose queue is full is refused at once (400 at the Mac's token endpoint, 429 elsewhere).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { FairAdmission } from '../../src/server/fair-admission.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { DEMO_PASSWORD } from '../../src/app/demo.js';

describe('fair admission', () => {
  it('starts the requests of one turn round robin by source, one at a time here, and refuses a source whose queue is full', async () => {
    const a = new FairAdmission({ concurrency: 1, perSourceQueue: 3 });
    const order: string[] = [];
    const waits: Promise<unknown>[] = [];
    // A flood arrives first, then one request each from two other addresses, all in the same turn.
    for (let i = 0; i < 3; i++) waits.push((a.acquire('flood') as Promise<boolean>).then(() => order.push(`flood-${i}`)));
    assert.equal(a.acquire('flood'), false, 'a full queue is refused at once');
    waits.push((a.acquire('mac') as Promise<boolean>).then(() => order.push('mac')));
    waits.push((a.acquire('other') as Promise<boolean>).then(() => order.push('other')));
    assert.equal(a.waiting, 5, 'nothing starts before the next turn of the event loop');
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(order, ['flood-0'], 'one slot');
    for (let i = 0; i < 4; i++) {
      a.release();
      await new Promise((r) => setImmediate(r));
      await new Promise((r) => setImmediate(r));
    }
    await Promise.all(waits);
    // One of the flood's, then each other source in turn: the flood cannot hold the others back.
    assert.deepEqual(order, ['flood-0', 'mac', 'other', 'flood-1', 'flood-2']);
  });

  describe('on a server', () => {
    let s: TestServer;
    before(async () => { s = await startTestServer({ overrides: { admission: { concurrency: 1, perSourceQueue: 0 } } }); });
    after(async () => { await s.close(); });

    it('answers an address over its limit at once: 400 OPSSO1206 at the token endpoint, 429 OPSSO1008 elsewhere, with Retry-After', async () => {
      // Hold the one slot with a request whose body never finishes arriving.
      const { request } = await import('node:http');
      const held = request(`${s.url}/api/v1/devices`, { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': '100' } });
      held.on('error', () => undefined);
      held.write('{');
      await new Promise((r) => setTimeout(r, 100));
      const token = await fetch(`${s.url}/psso/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=srv_challenge' });
      assert.equal(token.status, 400);
      assert.equal(token.headers.get('retry-after'), '1');
      assert.equal(((await token.json()) as { error_code: string }).error_code, 'OPSSO1206');
      const api = await fetch(`${s.url}/api/v1/signin`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
      assert.equal(api.status, 429);
      assert.equal(((await api.json()) as { error_code: string }).error_code, 'OPSSO1008');
      held.destroy();
      await new Promise((r) => setTimeout(r, 100));
      const after = await fetch(`${s.url}/psso/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=srv_challenge' });
      assert.equal(after.status, 200, 'the slot came back when the held request went away');
    });
  });

  describe('with password checks waiting', () => {
    let s: TestServer;
    before(async () => { s = await startTestServer({ overrides: { admission: { concurrency: 1, perSourceQueue: 4 } } }); });
    after(async () => { await s.close(); });

    it('a request waiting for a password check gives its slot back, so others run meanwhile', async () => {
      let open!: () => void;
      const gate = new Promise<void>((r) => { open = r; });
      const real = s.ctx.passwordWork;
      // A password queue that holds every check until the gate opens.
      s.ctx.passwordWork = { run: async (lane: 'priority' | 'normal', fn: () => Promise<unknown>) => { await gate; return real.run(lane, fn); } } as never;
      try {
        const signIn = fetch(`${s.url}/api/v1/signin`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'alice@demo.openpsso.test', password: DEMO_PASSWORD }) });
        await new Promise((r) => setTimeout(r, 200));
        const nonce = await fetch(`${s.url}/psso/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=srv_challenge', signal: AbortSignal.timeout(3000) })
          .catch((e: Error) => assert.fail(`the nonce request waited behind the password check: ${e.message}`));
        assert.equal(nonce.status, 200, 'the one slot was free while the password check waited');
        open();
        assert.equal((await signIn).status, 200);
      } finally {
        s.ctx.passwordWork = real;
      }
    });
  });
});
