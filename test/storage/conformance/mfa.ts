// Conformance cases for MFA methods and temporary access passes: TOTP step reuse, passkey counters
// and one-time passes decided atomically under concurrency.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HOUR, makeUser, rejectsWith, seed, storeHook, T0, type MakeStore } from './fixtures.js';
import { makePasskey, makeTap, makeTotp } from './fixtures-access.js';

export function mfaCases(make: MakeStore): void {
  describe('MFA methods', () => {
    const s = storeHook(make);

    it('stores TOTP and passkey methods with bytes and transports; credential ids are unique', async () => {
      const { org, user } = await seed(s());
      const totp = makeTotp(user.id);
      const key = makePasskey(user.id, { createdAt: T0 + 1, counter: 4_000_000_000 });
      await s().mfaMethods.create(key);
      await s().mfaMethods.create(totp);
      assert.deepEqual(await s().mfaMethods.listForUser(user.id), [totp, key]);
      assert.deepEqual(await s().mfaMethods.getByCredentialId(key.credentialId!), key);
      assert.equal(await s().mfaMethods.getByCredentialId('unknown'), null);
      // Two TOTP methods have no credential id and do not clash.
      await s().mfaMethods.create(makeTotp(user.id));
      await rejectsWith(s().mfaMethods.create(makePasskey(user.id, { credentialId: key.credentialId })), 'conflict');
      await rejectsWith(s().mfaMethods.create({ ...totp, displayName: 'again' }), 'conflict');
      await rejectsWith(s().mfaMethods.create(makeTotp('usr_missing')), 'resource_not_found');
      const other = makeUser(org.id);
      await s().users.create(other);
      await s().mfaMethods.create(makeTotp(other.id));
      assert.equal(await s().mfaMethods.delete(totp.id), true);
      assert.equal(await s().mfaMethods.delete(totp.id), false);
      assert.equal(await s().mfaMethods.deleteForUser(user.id), 2);
      assert.deepEqual(await s().mfaMethods.listForUser(user.id), []);
      assert.equal((await s().mfaMethods.listForUser(other.id)).length, 1);
    });

    it('accepts each TOTP step once and only moving forward', async () => {
      const { user } = await seed(s());
      const totp = makeTotp(user.id);
      await s().mfaMethods.create(totp);
      assert.equal(await s().mfaMethods.useTotpStep(totp.id, 56_666_666, T0), true);
      assert.equal(await s().mfaMethods.useTotpStep(totp.id, 56_666_666, T0 + 1), false);
      assert.equal(await s().mfaMethods.useTotpStep(totp.id, 56_666_665, T0 + 2), false);
      assert.equal(await s().mfaMethods.useTotpStep(totp.id, 56_666_667, T0 + 30_000), true);
      const [stored] = await s().mfaMethods.listForUser(user.id);
      assert.equal(stored?.lastUsedStep, 56_666_667);
      assert.equal(stored?.lastUsedAt, T0 + 30_000);
      assert.equal(await s().mfaMethods.useTotpStep('mfa_missing', 1, T0), false);
      const key = makePasskey(user.id);
      await s().mfaMethods.create(key);
      assert.equal(await s().mfaMethods.useTotpStep(key.id, 1, T0), false, 'a passkey has no TOTP steps');
    });

    it('lets exactly one of 10 concurrent uses of the same TOTP step succeed', async () => {
      const { user } = await seed(s());
      const totp = makeTotp(user.id, { lastUsedStep: 100 });
      await s().mfaMethods.create(totp);
      const results = await Promise.all(Array.from({ length: 10 }, (_, i) => s().mfaMethods.useTotpStep(totp.id, 101, T0 + i)));
      assert.equal(results.filter((r) => r).length, 1);
      assert.equal((await s().mfaMethods.listForUser(user.id))[0]?.lastUsedStep, 101);
    });

    it('raises a passkey counter only upwards; 0 after 0 is allowed', async () => {
      const { user } = await seed(s());
      const zero = makePasskey(user.id, { counter: 0 });
      await s().mfaMethods.create(zero);
      assert.equal(await s().mfaMethods.usePasskey(zero.id, 0, T0), true);
      assert.equal(await s().mfaMethods.usePasskey(zero.id, 0, T0 + 1), true);
      assert.equal(await s().mfaMethods.usePasskey(zero.id, 5, T0 + 2), true);
      assert.equal(await s().mfaMethods.usePasskey(zero.id, 5, T0 + 3), false, 'a repeated counter means a clone');
      assert.equal(await s().mfaMethods.usePasskey(zero.id, 0, T0 + 4), false, 'dropping back to 0 is a clone too');
      assert.equal(await s().mfaMethods.usePasskey(zero.id, 4_294_967_295, T0 + 5), true);
      const got = await s().mfaMethods.getByCredentialId(zero.credentialId!);
      assert.equal(got?.counter, 4_294_967_295);
      assert.equal(got?.lastUsedAt, T0 + 5);
      assert.equal(await s().mfaMethods.usePasskey('mfa_missing', 1, T0), false);
      const results = await Promise.all(Array.from({ length: 10 }, () => s().mfaMethods.usePasskey(zero.id, 4_294_967_296, T0 + 6)));
      assert.equal(results.filter((r) => r).length, 1);
    });
  });

  describe('temporary access passes', () => {
    const s = storeHook(make);

    it('lists only usable passes: not expired, revoked or (one-time) used', async () => {
      const { user } = await seed(s());
      const fresh = makeTap(user.id);
      const multi = makeTap(user.id, { oneTimeUse: false, usedAt: T0 - 5, createdAt: T0 + 1 });
      const used = makeTap(user.id, { usedAt: T0 - 1 });
      const expired = makeTap(user.id, { expiresAt: T0 });
      const revoked = makeTap(user.id, { revokedAt: T0 - 1 });
      for (const t of [multi, used, expired, revoked, fresh]) await s().temporaryAccessPasses.create(t);
      assert.deepEqual(await s().temporaryAccessPasses.listUsable(user.id, T0), [fresh, multi]);
      assert.deepEqual(await s().temporaryAccessPasses.listUsable(user.id, T0 + HOUR), []);
      await rejectsWith(s().temporaryAccessPasses.create(fresh), 'conflict');
    });

    it('uses a one-time pass once; a multi-use pass while usable', async () => {
      const { user } = await seed(s());
      const once = makeTap(user.id);
      const multi = makeTap(user.id, { oneTimeUse: false });
      await s().temporaryAccessPasses.create(once);
      await s().temporaryAccessPasses.create(multi);
      assert.equal(await s().temporaryAccessPasses.use(once.id, T0 + 10), true);
      assert.equal(await s().temporaryAccessPasses.use(once.id, T0 + 11), false);
      assert.equal(await s().temporaryAccessPasses.use(multi.id, T0 + 10), true);
      assert.equal(await s().temporaryAccessPasses.use(multi.id, T0 + 20), true);
      assert.equal(await s().temporaryAccessPasses.use(multi.id, T0 + HOUR), false, 'expired at its expiry instant');
      assert.deepEqual(await s().temporaryAccessPasses.listUsable(user.id, T0 + 30), [{ ...multi, usedAt: T0 + 10 }]);
      assert.equal(await s().temporaryAccessPasses.use('tap_missing', T0), false);
    });

    it('lets exactly one of 10 concurrent uses of a one-time pass succeed', async () => {
      const { user } = await seed(s());
      const once = makeTap(user.id);
      await s().temporaryAccessPasses.create(once);
      const results = await Promise.all(Array.from({ length: 10 }, (_, i) => s().temporaryAccessPasses.use(once.id, T0 + i)));
      assert.equal(results.filter((r) => r).length, 1);
    });

    it('rolls a pass use and a TOTP step back with the transaction around them', async () => {
      const { user } = await seed(s());
      const once = makeTap(user.id);
      const totp = makeTotp(user.id);
      await s().temporaryAccessPasses.create(once);
      await s().mfaMethods.create(totp);
      const boom = new Error('boom');
      await assert.rejects(s().transaction(async (tx) => {
        assert.equal(await tx.temporaryAccessPasses.use(once.id, T0), true);
        assert.equal(await tx.mfaMethods.useTotpStep(totp.id, 7, T0), true);
        await tx.lockouts.recordFailure('user:tx', T0, { windowMs: 1000, threshold: 5, lockMs: 1000 });
        throw boom;
      }), (e) => e === boom);
      assert.equal(await s().temporaryAccessPasses.use(once.id, T0), true);
      assert.equal(await s().mfaMethods.useTotpStep(totp.id, 7, T0), true);
      assert.equal(await s().lockouts.get('user:tx'), null);
    });

    it('revokes every unrevoked pass of a user', async () => {
      const { org, user } = await seed(s());
      const other = makeUser(org.id);
      await s().users.create(other);
      const a = makeTap(user.id);
      const b = makeTap(user.id, { oneTimeUse: false });
      const gone = makeTap(user.id, { revokedAt: T0 - 1 });
      const theirs = makeTap(other.id);
      for (const t of [a, b, gone, theirs]) await s().temporaryAccessPasses.create(t);
      assert.equal(await s().temporaryAccessPasses.revokeForUser(user.id, T0), 2);
      assert.equal(await s().temporaryAccessPasses.revokeForUser(user.id, T0 + 1), 0);
      assert.deepEqual(await s().temporaryAccessPasses.listUsable(user.id, T0), []);
      assert.equal(await s().temporaryAccessPasses.use(b.id, T0), false);
      assert.deepEqual(await s().temporaryAccessPasses.listUsable(other.id, T0), [theirs]);
    });

    it('purges passes expired, revoked or used up before the cutoff, at most `limit` per call', async () => {
      const { user } = await seed(s());
      const live = makeTap(user.id, { expiresAt: T0 + HOUR });
      const usedMultiUse = makeTap(user.id, { oneTimeUse: false, usedAt: T0 - 5, expiresAt: T0 + HOUR });
      const edge = makeTap(user.id, { expiresAt: T0 });
      const expired = makeTap(user.id, { expiresAt: T0 - 1 });
      const revoked = makeTap(user.id, { revokedAt: T0 - 1, expiresAt: T0 + HOUR });
      const usedOnce = makeTap(user.id, { usedAt: T0 - 1, expiresAt: T0 + HOUR });
      for (const t of [live, usedMultiUse, edge, expired, revoked, usedOnce]) await s().temporaryAccessPasses.create(t);
      assert.equal(await s().temporaryAccessPasses.purgeEnded(T0, 2), 2);
      assert.equal(await s().temporaryAccessPasses.purgeEnded(T0, 2), 1);
      assert.equal(await s().temporaryAccessPasses.purgeEnded(T0, 2), 0);
      // The multi-use pass stays usable after a use; the edge pass expires at T0 and is not yet past the cutoff.
      assert.deepEqual((await s().temporaryAccessPasses.listUsable(user.id, T0 - 10)).map((t) => t.id).sort(), [live.id, usedMultiUse.id, edge.id].sort());
    });
  });
}
