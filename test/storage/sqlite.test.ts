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
});
