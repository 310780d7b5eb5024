// Migration 0007_oidc_provider: one table for the OpenID Provider's artefacts (oidc-provider's
// Adapter models), keyed by (model, id), with the lookups its Adapter interface makes indexed.
import type { Kysely, Migration } from 'kysely';

// Migrations receive Kysely<any> because they describe the schema before the typed DB exists.
type AnyDb = Kysely<any>;

export function oidcProvider(): Migration {
  return {
    async up(db: AnyDb) {
      await db.schema.createTable('oidc_artefacts')
        .addColumn('model', 'text', (c) => c.notNull())
        .addColumn('id', 'text', (c) => c.notNull())
        .addColumn('payload', 'text', (c) => c.notNull())
        .addColumn('grant_id', 'text')
        .addColumn('uid', 'text')
        .addColumn('user_code', 'text')
        .addColumn('expires_at', 'bigint')
        .addColumn('consumed_at', 'bigint')
        .addPrimaryKeyConstraint('oidc_artefacts_pk', ['model', 'id'])
        .execute();
      // revokeByGrantId (code replay, refresh token reuse, logout) deletes a grant's rows at once.
      await db.schema.createIndex('oidc_artefacts_grant_idx').on('oidc_artefacts').columns(['grant_id']).execute();
      await db.schema.createIndex('oidc_artefacts_uid_idx').on('oidc_artefacts').columns(['model', 'uid']).execute();
      await db.schema.createIndex('oidc_artefacts_user_code_idx').on('oidc_artefacts').columns(['model', 'user_code']).execute();
      await db.schema.createIndex('oidc_artefacts_expires_idx').on('oidc_artefacts').columns(['expires_at']).execute();
    },
  };
}
