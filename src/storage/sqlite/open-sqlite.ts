// Opens a SQLite database file (or ':memory:') with better-sqlite3 and wraps it in the Kysely store.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import type { Store } from '../ports.js';
import { createKyselyStore } from '../kysely/kysely-store.js';
import type { DB } from '../kysely/schema.js';

export function openSqlite(file: string): Store {
  const inMemory = file === ':memory:' || file === '';
  if (!inMemory) mkdirSync(dirname(file), { recursive: true });
  const sqlite = new Database(file);
  // WAL lets readers (the CLI, a doctor run) work while the server writes; NORMAL sync is safe with WAL.
  if (!inMemory) sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  // Off by default in SQLite; the schema relies on them.
  sqlite.pragma('foreign_keys = ON');
  // Another process (a CLI command) may hold the write lock briefly: wait instead of failing.
  sqlite.pragma('busy_timeout = 5000');
  const db = new Kysely<DB>({ dialect: new SqliteDialect({ database: sqlite }) });
  return createKyselyStore(db, { kind: 'sqlite' });
}
