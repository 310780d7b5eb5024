// A server nonce bound to a client-request-id (the UiO dialect's, extensions.md §4.4) is spent only by
// a request carrying that id, on every path that spends nonces; a refused binding leaves it unspent.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { RawDevice, post } from '../helpers/raw-device.js';
import { rejectsWith } from '../storage/conformance/fixtures.js';
import { DEMO_PASSWORD } from '../../src/app/demo.js';
import { issueNonce, spendNonce } from '../../src/app/nonces.js';
import { buildPssoForm } from '../../src/protocol/index.js';
import { ManualClock } from '../../src/app/clock.js';

const ALICE = 'alice@demo.openpsso.test';
const ID = '7D71F8B4-1DE7-4F89-8C3A-210D161F38AC';

describe('nonces bound to a client-request-id', () => {
  let s: TestServer;
  const clock = new ManualClock(Date.now());
  before(async () => { s = await startTestServer({ clock }); });
  after(async () => { await s.close(); });

  it('the token endpoint refuses a bound nonce without its id, then accepts it with the id in any case', async () => {
    const dev = new RawDevice(s.url);
    assert.equal((await dev.register(s.registrationToken)).status, 201);
    const nonce = await issueNonce(s.ctx, { format: 'uuid', clientRequestId: ID });
    assert.match(nonce, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    const built = dev.loginRequest(nonce, Math.floor(clock.now() / 1000), { username: ALICE, password: DEMO_PASSWORD });
    const form = buildPssoForm(built.jwt, '1.0');
    for (const headers of [{}, { 'client-request-id': 'ABABABAB-1DE7-4F89-8C3A-210D161F38AC' }] as Record<string, string>[]) {
      const refused = await post(`${s.url}/psso/token`, form, 'application/x-www-form-urlencoded', headers);
      assert.equal(refused.status, 400, refused.text);
      assert.equal(refused.json.error_code, 'OPSSO1865');
    }
    const ok = await post(`${s.url}/psso/token`, form, 'application/x-www-form-urlencoded', { 'client-request-id': ID.toLowerCase() });
    assert.equal(ok.status, 200, ok.text);
    const again = await post(`${s.url}/psso/token`, form, 'application/x-www-form-urlencoded', { 'client-request-id': ID });
    assert.equal(again.json.error_code, 'OPSSO1108');
    const rows = s.signIns.events.filter((e) => e.deviceId === dev.id && e.error?.entry.name === 'nonce_wrong_binding');
    assert.equal(rows.length, 2, 'each refusal has its sign-in row');
  });

  it('attestation and SSO proofs spend nonces through the same check: a bound one needs its id', async () => {
    const nonce = await issueNonce(s.ctx, { format: 'uuid', clientRequestId: ID });
    await rejectsWith(spendNonce(s.ctx, nonce, clock.now(), undefined), 'nonce_wrong_binding');
    await spendNonce(s.ctx, nonce, clock.now(), ID);
    await rejectsWith(spendNonce(s.ctx, nonce, clock.now(), ID), 'nonce_replayed');
    const free = await issueNonce(s.ctx);
    await spendNonce(s.ctx, free, clock.now(), 'any');
  });
});
