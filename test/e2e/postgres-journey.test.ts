// The identity provider on PostgreSQL (the scale-out adapter), driven end to end by virtual Macs:
// registration, login, refresh, key exchange, Secure Enclave, revocation and the sign-in log.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { configuredPg, dropPgSchema, pgUnreachableReason, pgUrl } from '../helpers/postgres.js';
import { ManualClock } from '../../src/app/clock.js';
import { DEMO_PASSWORD } from '../../src/app/demo.js';
import { VirtualMac } from '../../src/mac/agent.js';
import { MacError } from '../../src/mac/errors.js';
import { revokeDevice } from '../../src/app/directory.js';
import { parseSignInFilter } from '../../src/policy/sign-in-filter.js';

const reason = await pgUnreachableReason();
const ALICE = 'alice@demo.openpsso.test';
const BOB = 'bob@demo.openpsso.test';

describe('virtual Macs against the server on PostgreSQL', { skip: reason !== null && !configuredPg ? `${reason}; set OPENPSSO_TEST_PG to run it` : false }, () => {
  const clock = new ManualClock(Date.UTC(2026, 10, 21, 7, 0, 0));
  const schema = `openpsso_e2e_${randomBytes(6).toString('hex')}`;
  let s: TestServer;
  const mac = () => new VirtualMac({ dir: mkdtempSync(join(tmpdir(), 'vmac-pg-')), clock, scryptCost: 1024 });

  before(async () => {
    if (reason !== null) assert.fail(reason); // OPENPSSO_TEST_PG was set: unreachable is a failure
    s = await startTestServer({ clock, overrides: { database: { kind: 'postgres', url: pgUrl, schema } } });
  });
  after(async () => {
    await s?.close();
    if (reason === null) await dropPgSchema(schema);
  });

  it('runs the whole journey on PostgreSQL', async () => {
    assert.equal(s.ctx.store.kind, 'postgres');
    const m = mac();
    const reg = await m.register({ server: s.url, token: s.registrationToken, user: ALICE, method: 'password', password: DEMO_PASSWORD });
    assert.match(reg.unlockCertificateSubject ?? '', /Platform Key Access/);
    clock.advance(5 * 3600_000);
    const r = await m.refresh({ user: ALICE });
    assert.equal(r.action, 'refresh', r.reason);
    const kx = await m.keyExchange({ user: ALICE, count: 2 });
    assert.equal(kx.verified, true);

    const se = mac();
    await se.register({ server: s.url, token: s.registrationToken, user: BOB, method: 'secure_enclave', password: DEMO_PASSWORD });
    assert.equal((await se.login({ user: BOB, password: DEMO_PASSWORD })).ok, true);

    await revokeDevice(s.ctx, reg.serverDeviceId!);
    await assert.rejects(m.refresh({ user: ALICE, force: true }), (e: unknown) => e instanceof MacError && e.code === 'OPSSO1102');

    const page = await s.ctx.store.signInLogs.query(s.orgId, { filter: parseSignInFilter(`userPrincipalName eq '${ALICE}' and status/errorCode eq 135011`), top: 10 });
    assert.equal(page.items.length, 1, 'the revoked-device refusal is in the sign-in log');
    assert.equal(page.items[0]!.deviceDetail.deviceId, reg.serverDeviceId);
  });
});
