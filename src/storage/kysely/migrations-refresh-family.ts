// Migration 0004_refresh_family: refresh token families for reuse detection and the one-time grace
// re-issue after a lost reply (OAuth 2.0 Security BCP, RFC 9700 §4.14.2).
import { sql, type Kysely, type Migration } from 'kysely';

// Migrations receive Kysely<any> because they describe the schema before the typed DB exists.
type AnyDb = Kysely<any>;

export function refreshFamily(): Migration {
  return {
    async up(db: AnyDb) {
      // Nullable, with no default: SQLite cannot add a NOT NULL column without one, and a shared
      // default such as '' would put every row an older server writes during a rolling upgrade
      // into one family, which a single reuse would then revoke wholesale. The adapter reads a
      // null as "its own family" instead.
      await db.schema.alterTable('refresh_tokens').addColumn('family_id', 'text').execute();
      await db.schema.alterTable('refresh_tokens').addColumn('grace_used_at', 'bigint').execute();
      // Existing rows start their own family. A chain rotated before the upgrade is thus split
      // into one family per token until those tokens expire (one refresh lifetime at most).
      await db.updateTable('refresh_tokens').set({ family_id: sql.ref('id') }).execute();
      await db.schema.createIndex('refresh_tokens_family_idx').on('refresh_tokens').columns(['family_id']).execute();
    },
  };
}
