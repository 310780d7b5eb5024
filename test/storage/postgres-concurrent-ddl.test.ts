// Starting on PostgreSQL while something else creates and drops schemas in the same database (other
// tenants, parallel test runs): the migration must not fail because another schema vanished.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { backends } from '../helpers/backends.js';
import { dropPgSchema, pgUrl } from '../helpers/postgres.js';
import { openStore } from '../../src/storage/open-store.js';

const postgres = backends().find((b) => b.name === 'postgres')!;

describe('PostgreSQL migrations beside concurrent DDL', { skip: postgres.skip }, () => {
  it('open and migrate fresh schemas while other schemas are created and dropped', async () => {
    postgres.check();
    const churn = new pg.Client({ connectionString: pgUrl });
    await churn.connect();
    let stop = false;
    const prefix = `openpsso_churn_${randomBytes(4).toString('hex')}`;
    const loop = (async () => {
      for (let i = 0; !stop; i++) {
        const s = `${prefix}_${i}`;
        await churn.query(`create schema "${s}"; create table "${s}".t (id serial primary key, a text, b text, c text)`);
        await churn.query(`drop schema "${s}" cascade`);
      }
    })();
    const mine: string[] = [];
    try {
      for (let i = 0; i < 4; i++) {
        const schema = `openpsso_ddl_${randomBytes(6).toString('hex')}`;
        mine.push(schema);
        const store = await openStore({ kind: 'postgres', url: pgUrl, schema });
        await store.close();
      }
    } finally {
      stop = true;
      await loop.catch(() => undefined);
      await churn.end();
      for (const s of mine) await dropPgSchema(s);
    }
    assert.equal(mine.length, 4);
  });
});
