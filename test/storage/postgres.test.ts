// Runs the storage conformance suite on PostgreSQL, each test in a fresh random schema dropped afterwards.
// OPENPSSO_TEST_PG names the server (CI sets it: unreachable is then a failure); without it the local
// default is tried and the suite is skipped, with the reason, when nothing answers.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import pg from 'pg';
import { openStore } from '../../src/storage/open-store.js';
import { runStoreConformance } from './conformance.js';
import { configuredPg, dropPgSchema, pgUnreachableReason, pgUrl } from '../helpers/postgres.js';

const configured = configuredPg;
const url = pgUrl;
const dropSchema = dropPgSchema;

const reason = await pgUnreachableReason();

if (reason !== null && configured) {
  describe('postgres store conformance', () => {
    it('reaches the server named by OPENPSSO_TEST_PG', () => {
      assert.fail(reason);
    });
  });
} else if (reason !== null) {
  describe('postgres store conformance', { skip: `${reason}; set OPENPSSO_TEST_PG to run it` }, () => {});
} else {
  runStoreConformance('postgres', async () => {
    const schema = `openpsso_test_${randomBytes(6).toString('hex')}`;
    const store = await openStore({ kind: 'postgres', url, schema });
    return {
      store,
      cleanup: async () => {
        await store.close();
        await dropSchema(schema);
      },
    };
  });

  describe('postgres setup', () => {
    it('keeps tables and the migration record inside the chosen schema', async () => {
      const schema = `openpsso_test_${randomBytes(6).toString('hex')}`;
      const store = await openStore({ kind: 'postgres', url, schema });
      try {
        await store.migrate();
        const client = new pg.Client({ connectionString: url });
        await client.connect();
        try {
          const r = await client.query<{ table_name: string }>(
            'select table_name from information_schema.tables where table_schema = $1 order by table_name', [schema]);
          const names = r.rows.map((x) => x.table_name);
          for (const t of ['users', 'devices', 'nonces', 'refresh_tokens', 'openpsso_migration']) assert.ok(names.includes(t), t);
          const m = await client.query(`select name from "${schema}".openpsso_migration`);
          assert.deepEqual(m.rows.map((x: { name: string }) => x.name).sort(), ['0001_initial', '0002_access', '0004_refresh_family']);
        } finally {
          await client.end();
        }
      } finally {
        await store.close();
        await dropSchema(schema);
      }
    });

    it('refuses a schema name that is not a plain identifier', async () => {
      await assert.rejects(openStore({ kind: 'postgres', url, schema: 'x"; drop table y' }), /schema name/);
    });
  });
}
