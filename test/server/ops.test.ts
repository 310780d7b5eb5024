// Operations endpoints scraped as a load balancer and Prometheus would: liveness, readiness (and
// what it says when the database is gone), and metrics with the documented names, served only to
// the configured addresses.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { RawDevice } from '../helpers/raw-device.js';
import { DEMO_PASSWORD } from '../../src/app/demo.js';

describe('operations endpoints', () => {
  let s: TestServer;
  before(async () => { s = await startTestServer(); });
  after(async () => { await s.close(); });

  it('GET /healthz answers while the process is alive', async () => {
    const r = await fetch(`${s.url}/healthz`);
    assert.equal(r.status, 200);
    assert.deepEqual(await r.json(), { status: 'ok' });
  });

  it('GET /readyz checks the database, the keys and the migrations, and says which failed', async () => {
    const ok = await fetch(`${s.url}/readyz`);
    assert.equal(ok.status, 200);
    const body = (await ok.json()) as { status: string; checks: { name: string; ok: boolean; detail?: string }[] };
    assert.equal(body.status, 'ready');
    assert.deepEqual(body.checks.map((c) => [c.name, c.ok]), [['database', true], ['keys', true], ['migrations', true]]);

    const list = s.ctx.store.organisations.list;
    s.ctx.store.organisations.list = async () => { throw new Error('connection refused'); };
    try {
      const down = await fetch(`${s.url}/readyz`);
      assert.equal(down.status, 503);
      const b = (await down.json()) as typeof body;
      assert.equal(b.status, 'not ready');
      assert.deepEqual(b.checks.find((c) => c.name === 'database'), { name: 'database', ok: false, detail: 'connection refused' });
    } finally {
      s.ctx.store.organisations.list = list;
    }
  });

  it('GET /metrics serves the documented metrics to loopback and refuses other addresses', async () => {
    const dev = new RawDevice(s.url);
    await dev.register(s.registrationToken);
    const good = dev.loginRequest(await dev.nonce(), Math.floor(s.ctx.clock.now() / 1000), { username: 'alice@demo.openpsso.test', password: DEMO_PASSWORD });
    assert.equal((await dev.send(good.jwt)).status, 200);
    const bad = dev.loginRequest(await dev.nonce(), Math.floor(s.ctx.clock.now() / 1000), { username: 'alice@demo.openpsso.test', password: 'wrong' });
    assert.equal((await dev.send(bad.jwt)).status, 401);

    const r = await fetch(`${s.url}/metrics`);
    assert.equal(r.status, 200);
    assert.match(r.headers.get('content-type') ?? '', /^text\/plain/);
    const text = await r.text();
    for (const name of [
      'openpsso_http_request_duration_seconds_bucket', 'openpsso_signin_events_total', 'openpsso_nonces_issued_total',
      'openpsso_nonces_consumed_total', 'openpsso_credential_guard_refusals_total', 'openpsso_password_work_rejected_total',
      'openpsso_password_work_queued', 'openpsso_signin_log_write_failures_total', 'openpsso_process_cpu_seconds_total',
      'openpsso_nodejs_eventloop_lag_seconds', 'openpsso_db_query_duration_seconds_bucket', 'openpsso_db_query_errors_total',
    ]) assert.ok(text.includes(name), name);
    // The requests above read and wrote the database, a registration in a transaction.
    for (const op of ['read', 'write', 'transaction']) assert.match(text, new RegExp(`openpsso_db_query_duration_seconds_count\\{operation="${op}"\\} [1-9]`), op);
    assert.match(text, /openpsso_http_request_duration_seconds_count\{route="\/psso\/token",method="POST",status="200"\} [1-9]/);
    assert.match(text, /openpsso_signin_events_total\{operation="login",code="OPSSO1201"\} 1/);
    assert.match(text, /openpsso_signin_events_total\{operation="login",code="0"\} 1/);
    assert.match(text, /openpsso_nonces_consumed_total\{result="ok"\} 2/);

    const outside = await s.app.inject({ method: 'GET', url: '/metrics', remoteAddress: '203.0.113.9' });
    assert.equal(outside.statusCode, 403);
    assert.equal(JSON.parse(outside.body).error_code, 'OPSSO1709');
  });
});
