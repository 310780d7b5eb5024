// The sign-in log recorder never drops a row silently: failed writes are retried (and a row the
// database refuses is stored sanitised), every failure is counted in metrics and logged.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { openStore } from '../../src/storage/open-store.js';
import { StoreSignInRecorder } from '../../src/app/sign-in-log.js';
import { createMetrics } from '../../src/app/metrics.js';
import { PssoError } from '../../src/errors/psso-error.js';
import type { Store } from '../../src/storage/ports.js';

async function storeWithOrg(): Promise<Store> {
  const store = await openStore({ kind: 'sqlite', file: ':memory:' });
  await store.migrate();
  await store.organisations.create({ id: 'org_t', name: 'T', createdAt: Date.UTC(2027, 0, 1) });
  return store;
}

const value = async (c: { get(): Promise<{ values: Array<{ value: number }> }> }) => (await c.get()).values[0]?.value ?? 0;

describe('sign-in log recorder', () => {
  it('retries a failed write and counts it; the sign-in itself is not failed', async () => {
    const store = await storeWithOrg();
    const append = store.signInLogs.append.bind(store.signInLogs);
    let failures = 2;
    store.signInLogs.append = async (orgId, row) => {
      if (failures-- > 0) throw new Error('connection reset');
      return append(orgId, row);
    };
    const metrics = createMetrics();
    const logged: string[] = [];
    const rec = new StoreSignInRecorder(store, (m) => logged.push(m), metrics);
    await rec.record({ at: Date.UTC(2027, 0, 2), correlationId: 'C-1', operation: 'login', interactive: false, ipAddress: '192.0.2.1', orgId: 'org_t' });
    assert.equal(rec.pendingRetries, 1);
    await rec.flush();
    assert.equal(rec.pendingRetries, 0);
    const rows = await store.signInLogs.query('org_t', { top: 10 });
    assert.deepEqual(rows.items.map((r) => r.correlationId), ['C-1']);
    assert.equal(await value(metrics.signInLogWriteFailures), 1);
    assert.equal(await value(metrics.signInLogWritesRetried), 1);
    assert.equal(await value(metrics.signInLogWritesDropped), 0);
    assert.match(logged[0]!, /C-1; retrying/);
    await store.close();
  });

  it('stores a row the database keeps refusing (a NUL byte on PostgreSQL) in sanitised form', async () => {
    const store = await storeWithOrg();
    const append = store.signInLogs.append.bind(store.signInLogs);
    store.signInLogs.append = async (orgId, row) => {
      if (JSON.stringify(row).includes('\\u0000')) throw new Error('invalid byte sequence for encoding "UTF8": 0x00');
      return append(orgId, row);
    };
    const metrics = createMetrics();
    const rec = new StoreSignInRecorder(store, () => undefined, metrics);
    await rec.record({
      at: Date.UTC(2027, 0, 2), correlationId: 'C-2', operation: 'login', interactive: false, ipAddress: '192.0.2.1', orgId: 'org_t',
      userPrincipalName: 'eve\u0000@example.com', error: new PssoError('invalid_credentials'),
    });
    await rec.flush();
    const rows = await store.signInLogs.query('org_t', { top: 10 });
    assert.equal(rows.items.length, 1);
    assert.equal(rows.items[0]!.userPrincipalName, 'eve\ufffd@example.com');
    assert.equal(rows.items[0]!.status.errorCode, 50126);
    assert.equal(await value(metrics.signInLogWritesDropped), 0);
    await store.close();
  });

  it('counts and logs a row it could not store at all, never silently', async () => {
    const store = await storeWithOrg();
    store.signInLogs.append = async () => { throw new Error('disk full'); };
    const metrics = createMetrics();
    const logged: string[] = [];
    const rec = new StoreSignInRecorder(store, (m) => logged.push(m), metrics);
    await rec.record({ at: Date.UTC(2027, 0, 2), correlationId: 'C-3', operation: 'refresh', interactive: false, ipAddress: '192.0.2.1', orgId: 'org_t' });
    await rec.flush();
    assert.equal(await value(metrics.signInLogWritesDropped), 1);
    assert.ok(logged.some((m) => /correlation C-3\) could not be stored after 5 tries/.test(m)), logged.join('\n'));
    await store.close();
  });
});
