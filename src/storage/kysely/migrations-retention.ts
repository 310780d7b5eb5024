// Migration 0005_retention: indexes that let the retention job find ended rows without scanning the
// token tables (nonces, sign-in sessions and sign-in logs already have theirs).
import type { Kysely, Migration } from 'kysely';

// Migrations receive Kysely<any> because they describe the schema before the typed DB exists.
type AnyDb = Kysely<any>;

export function retention(): Migration {
  return {
    async up(db: AnyDb) {
      const index = (name: string, table: string, column: string) => db.schema.createIndex(name).on(table).columns([column]).execute();
      // Refresh tokens are purged by expiry, or by revocation time when revoked without rotation: one
      // index per column lets both engines answer the OR from indexes.
      await index('refresh_tokens_expires_idx', 'refresh_tokens', 'expires_at');
      await index('refresh_tokens_revoked_idx', 'refresh_tokens', 'revoked_at');
      await index('bearer_tokens_expires_idx', 'bearer_tokens', 'expires_at');
      await index('bearer_tokens_revoked_idx', 'bearer_tokens', 'revoked_at');
      await index('temporary_access_passes_expires_idx', 'temporary_access_passes', 'expires_at');
    },
  };
}
