// Opens a SQLite database file (or ':memory:') with better-sqlite3 and wraps it in the Kysely store.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { PssoError } from '../../errors/psso-error.js';
import type { Store } from '../ports.js';
import { createKyselyStore } from '../kysely/kysely-store.js';
import type { DB } from '../kysely/schema.js';
import { queryTimingLogger, type QueryObserver } from '../kysely/query-timing.js';

/**
 * Kysely's SQLite driver prepares every statement again on each call; preparing was ~8% of a token
 * request's CPU. Statements are reusable in better-sqlite3, so cache them by SQL text (bounded).
 */
function withStatementCache(sqlite: Database.Database, max = 500): Database.Database {
  const cache = new Map<string, Database.Statement>();
  return new Proxy(sqlite, {
    get(target, prop, receiver) {
      if (prop !== 'prepare') {
        const v = Reflect.get(target, prop, receiver) as unknown;
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
      }
      return (sql: string) => {
        let stmt = cache.get(sql);
        if (!stmt) {
          stmt = target.prepare(sql);
          if (cache.size >= max) cache.delete(cache.keys().next().value as string);
          cache.set(sql, stmt);
        }
        return stmt;
      };
    },
  });
}

export function openSqlite(file: string, observeQueries?: QueryObserver): Store {
  const inMemory = file === ':memory:' || file === '';
  let sqlite: Database.Database | undefined;
  try {
    if (!inMemory) mkdirSync(dirname(file), { recursive: true });
    sqlite = new Database(file);
    // WAL lets readers (the CLI, a doctor run) work while the server writes; NORMAL sync is safe with WAL.
    // On a new database switching to WAL writes the file, so a read-only directory fails here, at once.
    if (!inMemory) sqlite.pragma('journal_mode = WAL');
  } catch (e) {
    sqlite?.close();
    throw new PssoError('startup_database_unwritable', `${file}: ${(e as Error).message}`);
  }
  sqlite.pragma('synchronous = NORMAL');
  // Off by default in SQLite; the schema relies on them.
  sqlite.pragma('foreign_keys = ON');
  // Another process (a CLI command) may hold the write lock briefly: wait instead of failing.
  sqlite.pragma('busy_timeout = 5000');
  // The default 2 MiB page cache stops holding the token endpoint's indexes somewhere below 100,000
  // devices; 64 MiB plus memory-mapped reads keeps lookups flat as the fleet grows.
  sqlite.pragma('cache_size = -65536');
  if (!inMemory) sqlite.pragma('mmap_size = 268435456');
  const db = new Kysely<DB>({
    dialect: new SqliteDialect({ database: withStatementCache(sqlite) }),
    ...(observeQueries ? { log: queryTimingLogger(observeQueries) } : {}),
  });
  return createKyselyStore(db, { kind: 'sqlite' });
}
