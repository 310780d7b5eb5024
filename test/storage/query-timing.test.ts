// The database latency metric's source: every statement through the Kysely layer reaches the
// observer with its kind (read, write, transaction) and whether it failed, on SQLite and PostgreSQL.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { openStore } from '../../src/storage/open-store.js';
import type { QueryKind } from '../../src/storage/kysely/query-timing.js';
import { configuredPg, dropPgSchema, pgUnreachableReason, pgUrl } from '../helpers/postgres.js';

const pgReason = await pgUnreachableReason();

for (const kind of ['sqlite', 'postgres'] as const) {
  describe(`query timing on ${kind}`, { skip: kind === 'postgres' && pgReason !== null && !configuredPg ? `${pgReason}` : false }, () => {
    it('sees reads, writes, transactions and failures, each with a duration', async () => {
      const seen: { kind: QueryKind; seconds: number; failed: boolean }[] = [];
      const observeQueries = (k: QueryKind, seconds: number, failed: boolean) => { seen.push({ kind: k, seconds, failed }); };
      const schema = `openpsso_t_${randomBytes(6).toString('hex')}`;
      const store = await openStore(kind === 'sqlite' ? { kind, file: ':memory:', observeQueries } : { kind, url: pgUrl, schema, observeQueries });
      try {
        seen.length = 0; // migrations are 'other' and reads; count only what follows
        await store.organisations.create({ id: 'org_t', name: 'T', createdAt: 1 });
        assert.deepEqual(seen.map((s) => [s.kind, s.failed]), [['write', false]]);
        seen.length = 0;
        assert.equal((await store.organisations.get('org_t'))?.name, 'T');
        assert.deepEqual(seen.map((s) => [s.kind, s.failed]), [['read', false]]);
        seen.length = 0;
        await store.transaction(async (tx) => { await tx.organisations.create({ id: 'org_u', name: 'U', createdAt: 1 }); });
        assert.deepEqual(seen.map((s) => s.kind), ['transaction', 'write', 'transaction']);
        seen.length = 0;
        // A user in an organisation that does not exist: the foreign key refuses the insert.
        await assert.rejects(store.users.create({ id: 'usr_x', orgId: 'org_missing', userPrincipalName: 'x@example.test', displayName: 'X', createdAt: 1 } as never));
        assert.deepEqual(seen.map((s) => [s.kind, s.failed]), [['write', true]]);
        assert.ok(seen.every((s) => Number.isFinite(s.seconds) && s.seconds >= 0));
      } finally {
        await store.close();
        if (kind === 'postgres') await dropPgSchema(schema);
      }
    });
  });
}
