// The retention job on SQLite and PostgreSQL: ended rows of every growing table go in bounded
// batches, live ones stay; the per-run cap leaves the rest for the next run; the scheduler never
// overlaps runs; and `openpsso retention purge` reports counts per table.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { openStore } from '../../src/storage/open-store.js';
import type { Store } from '../../src/storage/ports.js';
import { ManualClock } from '../../src/app/clock.js';
import { runRetention, scheduleRetention } from '../../src/app/retention.js';
import { configuredPg, dropPgSchema, pgUnreachableReason, pgUrl } from '../helpers/postgres.js';
import { startTestServer } from '../helpers/test-server.js';
import { makeBearer, makeNonce, makeRefresh, seed } from '../storage/conformance/fixtures.js';
import { makeSession, makeSignIn, makeTap } from '../storage/conformance/fixtures-access.js';
import { runCli } from '../helpers/cli.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const NOW = Date.UTC(2026, 11, 7, 12, 0, 0);
const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

async function addExpiredNonces(store: Store, n: number, at: number): Promise<void> {
  // One transaction: 2,500 autocommitted inserts would dominate the test's time on PostgreSQL.
  await store.transaction(async (tx) => {
    for (let i = 0; i < n; i++) await tx.nonces.create(makeNonce({ createdAt: at - HOUR, expiresAt: at - 20 * MIN - i }));
  });
}

const pgReason = await pgUnreachableReason();
const engines: { name: string; skip: string | false; open: () => Promise<{ store: Store; done: () => Promise<void> }> }[] = [
  { name: 'sqlite', skip: false, open: async () => { const store = await openStore({ kind: 'sqlite', file: ':memory:' }); return { store, done: () => store.close() }; } },
  {
    name: 'postgres',
    skip: pgReason !== null && !configuredPg ? `${pgReason}; set OPENPSSO_TEST_PG to run it` : false,
    open: async () => {
      if (pgReason !== null) assert.fail(pgReason);
      const schema = `openpsso_ret_${randomBytes(6).toString('hex')}`;
      const store = await openStore({ kind: 'postgres', url: pgUrl, schema });
      return { store, done: async () => { await store.close(); await dropPgSchema(schema); } };
    },
  },
];

for (const engine of engines) {
  describe(`retention job on ${engine.name}`, { skip: engine.skip }, () => {
    let store: Store;
    let done: () => Promise<void>;
    const clock = new ManualClock(NOW);
    before(async () => ({ store, done } = await engine.open()));
    after(async () => { await done?.(); });

    it('purges ended rows of every table in batches of at most 1,000 and keeps live ones', async () => {
      const { org, user, device } = await seed(store);
      await addExpiredNonces(store, 2500, NOW);
      const liveNonce = makeNonce({ expiresAt: NOW + 5 * MIN });
      const justExpiredNonce = makeNonce({ expiresAt: NOW - MIN }); // inside the 10-minute keep
      for (const n of [liveNonce, justExpiredNonce]) await store.nonces.create(n);

      const rt = (o: Parameters<typeof makeRefresh>[2]) => makeRefresh(user.id, device.id, o);
      const refresh = {
        live: rt({ expiresAt: NOW + DAY }),
        expired: rt({ expiresAt: NOW - 2 * HOUR }),
        revokedLongAgo: rt({ revokedAt: NOW - 2 * DAY, expiresAt: NOW + DAY }),
        revokedToday: rt({ revokedAt: NOW - HOUR, expiresAt: NOW + DAY }),
        // Rotated two days ago but not yet expired: kept so a replay is still seen as reuse.
        rotatedUnexpired: rt({ revokedAt: NOW - 2 * DAY, replacedById: 'rt_next', expiresAt: NOW + DAY }),
        rotatedExpired: rt({ revokedAt: NOW - 3 * DAY, replacedById: 'rt_next', expiresAt: NOW - 2 * HOUR }),
      };
      for (const t of Object.values(refresh)) await store.refreshTokens.create(t);
      const bearer = { live: makeBearer(user.id, { expiresAt: NOW + MIN }), expired: makeBearer(user.id, { expiresAt: NOW - 2 * HOUR }) };
      for (const t of Object.values(bearer)) await store.bearerTokens.create(t);
      const session = { live: makeSession(org.id, { expiresAt: NOW + MIN }), expired: makeSession(org.id, { expiresAt: NOW - MIN }) };
      for (const x of Object.values(session)) await store.signInSessions.create(x);
      const tap = { live: makeTap(user.id, { expiresAt: NOW + HOUR }), old: makeTap(user.id, { expiresAt: NOW - 8 * DAY }), recent: makeTap(user.id, { expiresAt: NOW - DAY }) };
      for (const t of Object.values(tap)) await store.temporaryAccessPasses.create(t);
      const log = { recent: makeSignIn({ createdDateTime: iso(NOW - DAY) }), old: makeSignIn({ createdDateTime: iso(NOW - 31 * DAY) }) };
      for (const r of Object.values(log)) await store.signInLogs.append(org.id, r);
      // Credential guard state: a day-old bucket is full again, a lock that ended two days ago and a
      // network unused for 100 days no longer matter; the recent ones stay.
      const g = store.credentialGuard;
      await g.take('src:old', { burst: 5, perSecond: 1 }, NOW - 2 * DAY);
      await g.take('src:recent', { burst: 5, perSecond: 1 }, NOW - MIN);
      await g.markFamiliar('acct:x', 'v4:old', NOW - 100 * DAY);
      await g.markFamiliar('acct:x', 'v4:recent', NOW - 10 * DAY);
      await store.lockouts.recordFailure('acct:old#u', NOW - 2 * DAY, { windowMs: 15 * MIN, threshold: 1, lockMs: MIN });
      await store.lockouts.recordFailure('acct:recent#u', NOW - MIN, { windowMs: 15 * MIN, threshold: 1, lockMs: HOUR });

      // The OpenID Provider's artefacts: an expired code goes, a live session and one without expiry stay.
      const artefact = (model: string, id: string, expiresAt: number | null) => ({ model, id, payload: '{}', grantId: null, uid: null, userCode: null, expiresAt });
      await store.oidcArtefacts.upsert(artefact('AuthorizationCode', 'old', NOW - MIN));
      await store.oidcArtefacts.upsert(artefact('Session', 'live', NOW + HOUR));
      await store.oidcArtefacts.upsert(artefact('Grant', 'forever', null));

      const webState = (stateHash: string, expiresAt: number) => store.webLoginStates.create({ stateHash, orgId: org.id, clientId: 'c', nonce: 'n', loginHint: null, createdAt: expiresAt - 10 * MIN, expiresAt, usedAt: null });
      await webState('web-old', NOW - HOUR);
      await webState('web-recent', NOW - MIN);
      await store.webLoginCodes.create({
        codeHash: 'code-old', orgId: org.id, userId: user.id, deviceId: device.id, state: 's', nonce: null, scope: 'openid', clientId: 'c', amr: ['pwd'],
        authTime: NOW - HOUR, createdAt: NOW - HOUR, expiresAt: NOW - HOUR + 5 * MIN, usedAt: null,
      });
      const report = await runRetention({ store, clock }, { batchSize: 1000 });
      assert.deepEqual(report, {
        nonces: { deleted: 2500, batches: 3, capped: false },
        refreshTokens: { deleted: 3, batches: 1, capped: false },
        bearerTokens: { deleted: 1, batches: 1, capped: false },
        signInSessions: { deleted: 1, batches: 1, capped: false },
        temporaryAccessPasses: { deleted: 1, batches: 1, capped: false },
        signInLogs: { deleted: 1, batches: 1, capped: false },
        credentialGuard: { deleted: 3, batches: 1, capped: false },
        oidcArtefacts: { deleted: 1, batches: 1, capped: false },
        webLogin: { deleted: 2, batches: 1, capped: false },
      });
      assert.deepEqual(await store.oidcArtefacts.countByModel(), { Session: 1, Grant: 1 });
      assert.ok(await store.webLoginStates.get('web-recent'), 'a state expired moments ago is kept, to be told apart from unknown');
      assert.equal(await g.isFamiliar('acct:x', 'v4:recent'), true);
      assert.equal(await g.isFamiliar('acct:x', 'v4:old'), false);
      assert.deepEqual((await store.lockouts.getMany(['acct:old#u', 'acct:recent#u'])).map((r) => r.key), ['acct:recent#u']);

      assert.equal(await store.nonces.consume(liveNonce.value, NOW), 'ok');
      assert.equal(await store.nonces.consume(justExpiredNonce.value, NOW), 'expired', 'still told apart from unknown');
      const keptRefresh = [];
      for (const [name, t] of Object.entries(refresh)) if (await store.refreshTokens.getByHash(t.tokenHash)) keptRefresh.push(name);
      assert.deepEqual(keptRefresh, ['live', 'revokedToday', 'rotatedUnexpired']);
      assert.ok(await store.bearerTokens.getByHash(bearer.live.tokenHash));
      assert.equal(await store.bearerTokens.getByHash(bearer.expired.tokenHash), null);
      assert.ok(await store.signInSessions.get(session.live.id, NOW));
      assert.deepEqual((await store.temporaryAccessPasses.listUsable(user.id, NOW)).map((t) => t.id), [tap.live.id]);
      assert.ok(await store.signInLogs.get(org.id, log.recent.id));
      assert.equal(await store.signInLogs.get(org.id, log.old.id), null);

      const again = await runRetention({ store, clock }, { batchSize: 1000 });
      assert.ok(Object.values(again).every((t) => t.deleted === 0 && t.batches === 1), JSON.stringify(again));
    });

    it('stops a table at the per-run cap and finishes it on the next run', async () => {
      await addExpiredNonces(store, 2500, NOW);
      const first = await runRetention({ store, clock }, { batchSize: 1000, maxBatchesPerTable: 2 });
      assert.deepEqual(first.nonces, { deleted: 2000, batches: 2, capped: true });
      const second = await runRetention({ store, clock }, { batchSize: 1000, maxBatchesPerTable: 2 });
      assert.deepEqual(second.nonces, { deleted: 500, batches: 1, capped: false });
    });
  });
}

describe('retention schedule', () => {
  it('never overlaps runs, even when a run outlasts the interval, and stop() waits for the one in flight', async () => {
    const store = await openStore({ kind: 'sqlite', file: ':memory:' });
    let inFlight = 0;
    let maxInFlight = 0;
    let runs = 0;
    let finished = 0;
    const slowNonces = {
      ...store.nonces,
      // Each run's first statement takes 30 ms against a 1 ms interval.
      purgeExpired: async (before: number, limit: number) => {
        inFlight++; runs++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        await new Promise((r) => setTimeout(r, 30));
        inFlight--;
        return store.nonces.purgeExpired(before, limit);
      },
    };
    const schedule = scheduleRetention({ store: { ...store, nonces: slowNonces }, clock: new ManualClock(NOW) }, {
      intervalMs: 1, onRun: () => { finished++; }, onError: (e) => assert.fail(String(e)),
    });
    // A referenced timer keeps this test alive while the unref'd schedule runs.
    await new Promise((r) => setTimeout(r, 200));
    await schedule.stop();
    const afterStop = runs;
    assert.equal(inFlight, 0, 'stop() waited for the run in flight');
    assert.equal(finished, runs, 'every started run finished');
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(runs, afterStop, 'no run after stop()');
    assert.ok(runs >= 2, `${runs} runs`);
    assert.equal(maxInFlight, 1);
    await store.close();
  });
});

describe('openpsso retention purge', () => {
  it('purges in batches and reports counts per table', async () => {
    const s = await startTestServer();
    try {
      // The CLI reads the real clock.
      await addExpiredNonces(s.ctx.store, 2500, Date.now());
      const out = await runCli(s.dataDir, 'retention', 'purge', '--batch-size', '1000');
      assert.equal(out.code, 0, out.err);
      assert.match(out.out, /^nonces\s+2500 row\(s\) purged in 3 batch\(es\)$/m);
      for (const table of ['refreshTokens', 'bearerTokens', 'signInSessions', 'temporaryAccessPasses', 'signInLogs', 'credentialGuard', 'oidcArtefacts']) {
        assert.match(out.out, new RegExp(`^${table}\\s+\\d+ row\\(s\\) purged in \\d+ batch\\(es\\)$`, 'm'));
      }
    } finally {
      await s.close();
    }
  });
});
