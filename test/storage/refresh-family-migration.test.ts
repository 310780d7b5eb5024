// Migration 0004_refresh_family on a SQLite file written before it: existing refresh tokens become
// their own family, and a row an older server writes afterwards (no family_id) is its own family too.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect } from 'kysely';
import { migrations } from '../../src/storage/kysely/migrations.js';
import { openStore } from '../../src/storage/open-store.js';

const dir = mkdtempSync(join(tmpdir(), 'openpsso-family-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const T0 = 1_700_000_000_000;

/** Inserts a refresh token row the way a server from before 0004 did: without family columns. */
function insertOldRow(raw: Database.Database, id: string, replacedBy: string | null): void {
  // No user or device rows: the test is about the token columns alone.
  raw.pragma('foreign_keys = OFF');
  raw.prepare(`insert into refresh_tokens (id, token_hash, user_id, device_id, auth_time, amr, created_at, expires_at, revoked_at, replaced_by_id)
    values (?, ?, 'usr_a', 'dev_a', ?, '["pwd"]', ?, ?, ?, ?)`)
    .run(id, `hash-${id}`, T0, T0, T0 + 86_400_000, replacedBy === null ? null : T0 + 1, replacedBy);
}

describe('migration 0004_refresh_family', () => {
  it('gives existing tokens their own id as family, and reads a null family as the own id', async () => {
    const file = join(dir, 'old.sqlite');
    // The schema as it was before 0004.
    const db = new Kysely<any>({ dialect: new SqliteDialect({ database: new Database(file) }) });
    const all = migrations('sqlite');
    const before = Object.fromEntries(Object.entries(all).filter(([name]) => name < '0004'));
    const migrator = new Migrator({
      db, provider: { getMigrations: async () => before }, migrationTableName: 'openpsso_migration', migrationLockTableName: 'openpsso_migration_lock',
    });
    assert.equal((await migrator.migrateToLatest()).error, undefined);
    await db.destroy();
    const raw = new Database(file);
    insertOldRow(raw, 'rt_old1', 'rt_old2');
    insertOldRow(raw, 'rt_old2', null);
    raw.close();

    const store = await openStore({ kind: 'sqlite', file });
    try {
      const old1 = await store.refreshTokens.getByHash('hash-rt_old1');
      assert.equal(old1?.familyId, 'rt_old1');
      assert.equal(old1?.graceUsedAt, null);
      assert.equal((await store.refreshTokens.getByHash('hash-rt_old2'))?.familyId, 'rt_old2');
      // Backfilled in the column itself, not only read that way.
      const check = new Database(file, { readonly: true });
      assert.deepEqual(check.prepare('select id, family_id from refresh_tokens order by id').all(),
        [{ id: 'rt_old1', family_id: 'rt_old1' }, { id: 'rt_old2', family_id: 'rt_old2' }]);
      check.close();
      // A row written after the upgrade by a server that predates it: family_id stays null.
      const raw2 = new Database(file);
      insertOldRow(raw2, 'rt_lagging', null);
      raw2.close();
      assert.equal((await store.refreshTokens.getByHash('hash-rt_lagging'))?.familyId, 'rt_lagging');
      assert.equal(await store.refreshTokens.revokeFamily('rt_lagging', T0 + 5), 1);
      assert.equal((await store.refreshTokens.getByHash('hash-rt_lagging'))?.revokedAt, T0 + 5);
      // Existing rows start separate families: revoking the older one leaves its successor alone.
      assert.equal(await store.refreshTokens.revokeFamily('rt_old1', T0 + 6), 0);
      assert.equal((await store.refreshTokens.getByHash('hash-rt_old2'))?.revokedAt, null);
    } finally {
      await store.close();
    }
  });
});
