// Opens a PostgreSQL connection pool, optionally confined to one schema, and wraps it in the Kysely store.
import pg from 'pg';
import { Kysely, PostgresDialect, sql } from 'kysely';
import { PssoError } from '../../errors/psso-error.js';
import type { Store } from '../ports.js';
import { createKyselyStore } from '../kysely/kysely-store.js';
import type { DB } from '../kysely/schema.js';
import { queryTimingLogger, type QueryObserver } from '../kysely/query-timing.js';

const INT8_OID = 20;

// pg returns bigint as string to avoid precision loss; our bigints are epoch millis and counts,
// far below 2^53, so numbers are exact. Per pool, so other pg users in the process are untouched.
const types: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID && format !== 'binary' ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format)) as pg.CustomTypesConfig['getTypeParser'],
};

export interface PostgresOptions {
  url: string;
  /** Schema for the tables; created if missing. Lets tests run isolated and drop it afterwards. */
  schema?: string;
  /** Sees every statement's kind and duration (the database latency metric). */
  observeQueries?: QueryObserver;
}

export async function openPostgres(opts: PostgresOptions): Promise<Store> {
  const { schema } = opts;
  // The name goes into a connection option and DDL, so only plain identifiers are accepted.
  if (schema !== undefined && !/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) {
    throw new PssoError('invalid_configuration', `postgres schema name ${JSON.stringify(schema)} must match [a-z_][a-z0-9_]*`);
  }
  const pool = new pg.Pool({
    connectionString: opts.url,
    types,
    ...(schema !== undefined ? { options: `-c search_path=${schema}` } : {}),
  });
  // An idle client that loses its server emits 'error'; without a listener that crashes the process.
  pool.on('error', () => {});
  const db = new Kysely<DB>({
    dialect: new PostgresDialect({ pool }),
    ...(opts.observeQueries ? { log: queryTimingLogger(opts.observeQueries) } : {}),
  });
  if (schema !== undefined) {
    try {
      await sql`create schema if not exists ${sql.id(schema)}`.execute(db);
    } catch (e) {
      await db.destroy();
      throw e;
    }
  }
  return createKyselyStore(db, { kind: 'postgres', ...(schema !== undefined ? { schema } : {}) });
}
