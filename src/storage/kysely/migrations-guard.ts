// Migration 0003_credential_guard: shared throttle buckets and familiar addresses for the credential
// guard, and a lock counter on lockouts so each lock in a row lasts longer (smart lockout).
import { sql, type Kysely, type Migration } from 'kysely';
import type { StoreKind } from './migrations.js';

// Migrations receive Kysely<any> because they describe the schema before the typed DB exists.
type AnyDb = Kysely<any>;

export function credentialGuard(kind: StoreKind): Migration {
  // Token counts are fractional (tokens regained per millisecond); REAL is a double on SQLite.
  const fractional = kind === 'postgres' ? 'double precision' : 'real';
  return {
    async up(db: AnyDb) {
      await db.schema.createTable('throttle_buckets')
        .addColumn('bucket_key', 'text', (c) => c.primaryKey())
        .addColumn('tokens', sql.raw(fractional), (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        // Whether the last take succeeded: the one upsert both decides and reports.
        .addColumn('last_allowed', 'integer', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('throttle_buckets_updated_idx').on('throttle_buckets').columns(['updated_at']).execute();

      await db.schema.createTable('familiar_addresses')
        .addColumn('account_key', 'text', (c) => c.notNull())
        .addColumn('address_key', 'text', (c) => c.notNull())
        .addColumn('last_seen', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('familiar_addresses_pk', ['account_key', 'address_key'])
        .execute();
      await db.schema.createIndex('familiar_addresses_seen_idx').on('familiar_addresses').columns(['last_seen']).execute();

      await db.schema.alterTable('lockouts').addColumn('lock_count', 'integer', (c) => c.notNull().defaultTo(0)).execute();
      await db.schema.createIndex('lockouts_window_idx').on('lockouts').columns(['window_start']).execute();
    },
  };
}
