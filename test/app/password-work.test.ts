// The bounded password work queue: a concurrency limit, a bounded wait per lane, "busy" at once
// when a lane is full, and the familiar lane served first.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PasswordWork } from '../../src/app/password-work.js';
import { createMetrics } from '../../src/app/metrics.js';
import { PssoError } from '../../src/errors/psso-error.js';

/** A job that finishes when told to, recording when it started. */
function gate(log: string[], name: string) {
  let open!: () => void;
  const done = new Promise<void>((r) => { open = r; });
  return { run: async () => { log.push(name); await done; return name; }, open };
}

describe('bounded password work', () => {
  it('runs at most `concurrency` at once, serves the priority lane first, and refuses at once when a lane is full', async () => {
    const metrics = createMetrics();
    const work = new PasswordWork({ concurrency: 1, queueLimit: 2, maxWaitMs: 60_000 }, metrics);
    const log: string[] = [];
    const a = gate(log, 'a'); const b = gate(log, 'b'); const c = gate(log, 'c'); const p = gate(log, 'p');
    const ra = work.run('normal', a.run);
    const rb = work.run('normal', b.run);
    const rc = work.run('normal', c.run);
    const full = work.run('normal', async () => 'never');
    await assert.rejects(full, (e: unknown) => e instanceof PssoError && e.entry.name === 'server_busy' && e.entry.status === 503 && e.extra?.retryAfterSeconds === 60);
    const rp = work.run('priority', p.run);
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(log, ['a'], 'one at a time');
    assert.equal(work.queued, 3);
    a.open(); await ra;
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(log, ['a', 'p'], 'the familiar lane goes before older normal work');
    p.open(); await rp;
    await new Promise((r) => setImmediate(r));
    b.open(); await rb;
    await new Promise((r) => setImmediate(r));
    c.open(); assert.equal(await rc, 'c');
    assert.deepEqual(log, ['a', 'p', 'b', 'c']);
    assert.equal((await metrics.passwordWorkRejected.get()).values.find((v) => v.labels.lane === 'normal')?.value, 1);
  });

  it('refuses work that waited longer than maxWaitMs instead of starting it late, and frees the worker after a failure', async () => {
    const work = new PasswordWork({ concurrency: 1, queueLimit: 5, maxWaitMs: 20 });
    const log: string[] = [];
    const a = gate(log, 'a');
    const ra = work.run('normal', a.run);
    const late = work.run('normal', async () => 'late');
    await new Promise((r) => setTimeout(r, 40));
    a.open(); await ra;
    await assert.rejects(late, (e: unknown) => e instanceof PssoError && e.entry.name === 'server_busy');
    await assert.rejects(work.run('normal', async () => { throw new Error('argon2 failed'); }), /argon2 failed/);
    assert.equal(await work.run('normal', async () => 'next'), 'next', 'a failed job does not leak its worker');
  });
});
