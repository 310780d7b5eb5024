// Two OpenPSSO servers on one PostgreSQL database share the credential guard: throttle buckets and
// lockouts are in the database, so a burst granted by one is not granted again by the other.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { configuredPg, dropPgSchema, pgUnreachableReason, pgUrl } from '../helpers/postgres.js';
import { ManualClock } from '../../src/app/clock.js';
import { DEMO_PASSWORD } from '../../src/app/demo.js';

const reason = await pgUnreachableReason();

describe('two servers on one PostgreSQL database share throttles and lockouts', { skip: reason !== null && !configuredPg ? `${reason}; set OPENPSSO_TEST_PG to run it` : false }, () => {
  const clock = new ManualClock(Date.UTC(2027, 3, 1, 8, 0, 0));
  const schema = `openpsso_guard_${randomBytes(6).toString('hex')}`;
  let a: TestServer;
  let b: TestServer;

  before(async () => {
    if (reason !== null) assert.fail(reason);
    // One master key for both, as two servers of one deployment share their data directory's key.
    const dataDir = mkdtempSync(join(tmpdir(), 'openpsso-two-'));
    const overrides = { dataDir, database: { kind: 'postgres', url: pgUrl, schema }, credentialGuard: { perAddress: { burst: 6, perSecond: 0.01 } } };
    a = await startTestServer({ clock, overrides });
    b = await startTestServer({ clock, overrides });
    const settings = await a.ctx.store.orgSettings.get(a.orgId);
    await a.ctx.store.orgSettings.put({ ...settings, lockoutThreshold: 4, lockoutSeconds: 300 });
  });
  after(async () => {
    await a?.close();
    await b?.close();
    if (reason === null) await dropPgSchema(schema);
  });

  const signIn = (s: TestServer, username: string, password: string, remoteAddress: string) => s.app.inject({
    method: 'POST', url: '/api/v1/signin', payload: { username, password }, remoteAddress,
  }).then((r) => ({ status: r.statusCode, code: JSON.parse(r.body).error_code as string | undefined }));

  it('one address gets one burst across both servers', async () => {
    assert.equal(a.orgId, b.orgId, 'both serve the one demo organisation');
    const results = [];
    for (let i = 0; i < 8; i++) results.push(await signIn(i % 2 === 0 ? a : b, `spray-${i}@demo.openpsso.test`, 'x', '198.51.100.9'));
    assert.deepEqual(results.map((r) => r.code), [...Array(6).fill('OPSSO1201'), 'OPSSO1008', 'OPSSO1008']);
  });

  it('failures on either server add up to one lockout, enforced by both on the next request', async () => {
    const bob = 'bob@demo.openpsso.test';
    for (let i = 0; i < 3; i++) assert.equal((await signIn(i % 2 ? a : b, bob, `wrong-${i}`, '203.0.113.8')).code, 'OPSSO1201');
    assert.equal((await signIn(a, bob, 'wrong-3', '203.0.113.8')).code, 'OPSSO1205');
    assert.equal((await signIn(b, bob, DEMO_PASSWORD, '203.0.113.8')).code, 'OPSSO1205');
    assert.equal((await signIn(a, bob, DEMO_PASSWORD, '203.0.113.8')).code, 'OPSSO1205');
  });
});
