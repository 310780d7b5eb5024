// Migration 0002_access: tables for sign-in logs, conditional access, named locations, MFA methods,
// temporary access passes, lockouts, admin API clients, organisation settings and sign-in sessions.
import type { Kysely, Migration } from 'kysely';
import type { StoreKind } from './migrations.js';

// Migrations receive Kysely<any> because they describe the schema before the typed DB exists.
type AnyDb = Kysely<any>;

export function access(kind: StoreKind): Migration {
  const bytes = kind === 'postgres' ? 'bytea' : 'blob';
  return {
    async up(db: AnyDb) {
      // Numbers that a $filter or an authenticator can push past 2^31 (error codes up to 10 digits,
      // WebAuthn's uint32 counter, TOTP steps) are bigint so PostgreSQL never rejects a comparison.
      await db.schema.createTable('sign_in_logs')
        .addColumn('org_id', 'text', (c) => c.notNull().references('organisations.id'))
        .addColumn('id', 'text', (c) => c.notNull())
        .addColumn('data', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('error_code', 'bigint', (c) => c.notNull())
        .addColumn('id_key', 'text', (c) => c.notNull())
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('user_principal_name_key', 'text', (c) => c.notNull())
        .addColumn('app_id', 'text', (c) => c.notNull())
        .addColumn('app_display_name_key', 'text', (c) => c.notNull())
        .addColumn('ip_address', 'text', (c) => c.notNull())
        .addColumn('correlation_id', 'text', (c) => c.notNull())
        .addColumn('is_interactive', 'integer', (c) => c.notNull())
        .addColumn('conditional_access_status', 'text', (c) => c.notNull())
        .addColumn('authentication_requirement', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('sign_in_logs_pk', ['org_id', 'id'])
        .execute();
      // The page order itself (id breaks ties), then the filters admins use most: failures by code,
      // one user's sign-ins, and the correlation id a user reads off an error page.
      const log = (name: string, columns: string[]) => db.schema.createIndex(name).on('sign_in_logs').columns(columns).execute();
      await log('sign_in_logs_org_created_idx', ['org_id', 'created_at desc', 'id desc']);
      await log('sign_in_logs_org_error_idx', ['org_id', 'error_code', 'created_at']);
      await log('sign_in_logs_org_upn_idx', ['org_id', 'user_principal_name_key', 'created_at']);
      await log('sign_in_logs_org_user_idx', ['org_id', 'user_id', 'created_at']);
      await log('sign_in_logs_org_correlation_idx', ['org_id', 'correlation_id']);
      // Retention purges across all organisations by age alone.
      await log('sign_in_logs_created_idx', ['created_at']);

      for (const [table, extra] of [['conditional_access_policies', 'state'], ['named_locations', 'is_trusted']] as const) {
        await db.schema.createTable(table)
          .addColumn('org_id', 'text', (c) => c.notNull().references('organisations.id'))
          .addColumn('id', 'text', (c) => c.notNull())
          .addColumn('display_name', 'text', (c) => c.notNull())
          .addColumn(extra, extra === 'state' ? 'text' : 'integer', (c) => c.notNull())
          .addColumn('data', 'text', (c) => c.notNull())
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addPrimaryKeyConstraint(`${table}_pk`, ['org_id', 'id'])
          .execute();
        await db.schema.createIndex(`${table}_org_created_idx`).on(table).columns(['org_id', 'created_at', 'id']).execute();
      }

      await db.schema.createTable('mfa_methods')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('display_name', 'text', (c) => c.notNull())
        .addColumn('sealed_secret', bytes)
        .addColumn('last_used_step', 'bigint')
        .addColumn('credential_id', 'text')
        .addColumn('public_key', bytes)
        .addColumn('counter', 'bigint')
        .addColumn('transports', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('last_used_at', 'bigint')
        .execute();
      // Both engines treat NULLs as distinct in a unique index, so TOTP rows (no credential id) never clash.
      await db.schema.createIndex('mfa_methods_credential_uq').on('mfa_methods').columns(['credential_id']).unique().execute();
      await db.schema.createIndex('mfa_methods_user_idx').on('mfa_methods').columns(['user_id']).execute();

      await db.schema.createTable('temporary_access_passes')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
        .addColumn('code_hash', 'text', (c) => c.notNull())
        .addColumn('one_time_use', 'integer', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .addColumn('used_at', 'bigint')
        .addColumn('revoked_at', 'bigint')
        .execute();
      await db.schema.createIndex('temporary_access_passes_user_idx').on('temporary_access_passes').columns(['user_id']).execute();

      // 'key' is a keyword on SQLite; a longer name avoids quoting surprises in hand-written SQL.
      await db.schema.createTable('lockouts')
        .addColumn('lockout_key', 'text', (c) => c.primaryKey())
        .addColumn('failures', 'integer', (c) => c.notNull())
        .addColumn('window_start', 'bigint', (c) => c.notNull())
        .addColumn('locked_until', 'bigint')
        .execute();

      await db.schema.createTable('admin_clients')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('org_id', 'text', (c) => c.notNull().references('organisations.id'))
        .addColumn('display_name', 'text', (c) => c.notNull())
        .addColumn('secret_hash', 'text', (c) => c.notNull())
        .addColumn('roles', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('revoked_at', 'bigint')
        .execute();
      await db.schema.createIndex('admin_clients_org_idx').on('admin_clients').columns(['org_id']).execute();

      await db.schema.createTable('org_settings')
        .addColumn('org_id', 'text', (c) => c.primaryKey().references('organisations.id'))
        .addColumn('security_defaults_enabled', 'integer', (c) => c.notNull())
        .addColumn('sign_in_log_retention_days', 'integer', (c) => c.notNull())
        .addColumn('lockout_threshold', 'integer', (c) => c.notNull())
        .addColumn('lockout_seconds', 'integer', (c) => c.notNull())
        .execute();

      await db.schema.createTable('sign_in_sessions')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('org_id', 'text', (c) => c.notNull().references('organisations.id'))
        .addColumn('user_id', 'text', (c) => c.references('users.id'))
        .addColumn('data', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('sign_in_sessions_expires_idx').on('sign_in_sessions').columns(['expires_at']).execute();
    },
  };
}
