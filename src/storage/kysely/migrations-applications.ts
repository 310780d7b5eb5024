// Migration 0008_applications: OIDC clients (Graph's `application`), read by the OpenID Provider by
// client_id, with the client secret sealed under the master key.
import type { Kysely, Migration } from 'kysely';
import type { StoreKind } from './migrations.js';

// Migrations receive Kysely<any> because they describe the schema before the typed DB exists.
type AnyDb = Kysely<any>;

export function applications(kind: StoreKind): Migration {
  const bytes = kind === 'postgres' ? 'bytea' : 'blob';
  return {
    async up(db: AnyDb) {
      await db.schema.createTable('applications')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('org_id', 'text', (c) => c.notNull().references('organisations.id'))
        // Lower-case GUID; the client_id every token request names, so unique on its own.
        .addColumn('app_id', 'text', (c) => c.notNull().unique())
        .addColumn('display_name', 'text', (c) => c.notNull())
        .addColumn('client_type', 'text', (c) => c.notNull())
        .addColumn('token_endpoint_auth_method', 'text', (c) => c.notNull())
        // JSON text: lists and the JWKS are read and written whole, never queried.
        .addColumn('redirect_uris', 'text', (c) => c.notNull())
        .addColumn('post_logout_redirect_uris', 'text', (c) => c.notNull())
        .addColumn('grant_types', 'text', (c) => c.notNull())
        .addColumn('jwks', 'text')
        .addColumn('sealed_secret', bytes)
        .addColumn('secret_key_id', 'text')
        .addColumn('secret_hint', 'text')
        .addColumn('secret_created_at', 'bigint')
        .addColumn('released_claims', 'text', (c) => c.notNull())
        .addColumn('enabled', 'integer', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('modified_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('applications_org_idx').on('applications').columns(['org_id', 'display_name']).execute();
    },
  };
}
