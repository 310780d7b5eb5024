// Conformance cases for the credential guard's shared state: token buckets (burst, refill, retry
// time, concurrency), familiar addresses and the purge of stale state.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { storeHook, T0, type MakeStore } from './fixtures.js';

export function guardCases(make: MakeStore): void {
  describe('credential guard state', () => {
    const s = storeHook(make);
    const rule = { burst: 3, perSecond: 0.5 };

    it('takes the burst, refuses with the time until the next attempt, and refills at the rate', async () => {
      const g = s().credentialGuard;
      for (let i = 0; i < 3; i++) assert.deepEqual(await g.take('ip:a', rule, T0), { allowed: true, retryAfterMs: 0 });
      assert.deepEqual(await g.take('ip:a', rule, T0), { allowed: false, retryAfterMs: 2000 });
      // Half a token back after a second: still refused, one second to go.
      assert.deepEqual(await g.take('ip:a', rule, T0 + 1000), { allowed: false, retryAfterMs: 1000 });
      assert.deepEqual(await g.take('ip:a', rule, T0 + 2000), { allowed: true, retryAfterMs: 0 });
      // Another key has its own bucket; a long pause refills only up to the burst.
      assert.equal((await g.take('ip:b', rule, T0)).allowed, true);
      for (let i = 0; i < 3; i++) assert.equal((await g.take('ip:a', rule, T0 + 3_600_000)).allowed, true);
      assert.equal((await g.take('ip:a', rule, T0 + 3_600_000)).allowed, false);
      // A clock stepped backwards mints nothing.
      assert.equal((await g.take('ip:a', rule, T0)).allowed, false);
    });

    it('grants exactly the burst to 20 concurrent takes', async () => {
      const g = s().credentialGuard;
      const r = await Promise.all(Array.from({ length: 20 }, () => g.take('acct:race', { burst: 5, perSecond: 0.001 }, T0)));
      assert.equal(r.filter((x) => x.allowed).length, 5);
    });

    it('remembers familiar addresses per account and purges stale state in batches', async () => {
      const g = s().credentialGuard;
      assert.equal(await g.isFamiliar('acct:x', 'net:203.0.113.0/24'), false);
      await g.markFamiliar('acct:x', 'net:203.0.113.0/24', T0);
      await g.markFamiliar('acct:x', 'net:203.0.113.0/24', T0 + 5);
      assert.equal(await g.isFamiliar('acct:x', 'net:203.0.113.0/24'), true);
      assert.equal(await g.isFamiliar('acct:y', 'net:203.0.113.0/24'), false);
      await g.markFamiliar('acct:gone', 'net:203.0.113.0/24', T0);
      await g.markFamiliar('acct:gone', 'net:2001:db8::/64', T0);
      await g.markFamiliar('acct:kept', 'net:203.0.113.0/24', T0);
      assert.equal(await g.forgetAccount('acct:gone'), 2);
      assert.equal(await g.isFamiliar('acct:gone', 'net:203.0.113.0/24'), false);
      assert.equal(await g.isFamiliar('acct:kept', 'net:203.0.113.0/24'), true);
      assert.equal(await g.forgetAccount('acct:kept'), 1);
      for (let i = 0; i < 5; i++) await g.take(`ip:old-${i}`, rule, T0);
      await g.take('ip:new', rule, T0 + 100_000);
      await s().lockouts.recordFailure('acct:old', T0, { windowMs: 1000, threshold: 1, lockMs: 1000 });
      await s().lockouts.recordFailure('acct:locked', T0, { windowMs: 1000, threshold: 1, lockMs: 1_000_000 });
      const cut = { bucketsBefore: T0 + 50_000, familiarBefore: T0 + 50_000, lockoutsBefore: T0 + 50_000 };
      // Limit 2 per table: 2 buckets + 1 address + 1 lockout, then the rest.
      assert.equal(await g.purgeStale(cut, 2), 4);
      assert.equal(await g.purgeStale(cut, 2), 2);
      assert.equal(await g.purgeStale(cut, 2), 1);
      assert.equal(await g.purgeStale(cut, 2), 0);
      assert.equal(await g.isFamiliar('acct:x', 'net:203.0.113.0/24'), false);
      assert.notEqual(await s().lockouts.get('acct:locked'), null, 'a lock still running is kept');
      assert.equal(await s().lockouts.get('acct:old'), null);
      assert.equal((await g.take('ip:new', rule, T0 + 100_000)).allowed, true, 'a recent bucket is kept');
    });
  });
}
