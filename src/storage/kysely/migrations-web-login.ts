// Migration 0009_web_login: the one-time state of a macOS 27 pre-authentication GET and the one-time
// authorization codes of web-based login (web-login-macos27.md §3, §5, §7), both keyed by a hash.
import type { Kysely, Migration } from 'kysely';

// Migrations receive Kysely<any> because they describe the schema before the typed DB exists.
type AnyDb = Kysely<any>;

export function webLogin(): Migration {
  return {
    async up(db: AnyDb) {
      await db.schema.createTable('web_login_states')
        .addColumn('state_hash', 'text', (c) => c.primaryKey())
        .addColumn('org_id', 'text', (c) => c.notNull().references('organisations.id'))
        .addColumn('client_id', 'text', (c) => c.notNull())
        .addColumn('nonce', 'text', (c) => c.notNull())
        .addColumn('login_hint', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .addColumn('used_at', 'bigint')
        .execute();
      await db.schema.createIndex('web_login_states_expires_idx').on('web_login_states').columns(['expires_at']).execute();
      // Codes go with their user or device: deleting either leaves no code that could still be redeemed.
      await db.schema.createTable('web_login_codes')
        .addColumn('code_hash', 'text', (c) => c.primaryKey())
        .addColumn('org_id', 'text', (c) => c.notNull().references('organisations.id'))
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('device_id', 'text', (c) => c.references('devices.id').onDelete('cascade'))
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('nonce', 'text')
        .addColumn('scope', 'text', (c) => c.notNull())
        .addColumn('client_id', 'text', (c) => c.notNull())
        .addColumn('amr', 'text', (c) => c.notNull())
        .addColumn('auth_time', 'bigint', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .addColumn('used_at', 'bigint')
        .execute();
      await db.schema.createIndex('web_login_codes_expires_idx').on('web_login_codes').columns(['expires_at']).execute();
      await db.schema.createIndex('web_login_codes_user_idx').on('web_login_codes').columns(['user_id']).execute();
      await db.schema.createIndex('web_login_codes_device_idx').on('web_login_codes').columns(['device_id']).execute();
    },
  };
}
