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

/** A server that does not answer at all (a dropped packet, a wrong address) fails start-up after this. */
const CONNECT_TIMEOUT_MS = 5000;

/**
 * Connects once before the pool is built, with a connect timeout, so an unreachable or refusing
 * database fails start-up at once with a clear error. The pool itself keeps pg's default (no
 * connect timeout) so that, under load, waiting for a pooled connection is not turned into errors.
 */
async function probeConnection(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
  client.on('error', () => {});
  try {
    await client.connect();
  } catch (e) {
    throw new PssoError('startup_database_unreachable', `${describeServer(url)}: ${connectFailure(e)}`);
  }
  await client.end().catch(() => {});
}

/** host:port/database, never the user or password. */
function describeServer(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname || 'localhost'}:${u.port || '5432'}${u.pathname.length > 1 ? u.pathname : ''}`;
  } catch {
    return 'database.url';
  }
}

function connectFailure(e: unknown): string {
  const err = e as { code?: string; message?: string };
  switch (err.code) {
    case 'ECONNREFUSED': return 'connection refused (is PostgreSQL running on that host and port?)';
    case 'ENOTFOUND': case 'EAI_AGAIN': return 'host not found';
    case 'ETIMEDOUT': case 'EHOSTUNREACH': case 'ENETUNREACH': return 'no route to the host';
    case '28P01': case '28000': return 'authentication failed for that user';
    case '3D000': return 'that database does not exist';
    default: return /timeout/i.test(err.message ?? '') ? `no answer within ${CONNECT_TIMEOUT_MS / 1000} s` : (err.message ?? String(e));
  }
}

export async function openPostgres(opts: PostgresOptions): Promise<Store> {
  const { schema } = opts;
  // The name goes into a connection option and DDL, so only plain identifiers are accepted.
  if (schema !== undefined && !/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) {
    throw new PssoError('invalid_configuration', `postgres schema name ${JSON.stringify(schema)} must match [a-z_][a-z0-9_]*`);
  }
  await probeConnection(opts.url);
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
