// Runs the storage conformance suite on SQLite: a temporary database file (WAL) and ':memory:'.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { openStore } from '../../src/storage/open-store.js';
import { runStoreConformance } from './conformance.js';

const dir = mkdtempSync(join(tmpdir(), 'openpsso-sqlite-'));
after(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
runStoreConformance('sqlite (file)', async () => {
  n += 1;
  // A nested path checks that openStore creates the parent directory.
  const file = join(dir, `db-${n}`, 'openpsso.sqlite');
  const store = await openStore({ kind: 'sqlite', file });
  return { store, cleanup: () => store.close() };
});

runStoreConformance('sqlite (:memory:)', async () => {
  const store = await openStore({ kind: 'sqlite', file: ':memory:' });
  return { store, cleanup: () => store.close() };
});

describe('sqlite file setup', () => {
  it('uses WAL, keeps data across reopen, and migrates an existing file as a no-op', async () => {
    const file = join(dir, 'reopen', 'a.sqlite');
    const first = await openStore({ kind: 'sqlite', file });
    await first.organisations.create({ id: 'org_reopen', name: 'R', createdAt: 1 });
    await first.close();
    assert.ok(existsSync(`${file}`));
    const second = await openStore({ kind: 'sqlite', file });
    assert.equal((await second.organisations.get('org_reopen'))?.name, 'R');
    await second.close();
    const Database = (await import('better-sqlite3')).default;
    const raw = new Database(file, { readonly: true });
    assert.equal(raw.pragma('journal_mode', { simple: true }), 'wal');
    raw.close();
  });

  it('serves the per-request lookups from indexes, so they stay flat as devices grow', async () => {
    const file = join(dir, 'plans', 'p.sqlite');
    await (await openStore({ kind: 'sqlite', file })).close();
    const Database = (await import('better-sqlite3')).default;
    const raw = new Database(file, { readonly: true });
    const hot = [
      'select * from devices where signing_kid = ?',
      'select * from user_registrations where user_kid = ?',
      'select * from user_registrations where device_id = ? and user_id = ?',
      'select * from refresh_tokens where token_hash = ?',
      'select * from bearer_tokens where token_hash = ?',
      'select * from registration_tokens where token_hash = ?',
      'update nonces set used_at = ? where value = ? and used_at is null and expires_at > ?',
      'select * from users where org_id = ? and upn_key = ?',
      'select * from unlock_keys where user_id = ? and device_id = ? and purpose = ?',
      'select * from devices where org_id = ? and device_uuid = ?',
      'select * from mfa_methods where credential_id = ?',
      'select * from mfa_methods where user_id = ?',
      'update mfa_methods set last_used_step = ? where id = ? and (last_used_step is null or last_used_step < ?)',
      'update temporary_access_passes set used_at = ? where id = ? and used_at is null',
      'select * from temporary_access_passes where user_id = ?',
      'select * from lockouts where lockout_key = ?',
      'select * from sign_in_sessions where id = ? and expires_at > ?',
      'select * from org_settings where org_id = ?',
      'select data from sign_in_logs where org_id = ? and id = ?',
      'select data from sign_in_logs where org_id = ? and correlation_id = ?',
      'delete from sign_in_logs where created_at < ?',
    ];
    for (const q of hot) {
      const plan = (raw.prepare(`explain query plan ${q}`).all(...q.split('?').slice(1).map(() => 'x')) as { detail: string }[]).map((r) => r.detail).join('; ');
      assert.match(plan, /SEARCH .* USING (INDEX|PRIMARY KEY|COVERING INDEX)/, `${q}: ${plan}`);
      assert.doesNotMatch(plan, /\bSCAN\b/, `${q}: ${plan}`);
    }
    raw.close();
  });

  it('pages sign-in logs newest first straight off an index, without a sort step', async () => {
    const file = join(dir, 'plans-log', 'p.sqlite');
    await (await openStore({ kind: 'sqlite', file })).close();
    const Database = (await import('better-sqlite3')).default;
    const raw = new Database(file, { readonly: true });
    const pages = [
      'select data from sign_in_logs where org_id = ? order by created_at desc, id desc limit 101',
      'select data from sign_in_logs where org_id = ? and (created_at < ? or (created_at = ? and id < ?)) order by created_at desc, id desc limit 101',
      'select data from sign_in_logs where org_id = ? and error_code = ? order by created_at desc, id desc limit 101',
    ];
    for (const q of pages) {
      const plan = (raw.prepare(`explain query plan ${q}`).all(...q.split('?').slice(1).map(() => 1)) as { detail: string }[]).map((r) => r.detail).join('; ');
      assert.match(plan, /SEARCH sign_in_logs USING INDEX/, `${q}: ${plan}`);
    }
    // The unfiltered page, the one the portal opens with, reads rows already in order.
    const first = (raw.prepare(`explain query plan ${pages[0]}`).all(1) as { detail: string }[]).map((r) => r.detail).join('; ');
    assert.doesNotMatch(first, /TEMP B-TREE/, first);
    raw.close();
  });
});
