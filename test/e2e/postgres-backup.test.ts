// The PostgreSQL backup route of docs/backup.md, run as written: pg_dump of the server's schema,
// pg_restore into a new database, a server on it, and a device registered before the dump signs in.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { startPeerServer, startTestServer, type TestServer } from '../helpers/test-server.js';
import { configuredPg, dropPgSchema, pgUnreachableReason, pgUrl } from '../helpers/postgres.js';
import { RawDevice } from '../helpers/raw-device.js';
import { ManualClock } from '../../src/app/clock.js';
import { DEMO_PASSWORD } from '../../src/app/demo.js';
import { pgDumpCommand } from '../../src/cli/backup-commands.js';

const ALICE = 'alice@demo.openpsso.test';

function run(cmd: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { timeout: 60_000 }, (e, _out, err) => (e ? reject(new Error(`${cmd} failed: ${err || e.message}`)) : resolve()));
  });
}

async function admin(query: string): Promise<void> {
  const c = new pg.Client({ connectionString: pgUrl });
  await c.connect();
  try { await c.query(query); } finally { await c.end(); }
}

describe('PostgreSQL: pg_dump and pg_restore as docs/backup.md says', { skip: configuredPg ? false : 'set OPENPSSO_TEST_PG to run it' }, () => {
  const clock = new ManualClock(Date.now());
  const schema = `openpsso_bk_${randomBytes(6).toString('hex')}`;
  const database = `openpsso_restore_${randomBytes(6).toString('hex')}`;
  const restoredUrl = (() => { const u = new URL(pgUrl); u.pathname = `/${database}`; return u.toString(); })();
  let work: string;
  let s: TestServer;

  before(async () => {
    const reason = await pgUnreachableReason();
    if (reason !== null) assert.fail(reason);
    work = mkdtempSync(join(tmpdir(), 'openpsso-pgdump-'));
    s = await startTestServer({ clock, overrides: { database: { kind: 'postgres', url: pgUrl, schema } } });
  });
  after(async () => {
    await s?.close();
    await dropPgSchema(schema);
    await admin(`drop database if exists "${database}"`);
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('a device registered before the dump signs in against a server on the restored database', async () => {
    const dev = new RawDevice(s.url);
    assert.equal((await dev.register(s.registrationToken)).status, 201);

    // The exact command `openpsso backup` prints on PostgreSQL, run from the work directory.
    const dump = pgDumpCommand({ kind: 'postgres', url: pgUrl, schema });
    const args = dump.split(' ').slice(1).map((a) => a.replace(/^'(.*)'$/, '$1').replace('--file=openpsso.dump', `--file=${join(work, 'openpsso.dump')}`));
    await run('pg_dump', args);
    await admin(`create database "${database}"`);
    await run('pg_restore', ['--no-owner', '--no-privileges', '--exit-on-error', `--dbname=${restoredUrl}`, join(work, 'openpsso.dump')]);

    // Same data directory (master key) and issuer; the restored database.
    const peer = await startPeerServer(s, { clock, overrides: { database: { kind: 'postgres', url: restoredUrl, schema } } });
    try {
      assert.ok(await peer.ctx.store.devices.get(dev.id), 'the device is in the restored database');
      dev.through(peer.url);
      const built = dev.loginRequest(await dev.nonce(), Math.floor(clock.now() / 1000), { username: ALICE, password: DEMO_PASSWORD });
      const r = await dev.send(built.jwt);
      assert.equal(r.status, 200, r.text);
      assert.ok(dev.open(r, built).id_token);
    } finally {
      await peer.close();
    }
  });
});
