// The sign-in log recorder never drops a row silently: failed writes are retried (and a row the
// database refuses is stored sanitised), every failure is counted in metrics and logged.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { openStore } from '../../src/storage/open-store.js';
import { StoreSignInRecorder } from '../../src/app/sign-in-log.js';
import { createMetrics } from '../../src/app/metrics.js';
import { PssoError } from '../../src/errors/psso-error.js';
import type { Store } from '../../src/storage/ports.js';
import { parseSignInFilter } from '../../src/policy/sign-in-filter.js';
import { PLATFORM_SSO_APP_ID } from '../../src/policy/app-ids.js';

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

  it('names a registered app by the name the event carries, records the authorization scope, and filters by app name', async () => {
    const store = await storeWithOrg();
    const rec = new StoreSignInRecorder(store, () => {}, createMetrics());
    const appId = '6a1f2b3c-1111-4000-8000-000000000001';
    await rec.record({ at: Date.UTC(2027, 0, 2), correlationId: 'C-app', operation: 'interactive_signin', interactive: true, ipAddress: '192.0.2.1', orgId: 'org_t', appId, appDisplayName: 'Team Wiki' });
    await rec.record({ at: Date.UTC(2027, 0, 3), correlationId: 'C-elev', operation: 'login', interactive: false, ipAddress: '192.0.2.1', orgId: 'org_t', userAction: 'urn:apple:platformsso:auth:elevation' });
    await rec.flush();
    const [elev, app] = (await store.signInLogs.query('org_t', { top: 10 })).items;
    assert.deepEqual([app!.appId, app!.appDisplayName, app!.authenticationContextClassReferences], [appId, 'Team Wiki', undefined]);
    assert.deepEqual([elev!.appId, elev!.appDisplayName], [PLATFORM_SSO_APP_ID, 'OpenPSSO Platform SSO']);
    assert.deepEqual(elev!.authenticationContextClassReferences, [{ id: 'urn:apple:platformsso:auth:elevation', detail: 'required' }]);
    const found = await store.signInLogs.query('org_t', { top: 10, filter: parseSignInFilter("appDisplayName eq 'team wiki'") });
    assert.deepEqual(found.items.map((r) => r.correlationId), ['C-app']);
    await store.close();
  });
});
