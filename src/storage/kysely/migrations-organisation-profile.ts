// Migration 0006_organisation_profile: the organisation's domains (Entra's verifiedDomains), which
// user names must use, and directory role assignments (Entra's built-in role names) per user.
import type { Kysely, Migration } from 'kysely';

// Migrations receive Kysely<any> because they describe the schema before the typed DB exists.
type AnyDb = Kysely<any>;

export function organisationProfile(): Migration {
  return {
    async up(db: AnyDb) {
      // Names are stored lower-cased ASCII (IDNA A-labels) by the adapter, so the primary key is the
      // case-insensitive uniqueness rule on both engines.
      await db.schema.createTable('organisation_domains')
        .addColumn('org_id', 'text', (c) => c.notNull().references('organisations.id'))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('is_default', 'integer', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('organisation_domains_pk', ['org_id', 'name'])
        .execute();

      await db.schema.createTable('directory_role_assignments')
        .addColumn('org_id', 'text', (c) => c.notNull().references('organisations.id'))
        // Cascade like group membership: a deleted user holds no role.
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('role', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('directory_role_assignments_pk', ['user_id', 'role'])
        .execute();
      await db.schema.createIndex('directory_role_assignments_org_idx').on('directory_role_assignments').columns(['org_id', 'role']).execute();
    },
  };
}
