// Migration 0010_dialects: a server nonce may be bound to the client-request-id of the request that
// fetched it (UiO's extension sends the same id with the request that spends it, extensions.md §4.4).
import type { Kysely, Migration } from 'kysely';

// Migrations receive Kysely<any> because they describe the schema before the typed DB exists.
type AnyDb = Kysely<any>;

export function dialects(): Migration {
  return {
    async up(db: AnyDb) {
      await db.schema.alterTable('nonces').addColumn('bound_to', 'text').execute();
    },
  };
}
