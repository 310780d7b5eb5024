// Conformance cases for lockout counters (windows, thresholds, concurrency) and interactive
// sign-in sessions (expiry, updates, purges).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { makeOrg, rejectsWith, seed, storeHook, T0, type MakeStore } from './fixtures.js';
import { makeSession } from './fixtures-access.js';

const OPTS = { windowMs: 600_000, threshold: 3, lockMs: 60_000 };

export function sessionCases(make: MakeStore): void {
  describe('lockouts', () => {
    const s = storeHook(make);

    it('counts failures in a window and locks once the threshold is reached', async () => {
      const key = 'user:usr_lock';
      assert.equal(await s().lockouts.get(key), null);
      assert.deepEqual(await s().lockouts.recordFailure(key, T0, OPTS), { key, failures: 1, windowStart: T0, lockedUntil: null, lockCount: 0 });
      assert.deepEqual(await s().lockouts.recordFailure(key, T0 + 10, OPTS), { key, failures: 2, windowStart: T0, lockedUntil: null, lockCount: 0 });
      assert.deepEqual(await s().lockouts.recordFailure(key, T0 + 20, OPTS), { key, failures: 3, windowStart: T0, lockedUntil: T0 + 20 + 60_000, lockCount: 1 });
      // A failure while locked (a request already in flight) is counted but does not extend the lock.
      assert.deepEqual(await s().lockouts.recordFailure(key, T0 + 30, OPTS), { key, failures: 4, windowStart: T0, lockedUntil: T0 + 20 + 60_000, lockCount: 1 });
      assert.deepEqual(await s().lockouts.get(key), { key, failures: 4, windowStart: T0, lockedUntil: T0 + 20 + 60_000, lockCount: 1 });
      assert.deepEqual(await s().lockouts.getMany([key, 'user:none']), [{ key, failures: 4, windowStart: T0, lockedUntil: T0 + 20 + 60_000, lockCount: 1 }]);
      assert.deepEqual(await s().lockouts.getMany([]), []);
      // Another key is independent.
      assert.equal((await s().lockouts.recordFailure('ip:203.0.113.5', T0, OPTS)).failures, 1);
      await s().lockouts.reset(key);
      assert.equal(await s().lockouts.get(key), null);
      await s().lockouts.reset(key);
      assert.equal((await s().lockouts.recordFailure(key, T0 + 40, OPTS)).failures, 1);
    });

    it('locks again at the first failure after a lock ends, each time for twice as long up to the maximum', async () => {
      const key = 'user:usr_smart';
      const policy = { ...OPTS, maxLockMs: 200_000 };
      for (let i = 0; i < 3; i++) await s().lockouts.recordFailure(key, T0 + i, policy);
      const first = (await s().lockouts.get(key))!;
      assert.deepEqual([first.lockedUntil, first.lockCount], [T0 + 2 + 60_000, 1]);
      let t = first.lockedUntil!;
      const second = await s().lockouts.recordFailure(key, t, policy);
      assert.deepEqual([second.lockedUntil, second.lockCount], [t + 120_000, 2]);
      t = second.lockedUntil! + 1;
      const third = await s().lockouts.recordFailure(key, t, policy);
      assert.deepEqual([third.lockedUntil, third.lockCount], [t + 200_000, 3], 'capped at maxLockMs');
      t = third.lockedUntil! + 1;
      assert.equal((await s().lockouts.recordFailure(key, t, policy)).lockedUntil, t + 200_000);
      // Once a lock ended longer than a window ago, it takes the threshold again (the next lock is still long).
      t += 200_000 + OPTS.windowMs + 10;
      const fresh = await s().lockouts.recordFailure(key, t, policy);
      assert.deepEqual([fresh.failures, fresh.lockedUntil !== null && fresh.lockedUntil > t], [1, false]);
    });

    it('restarts the count when the window has passed, keeping an earlier lock until it ends', async () => {
      const key = 'user:usr_window';
      for (let i = 0; i < 3; i++) await s().lockouts.recordFailure(key, T0 + i, { ...OPTS, lockMs: 3_600_000 });
      const inWindow = await s().lockouts.recordFailure(key, T0 + OPTS.windowMs - 1, { ...OPTS, lockMs: 3_600_000 });
      assert.equal(inWindow.failures, 4);
      const restarted = await s().lockouts.recordFailure(key, T0 + OPTS.windowMs + 5, OPTS);
      assert.deepEqual(restarted, { key, failures: 1, windowStart: T0 + OPTS.windowMs + 5, lockedUntil: inWindow.lockedUntil, lockCount: 1 });
      // A threshold of 1 locks on the very first failure.
      assert.deepEqual(await s().lockouts.recordFailure('user:strict', T0, { ...OPTS, threshold: 1 }),
        { key: 'user:strict', failures: 1, windowStart: T0, lockedUntil: T0 + 60_000, lockCount: 1 });
    });

    it('counts 20 concurrent failures as 20 and locks once', async () => {
      const key = 'user:usr_race';
      const opts = { windowMs: 600_000, threshold: 10, lockMs: 60_000, maxLockMs: 600_000 };
      const after = await Promise.all(Array.from({ length: 20 }, () => s().lockouts.recordFailure(key, T0, opts)));
      assert.deepEqual(after.map((r) => r.failures).sort((a, b) => a - b), Array.from({ length: 20 }, (_, i) => i + 1));
      assert.deepEqual(await s().lockouts.get(key), { key, failures: 20, windowStart: T0, lockedUntil: T0 + 60_000, lockCount: 1 });
      assert.equal(after.filter((r) => r.lockedUntil === null).length, 9);
    });
  });

  describe('sign-in sessions', () => {
    const s = storeHook(make);

    it('creates, reads until expiry, updates and deletes', async () => {
      const { org, user } = await seed(s());
      const sis = makeSession(org.id);
      await s().signInSessions.create(sis);
      assert.deepEqual(await s().signInSessions.get(sis.id, T0), sis);
      assert.deepEqual(await s().signInSessions.get(sis.id, sis.expiresAt - 1), sis);
      assert.equal(await s().signInSessions.get(sis.id, sis.expiresAt), null);
      assert.equal(await s().signInSessions.get('sis_missing', T0), null);
      await rejectsWith(s().signInSessions.create(sis), 'conflict');
      await rejectsWith(s().signInSessions.create(makeSession('org_missing')), 'resource_not_found');
      const data = JSON.stringify({ stage: 'mfa', amr: ['pwd'], challenge: 'q2x…' });
      assert.equal(await s().signInSessions.update(sis.id, { userId: user.id, data }), true);
      assert.deepEqual(await s().signInSessions.get(sis.id, T0), { ...sis, userId: user.id, data });
      assert.equal(await s().signInSessions.update(sis.id, { userId: null, data: '{}' }), true);
      assert.equal((await s().signInSessions.get(sis.id, T0))?.userId, null);
      assert.equal(await s().signInSessions.update('sis_missing', { userId: null, data: '{}' }), false);
      assert.equal(await s().signInSessions.delete(sis.id), true);
      assert.equal(await s().signInSessions.delete(sis.id), false);
    });

    it('purges sessions expired at now, and only those, at most `limit` per call', async () => {
      const org = makeOrg();
      await s().organisations.create(org);
      const old = makeSession(org.id, { expiresAt: T0 - 1 });
      const edge = makeSession(org.id, { expiresAt: T0 });
      const live = makeSession(org.id, { expiresAt: T0 + 1 });
      for (const x of [old, edge, live]) await s().signInSessions.create(x);
      assert.equal(await s().signInSessions.purgeExpired(T0, 1), 1);
      assert.equal(await s().signInSessions.purgeExpired(T0, 1000), 1);
      assert.equal(await s().signInSessions.purgeExpired(T0, 1000), 0);
      assert.deepEqual(await s().signInSessions.get(live.id, T0), live);
    });
  });
}
