// `openpsso backup` and `openpsso restore` as processes: exit codes, one-line catalogue errors, the
// refusals (non-empty target, damaged file, wrong checksum, PostgreSQL), and that a refusal leaves
// no directory behind. The use cases' other refusals run in-process (cheaper) at the end.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateSync, inflateSync } from 'node:zlib';
import Database from 'better-sqlite3';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { runCli } from '../helpers/cli.js';
import { createBackup } from '../../src/app/backup.js';
import { restoreBackup } from '../../src/app/restore.js';
import { isPssoError } from '../../src/errors/psso-error.js';

const code = (c: string) => (e: unknown) => isPssoError(e) && e.code === c;

describe('backup and restore commands', () => {
  let s: TestServer;
  let work: string;
  let backup: string;

  before(async () => {
    s = await startTestServer();
    work = mkdtempSync(join(tmpdir(), 'openpsso-backup-cli-'));
    backup = join(work, 'b.sqlar');
  });
  after(async () => {
    await s.close();
    rmSync(work, { recursive: true, force: true });
  });

  it('backup writes one 0600 file while the server runs, and says the master key is not in it', async () => {
    const r = await runCli(s.dataDir, 'backup', '--out', backup);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /master key \(id [0-9a-f]{16}\) is NOT in the file/);
    assert.equal(statSync(backup).mode & 0o777, 0o600);
    // Nothing else left beside it (no temp file, no work directory).
    assert.deepEqual(readdirSync(work), ['b.sqlar']);
    const again = await runCli(s.dataDir, 'backup', '--out', backup);
    assert.equal(again.code, 1);
    assert.match(again.err, /^openpsso: OPSSO1659 /);
  });

  it('restore refuses a non-empty target, a damaged file and a wrong checksum, leaving nothing behind', async () => {
    const busy = join(work, 'busy');
    mkdirSync(busy);
    writeFileSync(join(busy, 'keep.txt'), 'x');
    const damaged = join(work, 'damaged.sqlar');
    writeFileSync(damaged, Buffer.concat([Buffer.from('SQLite format 3\0'), randomBytes(4096)]));
    const tampered = join(work, 'tampered.sqlar');
    writeFileSync(tampered, readFileSync(backup));
    const db = new Database(tampered);
    const row = db.prepare("select sz, data from sqlar where name = 'openpsso.db'").get() as { sz: number; data: Buffer };
    const content = row.sz === row.data.length ? row.data : inflateSync(row.data);
    content[content.length - 1] = content[content.length - 1]! ^ 0xff;
    db.prepare("update sqlar set data = ? where name = 'openpsso.db'").run(deflateSync(content));
    db.close();

    const key = join(s.dataDir, 'master.key');
    const [nonEmpty, bad, sum] = await Promise.all([
      runCli(busy, 'restore', backup, '--master-key', key),
      runCli(join(work, 't1'), 'restore', damaged, '--master-key', key),
      runCli(join(work, 't2'), 'restore', tampered, '--master-key', key),
    ]);
    assert.equal(nonEmpty.code, 1);
    assert.match(nonEmpty.err, /^openpsso: OPSSO1653 /);
    assert.doesNotMatch(nonEmpty.err, /\n\s+at /, 'no stack trace');
    assert.deepEqual(readdirSync(busy), ['keep.txt']);
    assert.equal(bad.code, 1);
    assert.match(bad.err, /^openpsso: OPSSO1650 /);
    assert.equal(sum.code, 1);
    assert.match(sum.err, /^openpsso: OPSSO1651 /);
    assert.equal(existsSync(join(work, 't1')), false);
    assert.equal(existsSync(join(work, 't2')), false);
    assert.deepEqual(readdirSync(work).filter((f) => f.startsWith('.')), [], 'no staging directory left');
  });

  it('restore into an empty directory writes the database and the checked key, both 0600', async () => {
    const target = join(work, 'restored');
    mkdirSync(target);
    const r = await runCli(target, 'restore', backup, '--master-key', join(s.dataDir, 'master.key'));
    assert.equal(r.code, 0, r.err);
    assert.deepEqual(readdirSync(target).sort(), ['master.key', 'openpsso.db']);
    for (const f of readdirSync(target)) assert.equal(statSync(join(target, f)).mode & 0o777, 0o600);
    assert.equal(readFileSync(join(target, 'master.key'), 'utf8'), readFileSync(join(s.dataDir, 'master.key'), 'utf8'));
  });

  it('on PostgreSQL, backup prints the pg_dump command and fails with a catalogue code', async () => {
    const config = join(work, 'pg.json');
    writeFileSync(config, JSON.stringify({ database: { kind: 'postgres', url: 'postgres://postgres@127.0.0.1:5432/test', schema: 'tenant_a' } }));
    const r = await runCli(join(work, 'pgdata'), '-c', config, 'backup', '--out', join(work, 'pg.sqlar'));
    assert.equal(r.code, 1);
    assert.equal(r.out.trim(), "pg_dump --format=custom --no-owner --no-privileges --schema=tenant_a --file=openpsso.dump 'postgres://postgres@127.0.0.1:5432/test'");
    assert.match(r.err, /^openpsso: OPSSO1656 /);
  });

  it('restore refuses a backup from a newer schema, a missing key and a wrong key; --include-master-key round-trips', async () => {
    const newer = join(work, 'newer');
    mkdirSync(newer);
    const db = new Database(join(newer, 'openpsso.db'));
    db.exec(`attach '${join(s.dataDir, 'openpsso.db')}' as src`);
    db.exec('create table openpsso_migration as select * from src.openpsso_migration');
    db.exec('create table organisations as select * from src.organisations');
    db.prepare('insert into openpsso_migration(name, timestamp) values (?, ?)').run('9999_from_the_future', new Date().toISOString());
    db.close();
    writeFileSync(join(newer, 'master.key'), readFileSync(join(s.dataDir, 'master.key')));
    const newerBackup = join(work, 'newer.sqlar');
    await createBackup({ dbFile: join(newer, 'openpsso.db'), dataDir: newer, out: newerBackup, env: {} });
    await assert.rejects(restoreBackup({ file: newerBackup, dataDir: join(work, 't3'), env: {} }), code('OPSSO1652'));

    await assert.rejects(restoreBackup({ file: backup, dataDir: join(work, 't4'), env: {} }), code('OPSSO1655'));
    const wrong = join(work, 'wrong.key');
    writeFileSync(wrong, randomBytes(32).toString('base64'));
    await assert.rejects(restoreBackup({ file: backup, dataDir: join(work, 't5'), masterKeyFile: wrong, env: {} }), code('OPSSO1654'));
    for (const t of ['t3', 't4', 't5']) assert.equal(existsSync(join(work, t)), false);
    // A target that cannot be created (a file where a directory should be) is a catalogue error, not a trace.
    writeFileSync(join(work, 'a-file'), '');
    await assert.rejects(restoreBackup({ file: backup, dataDir: join(work, 'a-file', 'data'), masterKeyFile: join(s.dataDir, 'master.key'), env: {} }),
      (e: unknown) => code('OPSSO1635')(e) && /a part of the path is a file/.test((e as Error).message));

    const withKey = join(work, 'with-key.sqlar');
    const b = await createBackup({ dbFile: join(s.dataDir, 'openpsso.db'), dataDir: s.dataDir, out: withKey, includeMasterKey: true, env: {} });
    assert.equal(b.manifest.masterKey.included, true);
    // A directory holding only an empty directory (a fresh mount's lost+found) counts as empty.
    const target = join(work, 't6');
    mkdirSync(join(target, 'lost+found'), { recursive: true });
    const r = await restoreBackup({ file: withKey, dataDir: target, env: {} });
    assert.equal(r.masterKeyFrom, 'backup');
    assert.equal(readFileSync(join(target, 'master.key'), 'utf8'), readFileSync(join(s.dataDir, 'master.key'), 'utf8'));
  });
});
