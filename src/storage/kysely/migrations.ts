// Versioned schema migrations, written once with Kysely's schema builder and applied by its Migrator
// (recorded in the openpsso_migration table) on both SQLite and PostgreSQL.
import { Migrator, type Kysely, type Migration } from 'kysely';
import { PssoError } from '../../errors/psso-error.js';
import { access } from './migrations-access.js';
import { credentialGuard } from './migrations-guard.js';
import { retention } from './migrations-retention.js';
import { refreshFamily } from './migrations-refresh-family.js';
import { organisationProfile } from './migrations-organisation-profile.js';
import { oidcProvider } from './migrations-oidc.js';
import { applications } from './migrations-applications.js';
import { webLogin } from './migrations-web-login.js';
import { dialects } from './migrations-dialects.js';
import { deviceAttestation } from './migrations-device-attestation.js';

export type StoreKind = 'sqlite' | 'postgres';

// Migrations receive Kysely<any> because they describe the schema before the typed DB exists.
type AnyDb = Kysely<any>;

function initial(kind: StoreKind): Migration {
  // The only portable type that differs in name: raw bytes.
  const bytes = kind === 'postgres' ? 'bytea' : 'blob';
  return {
    async up(db: AnyDb) {
      await db.schema.createTable('organisations')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();

      await db.schema.createTable('users')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('org_id', 'text', (c) => c.notNull().references('organisations.id'))
        .addColumn('user_principal_name', 'text', (c) => c.notNull())
        .addColumn('upn_key', 'text', (c) => c.notNull())
        .addColumn('display_name', 'text', (c) => c.notNull())
        .addColumn('email', 'text')
        .addColumn('password_hash', 'text')
        .addColumn('enabled', 'integer', (c) => c.notNull())
        .addColumn('per_user_mfa_state', 'text', (c) => c.notNull())
        .addColumn('password_changed_at', 'bigint')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
      // Case-insensitive uniqueness uses a key lower-cased in JS rather than an index on lower(upn):
      // SQLite's lower() folds ASCII only while PostgreSQL's follows the locale, so the two engines
      // would disagree on non-ASCII names. One JS rule keeps them identical.
      await db.schema.createIndex('users_org_upn_uq').on('users').columns(['org_id', 'upn_key']).unique().execute();
      await db.schema.createIndex('users_org_id_idx').on('users').columns(['org_id', 'id']).execute();

      await db.schema.createTable('groups')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('org_id', 'text', (c) => c.notNull().references('organisations.id'))
        .addColumn('display_name', 'text', (c) => c.notNull())
        .addColumn('description', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('groups_org_name_uq').on('groups').columns(['org_id', 'display_name']).unique().execute();
      await db.schema.createIndex('groups_org_id_idx').on('groups').columns(['org_id', 'id']).execute();

      await db.schema.createTable('group_members')
        .addColumn('group_id', 'text', (c) => c.notNull().references('groups.id').onDelete('cascade'))
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addPrimaryKeyConstraint('group_members_pk', ['group_id', 'user_id'])
        .execute();
      await db.schema.createIndex('group_members_user_idx').on('group_members').columns(['user_id']).execute();

      await db.schema.createTable('devices')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('org_id', 'text', (c) => c.notNull().references('organisations.id'))
        .addColumn('device_uuid', 'text', (c) => c.notNull())
        .addColumn('signing_key', bytes, (c) => c.notNull())
        .addColumn('signing_kid', 'text', (c) => c.notNull())
        .addColumn('encryption_key', bytes, (c) => c.notNull())
        .addColumn('encryption_kid', 'text', (c) => c.notNull())
        .addColumn('shared_device_keys', 'integer', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('registered_via', 'text', (c) => c.notNull())
        .addColumn('registered_by_user_id', 'text', (c) => c.references('users.id'))
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addColumn('revoked_at', 'bigint')
        .execute();
      // Every PSSO request is looked up by signing kid: this index keeps that flat as devices grow.
      await db.schema.createIndex('devices_signing_kid_uq').on('devices').columns(['signing_kid']).unique().execute();
      await db.schema.createIndex('devices_org_uuid_uq').on('devices').columns(['org_id', 'device_uuid']).unique().execute();
      await db.schema.createIndex('devices_org_id_idx').on('devices').columns(['org_id', 'id']).execute();

      await db.schema.createTable('user_registrations')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('device_id', 'text', (c) => c.notNull().references('devices.id'))
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
        .addColumn('method', 'text', (c) => c.notNull())
        .addColumn('user_key', bytes)
        .addColumn('user_kid', 'text')
        .addColumn('certificate', bytes)
        .addColumn('certificate_thumbprint', 'text')
        .addColumn('mfa_verified', 'integer', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('user_registrations_device_user_uq').on('user_registrations').columns(['device_id', 'user_id']).unique().execute();
      await db.schema.createIndex('user_registrations_user_kid_idx').on('user_registrations').columns(['user_kid']).execute();
      await db.schema.createIndex('user_registrations_user_idx').on('user_registrations').columns(['user_id']).execute();

      await db.schema.createTable('nonces')
        .addColumn('value', 'text', (c) => c.primaryKey())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .addColumn('used_at', 'bigint')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('nonces_expires_idx').on('nonces').columns(['expires_at']).execute();

      await db.schema.createTable('refresh_tokens')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('token_hash', 'text', (c) => c.notNull())
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
        .addColumn('device_id', 'text', (c) => c.notNull().references('devices.id'))
        .addColumn('auth_time', 'bigint', (c) => c.notNull())
        .addColumn('amr', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .addColumn('revoked_at', 'bigint')
        // No foreign key: rotate() sets it on the old row before the new row is inserted.
        .addColumn('replaced_by_id', 'text')
        .execute();
      await db.schema.createIndex('refresh_tokens_hash_uq').on('refresh_tokens').columns(['token_hash']).unique().execute();
      await db.schema.createIndex('refresh_tokens_device_idx').on('refresh_tokens').columns(['device_id']).execute();
      await db.schema.createIndex('refresh_tokens_user_idx').on('refresh_tokens').columns(['user_id']).execute();

      await db.schema.createTable('unlock_keys')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
        .addColumn('device_id', 'text', (c) => c.notNull().references('devices.id'))
        .addColumn('purpose', 'text', (c) => c.notNull())
        .addColumn('public_key', bytes, (c) => c.notNull())
        .addColumn('sealed_private_key', bytes, (c) => c.notNull())
        .addColumn('certificate', bytes, (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('unlock_keys_user_device_purpose_uq').on('unlock_keys').columns(['user_id', 'device_id', 'purpose']).unique().execute();
      await db.schema.createIndex('unlock_keys_device_idx').on('unlock_keys').columns(['device_id']).execute();

      await db.schema.createTable('server_keys')
        .addColumn('kid', 'text', (c) => c.primaryKey())
        .addColumn('use', 'text', (c) => c.notNull())
        .addColumn('alg', 'text', (c) => c.notNull())
        .addColumn('public_jwk', 'text', (c) => c.notNull())
        .addColumn('sealed_private_jwk', bytes, (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('retired_at', 'bigint')
        .execute();

      await db.schema.createTable('registration_tokens')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('org_id', 'text', (c) => c.notNull().references('organisations.id'))
        .addColumn('token_hash', 'text', (c) => c.notNull())
        .addColumn('description', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint')
        .addColumn('revoked_at', 'bigint')
        .execute();
      await db.schema.createIndex('registration_tokens_hash_uq').on('registration_tokens').columns(['token_hash']).unique().execute();
      await db.schema.createIndex('registration_tokens_org_idx').on('registration_tokens').columns(['org_id']).execute();

      await db.schema.createTable('bearer_tokens')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('token_hash', 'text', (c) => c.notNull())
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
        .addColumn('scopes', 'text', (c) => c.notNull())
        .addColumn('amr', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .addColumn('revoked_at', 'bigint')
        .execute();
      await db.schema.createIndex('bearer_tokens_hash_uq').on('bearer_tokens').columns(['token_hash']).unique().execute();
      await db.schema.createIndex('bearer_tokens_user_idx').on('bearer_tokens').columns(['user_id']).execute();
    },
  };
}

/** Every migration, keyed by a name that sorts in application order. Never edit a released one. */
export function migrations(kind: StoreKind): Record<string, Migration> {
  return {
    '0001_initial': initial(kind), '0002_access': access(kind), '0003_credential_guard': credentialGuard(kind),
    '0004_refresh_family': refreshFamily(), '0005_retention': retention(), '0006_organisation_profile': organisationProfile(),
    '0007_oidc_provider': oidcProvider(),
    '0008_applications': applications(kind),
    '0009_web_login': webLogin(),
    '0010_dialects': dialects(),
    '0011_device_attestation': deviceAttestation(),
  };
}

/**
 * Applies pending migrations in one transaction. Kysely's Migrator takes a row lock on PostgreSQL,
 * so several servers starting at once apply each migration exactly once.
 */
function migratorFor(db: AnyDb, kind: StoreKind, schema?: string): Migrator {
  return new Migrator({
    db,
    provider: { getMigrations: async () => migrations(kind) },
    migrationTableName: 'openpsso_migration',
    migrationLockTableName: 'openpsso_migration_lock',
    ...(schema !== undefined ? { migrationTableSchema: schema } : {}),
  });
}

/** Names of known migrations not yet applied to the database. */
export async function pendingMigrations(db: AnyDb, kind: StoreKind, schema?: string): Promise<string[]> {
  return (await migratorFor(db, kind, schema).getMigrations()).filter((m) => m.executedAt === undefined).map((m) => m.name);
}

/**
 * Names recorded as applied that this build does not know: the database was migrated by a newer
 * OpenPSSO. Empty when the migration table does not exist yet (a new database).
 */
export async function unknownAppliedMigrations(db: AnyDb, kind: StoreKind, schema?: string): Promise<string[]> {
  let rows: { name: string }[];
  try {
    rows = await (schema !== undefined ? db.withSchema(schema) : db).selectFrom('openpsso_migration').select('name').execute() as { name: string }[];
  } catch (e) {
    const err = e as { code?: unknown; message?: unknown };
    if (err.code === '42P01' || (typeof err.message === 'string' && err.message.includes('no such table'))) return [];
    throw e;
  }
  const known = new Set(Object.keys(migrations(kind)));
  return rows.map((r) => r.name).filter((n) => !known.has(n));
}

export async function migrateToLatest(db: AnyDb, kind: StoreKind, schema?: string): Promise<void> {
  // Checked before Kysely's Migrator, which would stop with "corrupted migrations" and no advice.
  const newer = await unknownAppliedMigrations(db, kind, schema);
  if (newer.length > 0) throw new PssoError('startup_schema_newer', `applied migrations unknown to this build: ${newer.join(', ')}`);
  const migrator = migratorFor(db, kind, schema);
  let { error, results } = await migrator.migrateToLatest();
  // The Migrator finds its own tables by listing every table in the database, and PostgreSQL fails
  // that listing when another schema is dropped at the same moment (3F000 or 42P01 naming the other
  // schema), as parallel tests or other tenants of the database do. Nothing was applied: try again.
  for (let retry = 0; retry < 5 && error !== undefined && droppedElsewhere(error, schema); retry++) {
    ({ error, results } = await migrator.migrateToLatest());
  }
  if (error !== undefined) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName;
    throw new Error(`storage migration ${failed ?? ''} failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
}

function droppedElsewhere(error: unknown, schema: string | undefined): boolean {
  const e = error as { code?: unknown; message?: unknown } | null;
  if (e?.code !== '3F000' && e?.code !== '42P01') return false;
  const message = typeof e.message === 'string' ? e.message : '';
  return !message.includes(`"${schema ?? 'public'}"`) && !message.includes(`"${schema ?? 'public'}.`);
}
