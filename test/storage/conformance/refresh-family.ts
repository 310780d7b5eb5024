// Conformance cases for refresh token families: the one-time grace re-issue after a lost reply, its
// races (20 concurrent attempts, a rotation of the successor), and family revocation (RFC 9700 §4.14.2).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RefreshTokenRecord, Store } from '../../../src/storage/ports.js';
import { makeRefresh, seed, storeHook, T0, type MakeStore } from './fixtures.js';

const GRACE = 60_000;

/** A login's token A rotated at T0 + 10 to B, which has not been used: the state after a lost reply. */
async function rotatedOnce(store: Store): Promise<{ a: RefreshTokenRecord; b: RefreshTokenRecord; next: () => RefreshTokenRecord; deviceId: string }> {
  const { user, device } = await seed(store);
  const a = makeRefresh(user.id, device.id);
  await store.refreshTokens.create(a);
  const b = makeRefresh(user.id, device.id, { familyId: a.id, createdAt: T0 + 10 });
  assert.equal(await store.refreshTokens.rotate(a.id, b, T0 + 10), true);
  const next = () => makeRefresh(user.id, device.id, { familyId: a.id, createdAt: T0 + 20 });
  return { a, b, next, deviceId: device.id };
}

export function refreshFamilyCases(make: MakeStore): void {
  describe('refresh token grace and families', () => {
    const s = storeHook(make);
    const get = (t: RefreshTokenRecord) => s().refreshTokens.getByHash(t.tokenHash);

    it('re-issues once for a rotated token whose successor was never used, leaving one live token', async () => {
      const { a, b, next, deviceId } = await rotatedOnce(s());
      const c = next();
      assert.equal(await s().refreshTokens.reissueInGrace(a.id, b.id, c, T0 + 20, T0 + 20 - GRACE), 'reissued');
      assert.deepEqual(await get(a), { ...a, revokedAt: T0 + 10, replacedById: c.id, graceUsedAt: T0 + 20 });
      // The unused successor is displaced: revoked, pointing at the new token, and marked so that
      // presenting it later is reuse.
      assert.deepEqual(await get(b), { ...b, revokedAt: T0 + 20, replacedById: c.id, graceUsedAt: T0 + 20 });
      assert.deepEqual(await get(c), c);
      assert.deepEqual((await s().refreshTokens.listActiveForDevice(deviceId, T0)).map((t) => t.id), [c.id]);
      // The grace is spent: a second attempt changes and stores nothing.
      const d = next();
      assert.equal(await s().refreshTokens.reissueInGrace(a.id, c.id, d, T0 + 30, T0 + 30 - GRACE), 'grace_spent');
      assert.equal(await get(d), null);
      assert.deepEqual(await get(c), c);
    });

    it('refuses outside the window and changes nothing', async () => {
      const { a, b, next } = await rotatedOnce(s());
      const c = next();
      assert.equal(await s().refreshTokens.reissueInGrace(a.id, b.id, c, T0 + 20, T0 + 11), 'window_closed');
      assert.deepEqual(await get(a), { ...a, revokedAt: T0 + 10, replacedById: b.id });
      assert.deepEqual(await get(b), b);
      assert.equal(await get(c), null);
      // The window boundary itself is inside.
      assert.equal(await s().refreshTokens.reissueInGrace(a.id, b.id, c, T0 + 20, T0 + 10), 'reissued');
    });

    it('refuses once the successor was used, and undoes its claim on the previous token', async () => {
      const { a, b, next } = await rotatedOnce(s());
      const b2 = next();
      assert.equal(await s().refreshTokens.rotate(b.id, b2, T0 + 15), true);
      const c = next();
      assert.equal(await s().refreshTokens.reissueInGrace(a.id, b.id, c, T0 + 20, T0 + 20 - GRACE), 'successor_used');
      assert.deepEqual(await get(a), { ...a, revokedAt: T0 + 10, replacedById: b.id, graceUsedAt: null });
      assert.deepEqual(await get(b2), b2);
      assert.equal(await get(c), null);
    });

    it('tells a revoked successor apart from a used one', async () => {
      const { a, b, next, deviceId } = await rotatedOnce(s());
      await s().refreshTokens.revokeForDevice(deviceId, T0 + 15);
      const c = next();
      assert.equal(await s().refreshTokens.reissueInGrace(a.id, b.id, c, T0 + 20, T0 + 20 - GRACE), 'successor_revoked');
      assert.equal((await get(a))?.graceUsedAt, null);
      assert.equal(await get(c), null);
    });

    it('lets exactly one of 20 concurrent grace re-issues win, and one token stays live', async () => {
      const { a, b, next, deviceId } = await rotatedOnce(s());
      const candidates = Array.from({ length: 20 }, next);
      const results = await Promise.all(candidates.map((c) => s().refreshTokens.reissueInGrace(a.id, b.id, c, T0 + 20, T0 + 20 - GRACE)));
      assert.equal(results.filter((r) => r === 'reissued').length, 1, results.join(','));
      assert.equal(results.filter((r) => r === 'grace_spent').length, 19, results.join(','));
      const winner = candidates[results.indexOf('reissued')]!;
      const live = await s().refreshTokens.listActiveForDevice(deviceId, T0);
      assert.deepEqual(live.map((t) => t.id), [winner.id]);
      for (const c of candidates) if (c !== winner) assert.equal(await get(c), null);
      assert.equal((await get(a))?.replacedById, winner.id);
    });

    it('a grace re-issue racing a rotation of the successor: exactly one wins, one token stays live', async () => {
      for (let i = 0; i < 5; i++) {
        const { a, b, next, deviceId } = await rotatedOnce(s());
        const rotated = next();
        const reissued = next();
        const [rot, grace] = await Promise.all([
          s().refreshTokens.rotate(b.id, rotated, T0 + 20),
          s().refreshTokens.reissueInGrace(a.id, b.id, reissued, T0 + 20, T0 + 20 - GRACE),
        ]);
        assert.equal(Number(rot) + Number(grace === 'reissued'), 1, `rotate ${rot}, grace ${grace}`);
        if (rot) assert.equal(grace, 'successor_used');
        const live = await s().refreshTokens.listActiveForDevice(deviceId, T0);
        assert.deepEqual(live.map((t) => t.id), [rot ? rotated.id : reissued.id]);
      }
    });

    it('revokes every live token of a family and nothing else', async () => {
      const { a, b, next, deviceId } = await rotatedOnce(s());
      const c = next();
      assert.equal(await s().refreshTokens.rotate(b.id, c, T0 + 20), true);
      const otherFamily = makeRefresh(a.userId, deviceId);
      await s().refreshTokens.create(otherFamily);
      assert.equal(await s().refreshTokens.revokeFamily(a.familyId, T0 + 30), 1);
      assert.equal((await get(c))?.revokedAt, T0 + 30);
      // Tokens revoked earlier keep their own time and successor.
      assert.deepEqual(await get(a), { ...a, revokedAt: T0 + 10, replacedById: b.id });
      assert.equal((await get(b))?.revokedAt, T0 + 20);
      assert.equal((await get(otherFamily))?.revokedAt, null);
      assert.equal(await s().refreshTokens.revokeFamily(a.familyId, T0 + 40), 0);
      assert.equal(await s().refreshTokens.revokeFamily('rt_missing', T0 + 40), 0);
    });

    it('a family revocation racing rotations leaves no live token in the family', async () => {
      const { user, device } = await seed(s());
      for (let i = 0; i < 5; i++) {
        const root = makeRefresh(user.id, device.id);
        await s().refreshTokens.create(root);
        const successors = Array.from({ length: 5 }, () => makeRefresh(user.id, device.id, { familyId: root.id }));
        await Promise.all([
          s().refreshTokens.revokeFamily(root.id, T0 + 1),
          ...successors.map((n) => s().refreshTokens.rotate(root.id, n, T0 + 1)),
        ]);
        const live = (await s().refreshTokens.listActiveForDevice(device.id, T0)).filter((t) => t.familyId === root.id);
        assert.deepEqual(live, []);
      }
    });
  });
}
