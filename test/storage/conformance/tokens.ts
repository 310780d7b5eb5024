// Conformance cases for one-time values and credentials: nonce consumption under concurrency, refresh
// rotation races (grace re-issue and family revocation in refresh-family.ts), and the bearer,
// registration-token and server-key stores.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RegistrationTokenRecord, ServerKeyRecord } from '../../../src/storage/ports.js';
import {
  HOUR, hashOf, makeBearer, makeDevice, makeNonce, makeRefresh, makeUser, newId, rejectsWith, seed, storeHook, T0,
  type MakeStore,
} from './fixtures.js';

export function tokenCases(make: MakeStore): void {
  describe('nonces', () => {
    const s = storeHook(make);

    it('consumes once, then reports replayed; unknown values are unknown', async () => {
      const n = makeNonce();
      await s().nonces.create(n);
      assert.equal(await s().nonces.consume(n.value, T0 + 1), 'ok');
      assert.equal(await s().nonces.consume(n.value, T0 + 2), 'replayed');
      assert.equal(await s().nonces.consume('never-issued', T0), 'unknown');
      await rejectsWith(s().nonces.create(n), 'conflict');
    });

    it('reports expired at and after the expiry instant, and replayed wins over expired', async () => {
      const n = makeNonce({ expiresAt: T0 + 1000 });
      await s().nonces.create(n);
      assert.equal(await s().nonces.consume(n.value, T0 + 1000), 'expired');
      assert.equal(await s().nonces.consume(n.value, T0 + 5000), 'expired');
      const m = makeNonce({ expiresAt: T0 + 1000 });
      await s().nonces.create(m);
      assert.equal(await s().nonces.consume(m.value, T0 + 999), 'ok');
      assert.equal(await s().nonces.consume(m.value, T0 + 5000), 'replayed');
    });

    it('spends a bound nonce only with its client-request-id; an unbound one with any or none', async () => {
      const bound = makeNonce({ boundTo: 'a1b2c3d4-0000-4000-8000-000000000001' });
      await s().nonces.create(bound);
      assert.equal(await s().nonces.consume(bound.value, T0 + 1), 'wrong_binding');
      assert.equal(await s().nonces.consume(bound.value, T0 + 1, 'a1b2c3d4-0000-4000-8000-000000000002'), 'wrong_binding');
      // A refused binding leaves the nonce unused: its owner can still spend it, once.
      assert.equal(await s().nonces.consume(bound.value, T0 + 2, 'a1b2c3d4-0000-4000-8000-000000000001'), 'ok');
      assert.equal(await s().nonces.consume(bound.value, T0 + 3, 'a1b2c3d4-0000-4000-8000-000000000001'), 'replayed');
      const free = makeNonce();
      await s().nonces.create(free);
      assert.equal(await s().nonces.consume(free.value, T0 + 1, 'any-id'), 'ok');
    });

    it('lets exactly one of 20 concurrent consumes succeed', async () => {
      const n = makeNonce();
      await s().nonces.create(n);
      const results = await Promise.all(Array.from({ length: 20 }, () => s().nonces.consume(n.value, T0 + 1)));
      assert.equal(results.filter((r) => r === 'ok').length, 1);
      assert.equal(results.filter((r) => r === 'replayed').length, 19);
    });

    it('purges only nonces that expired before the cutoff', async () => {
      const old1 = makeNonce({ expiresAt: T0 - 2 });
      const old2 = makeNonce({ expiresAt: T0 - 1, usedAt: T0 - 5 });
      const edge = makeNonce({ expiresAt: T0 });
      const live = makeNonce({ expiresAt: T0 + HOUR });
      for (const n of [old1, old2, edge, live]) await s().nonces.create(n);
      assert.equal(await s().nonces.purgeExpired(T0, 1000), 2);
      assert.equal(await s().nonces.purgeExpired(T0, 1000), 0);
      assert.equal(await s().nonces.consume(old1.value, T0 - 10), 'unknown');
      assert.equal(await s().nonces.consume(edge.value, T0 - 10), 'ok');
      assert.equal(await s().nonces.consume(live.value, T0), 'ok');
    });

    it('purges at most `limit` per call, and refuses a limit that is not a positive integer', async () => {
      for (let i = 0; i < 5; i++) await s().nonces.create(makeNonce({ expiresAt: T0 - 1 - i }));
      const live = makeNonce({ expiresAt: T0 + HOUR });
      await s().nonces.create(live);
      assert.equal(await s().nonces.purgeExpired(T0, 2), 2);
      assert.equal(await s().nonces.purgeExpired(T0, 2), 2);
      assert.equal(await s().nonces.purgeExpired(T0, 2), 1);
      assert.equal(await s().nonces.purgeExpired(T0, 2), 0);
      assert.equal(await s().nonces.consume(live.value, T0), 'ok');
      for (const bad of [0, -1, 1.5, Number.NaN]) await rejectsWith(s().nonces.purgeExpired(T0, bad), 'malformed_request');
    });
  });

  describe('refresh tokens', () => {
    const s = storeHook(make);

    it('stores by hash and rotates exactly once', async () => {
      const { user, device } = await seed(s());
      const t = makeRefresh(user.id, device.id, { amr: ['swk', 'mfa'] });
      await s().refreshTokens.create(t);
      assert.deepEqual(await s().refreshTokens.getByHash(t.tokenHash), t);
      assert.equal(await s().refreshTokens.getByHash(hashOf('nope')), null);
      const next = makeRefresh(user.id, device.id, { authTime: t.authTime, amr: t.amr, createdAt: T0 + 10 });
      assert.equal(await s().refreshTokens.rotate(t.id, next, T0 + 10), true);
      assert.deepEqual(await s().refreshTokens.getByHash(t.tokenHash), { ...t, revokedAt: T0 + 10, replacedById: next.id });
      assert.deepEqual(await s().refreshTokens.getByHash(next.tokenHash), next);
      // A replay of the old token rotates nothing and stores nothing.
      const replay = makeRefresh(user.id, device.id);
      assert.equal(await s().refreshTokens.rotate(t.id, replay, T0 + 20), false);
      assert.equal(await s().refreshTokens.getByHash(replay.tokenHash), null);
      assert.equal((await s().refreshTokens.getByHash(t.tokenHash))?.replacedById, next.id);
      assert.equal(await s().refreshTokens.rotate('rt_missing', makeRefresh(user.id, device.id), T0), false);
    });

    it('lets exactly one of two concurrent rotations win', async () => {
      const { user, device } = await seed(s());
      const t = makeRefresh(user.id, device.id);
      await s().refreshTokens.create(t);
      const a = makeRefresh(user.id, device.id);
      const b = makeRefresh(user.id, device.id);
      const results = await Promise.all([s().refreshTokens.rotate(t.id, a, T0 + 1), s().refreshTokens.rotate(t.id, b, T0 + 1)]);
      assert.deepEqual([...results].sort(), [false, true]);
      const winner = results[0] ? a : b;
      const loser = results[0] ? b : a;
      assert.ok(await s().refreshTokens.getByHash(winner.tokenHash));
      assert.equal(await s().refreshTokens.getByHash(loser.tokenHash), null);
      assert.equal((await s().refreshTokens.getByHash(t.tokenHash))?.replacedById, winner.id);
    });

    it('keeps the family id and the grace mark a record carries', async () => {
      const { user, device } = await seed(s());
      const root = makeRefresh(user.id, device.id);
      const child = makeRefresh(user.id, device.id, { familyId: root.id, graceUsedAt: T0 + 5 });
      await s().refreshTokens.create(root);
      await s().refreshTokens.create(child);
      assert.equal((await s().refreshTokens.getByHash(root.tokenHash))?.familyId, root.id);
      assert.deepEqual(await s().refreshTokens.getByHash(child.tokenHash), child);
    });

    it('revokes per device and per user, and lists only live tokens of a device', async () => {
      const { org, user, device } = await seed(s());
      const user2 = makeUser(org.id);
      await s().users.create(user2);
      const device2 = await s().devices.upsert(makeDevice(org.id));
      const live = makeRefresh(user.id, device.id);
      const expired = makeRefresh(user.id, device.id, { expiresAt: T0 - 1 });
      const revoked = makeRefresh(user.id, device.id, { revokedAt: T0 - 5 });
      const other = makeRefresh(user2.id, device2.id);
      const otherOfUser = makeRefresh(user.id, device2.id);
      for (const t of [live, expired, revoked, other, otherOfUser]) await s().refreshTokens.create(t);
      assert.deepEqual(await s().refreshTokens.listActiveForDevice(device.id, T0), [live]);
      assert.equal(await s().refreshTokens.revokeForDevice(device.id, T0 + 1), 2);
      assert.equal(await s().refreshTokens.revokeForDevice(device.id, T0 + 2), 0);
      assert.deepEqual(await s().refreshTokens.listActiveForDevice(device.id, T0), []);
      assert.equal((await s().refreshTokens.getByHash(revoked.tokenHash))?.revokedAt, T0 - 5);
      assert.equal(await s().refreshTokens.revokeForUser(user.id, T0 + 3), 1);
      assert.deepEqual(await s().refreshTokens.listActiveForDevice(device2.id, T0), [other]);
      await rejectsWith(s().refreshTokens.create({ ...makeRefresh(user.id, device.id), tokenHash: live.tokenHash }), 'conflict');
    });

    it('purges expired tokens and unrotated revoked ones, keeping rotated ones until they expire, in batches', async () => {
      const { user, device } = await seed(s());
      const cut = { expiredBefore: T0, revokedBefore: T0 - HOUR };
      const live = makeRefresh(user.id, device.id, { expiresAt: T0 + HOUR });
      const expired = makeRefresh(user.id, device.id, { expiresAt: T0 - 1 });
      const expiredAtEdge = makeRefresh(user.id, device.id, { expiresAt: T0 });
      const revokedLongAgo = makeRefresh(user.id, device.id, { revokedAt: T0 - HOUR - 1 });
      const revokedRecently = makeRefresh(user.id, device.id, { revokedAt: T0 - HOUR });
      const rotatedLongAgo = makeRefresh(user.id, device.id, { revokedAt: T0 - 5 * HOUR, replacedById: live.id });
      const rotatedExpired = makeRefresh(user.id, device.id, { revokedAt: T0 - 5 * HOUR, replacedById: live.id, expiresAt: T0 - 1 });
      const all = [live, expired, expiredAtEdge, revokedLongAgo, revokedRecently, rotatedLongAgo, rotatedExpired];
      for (const t of all) await s().refreshTokens.create(t);
      assert.equal(await s().refreshTokens.purgeEnded(cut, 2), 2);
      assert.equal(await s().refreshTokens.purgeEnded(cut, 2), 1);
      assert.equal(await s().refreshTokens.purgeEnded(cut, 2), 0);
      const kept = [];
      for (const t of all) if (await s().refreshTokens.getByHash(t.tokenHash)) kept.push(t.id);
      assert.deepEqual(kept.sort(), [live, expiredAtEdge, revokedRecently, rotatedLongAgo].map((t) => t.id).sort());
      await rejectsWith(s().refreshTokens.purgeEnded(cut, 0), 'malformed_request');
    });
  });

  describe('bearer tokens', () => {
    const s = storeHook(make);

    it('stores by hash with scopes and amr, and revokes per user', async () => {
      const { org, user } = await seed(s());
      const other = makeUser(org.id);
      await s().users.create(other);
      const a = makeBearer(user.id, { scopes: [], amr: ['pwd'] });
      const b = makeBearer(user.id);
      const c = makeBearer(other.id);
      for (const t of [a, b, c]) await s().bearerTokens.create(t);
      assert.deepEqual(await s().bearerTokens.getByHash(a.tokenHash), a);
      assert.deepEqual(await s().bearerTokens.getByHash(b.tokenHash), b);
      assert.equal(await s().bearerTokens.getByHash(hashOf('nope')), null);
      assert.equal(await s().bearerTokens.revokeForUser(user.id, T0 + 1), 2);
      assert.equal(await s().bearerTokens.revokeForUser(user.id, T0 + 2), 0);
      assert.equal((await s().bearerTokens.getByHash(a.tokenHash))?.revokedAt, T0 + 1);
      assert.equal((await s().bearerTokens.getByHash(c.tokenHash))?.revokedAt, null);
    });

    it('purges tokens expired or revoked before the cutoff, at most `limit` per call', async () => {
      const { user } = await seed(s());
      const live = makeBearer(user.id, { expiresAt: T0 + HOUR });
      const edge = makeBearer(user.id, { expiresAt: T0, revokedAt: T0 });
      const expired = makeBearer(user.id, { expiresAt: T0 - 1 });
      const revoked = makeBearer(user.id, { expiresAt: T0 + HOUR, revokedAt: T0 - 1 });
      for (const t of [live, edge, expired, revoked]) await s().bearerTokens.create(t);
      assert.equal(await s().bearerTokens.purgeEnded(T0, 1), 1);
      assert.equal(await s().bearerTokens.purgeEnded(T0, 1000), 1);
      assert.equal(await s().bearerTokens.purgeEnded(T0, 1000), 0);
      assert.equal(await s().bearerTokens.getByHash(expired.tokenHash), null);
      assert.equal(await s().bearerTokens.getByHash(revoked.tokenHash), null);
      assert.deepEqual(await s().bearerTokens.getByHash(live.tokenHash), live);
      assert.deepEqual(await s().bearerTokens.getByHash(edge.tokenHash), edge);
    });
  });

  describe('registration tokens', () => {
    const s = storeHook(make);

    it('stores by hash, lists per organisation and revokes', async () => {
      const { org } = await seed(s());
      const mk = (o: Partial<RegistrationTokenRecord> = {}): RegistrationTokenRecord => ({
        id: newId('rgt'), orgId: org.id, tokenHash: hashOf(newId('secret')), description: 'MDM enrolment',
        createdAt: T0, expiresAt: null, revokedAt: null, ...o,
      });
      const a = mk();
      const b = mk({ expiresAt: T0 + 30 * 24 * HOUR, createdAt: T0 + 1 });
      await s().registrationTokens.create(a);
      await s().registrationTokens.create(b);
      assert.deepEqual(await s().registrationTokens.getByHash(a.tokenHash), a);
      assert.deepEqual(await s().registrationTokens.list(org.id), [a, b]);
      assert.deepEqual(await s().registrationTokens.list('org_missing'), []);
      assert.equal(await s().registrationTokens.revoke(a.id, T0 + 5), true);
      assert.equal(await s().registrationTokens.revoke(a.id, T0 + 6), true);
      assert.equal((await s().registrationTokens.getByHash(a.tokenHash))?.revokedAt, T0 + 5);
      assert.equal(await s().registrationTokens.revoke('rgt_missing', T0), false);
      await rejectsWith(s().registrationTokens.create(mk({ tokenHash: a.tokenHash })), 'conflict');
    });
  });

  describe('server keys', () => {
    const s = storeHook(make);

    it('creates, lists and moves keys through their statuses', async () => {
      const mk = (o: Partial<ServerKeyRecord>): ServerKeyRecord => ({
        kid: newId('kid'), use: 'sig', alg: 'ES256', publicJwk: '{"kty":"EC","crv":"P-256","x":"x","y":"y"}',
        sealedPrivateJwk: new Uint8Array([0, 1, 2, 254, 255]), status: 'active', createdAt: T0, retiredAt: null, ...o,
      });
      const sig = mk({});
      const enc = mk({ use: 'enc', alg: 'ECDH-ES', createdAt: T0 + 1 });
      await s().serverKeys.create(sig);
      await s().serverKeys.create(enc);
      assert.deepEqual(await s().serverKeys.list(), [sig, enc]);
      assert.equal(await s().serverKeys.setStatus(sig.kid, 'published', T0 + 2), true);
      assert.equal(await s().serverKeys.setStatus(sig.kid, 'retired', T0 + 3), true);
      assert.deepEqual((await s().serverKeys.list())[0], { ...sig, status: 'retired', retiredAt: T0 + 3 });
      assert.equal(await s().serverKeys.setStatus('kid_missing', 'retired', T0), false);
      await rejectsWith(s().serverKeys.create(sig), 'conflict');
    });
  });
}
