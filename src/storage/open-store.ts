// The one entry point the composition root uses to get a Store: picks the adapter from options and
// applies pending migrations.
import type { Store } from './ports.js';
import { openPostgres } from './postgres/open-postgres.js';
import { openSqlite } from './sqlite/open-sqlite.js';
import type { QueryObserver } from './kysely/query-timing.js';

export type OpenStoreOptions = (
  | { kind: 'sqlite'; file: string /* path or ':memory:' */; migrate?: boolean }
  | { kind: 'postgres'; url: string; schema?: string; migrate?: boolean }
) & { observeQueries?: QueryObserver };

/** Opens the configured database and, unless `migrate: false`, brings its schema up to date. */
export async function openStore(opts: OpenStoreOptions): Promise<Store> {
  const store = opts.kind === 'sqlite'
    ? openSqlite(opts.file, opts.observeQueries)
    : await openPostgres({ url: opts.url, ...(opts.schema !== undefined ? { schema: opts.schema } : {}), ...(opts.observeQueries ? { observeQueries: opts.observeQueries } : {}) });
  if (opts.migrate !== false) {
    try {
      await store.migrate();
    } catch (e) {
      await store.close();
      throw e;
    }
  }
  return store;
}
