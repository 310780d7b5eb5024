// The request log as an operator reads it: one JSON line per request at info, carrying the caller's
// correlation id (also answered in request-id / x-request-id and stored in the sign-in log row),
// the route, status, duration, client address and, on errors, the catalogue code, and no secret.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { RawDevice, post } from '../helpers/raw-device.js';
import { buildPssoForm } from '../../src/protocol/index.js';
import { DEMO_PASSWORD } from '../../src/app/demo.js';
import { parseSignInFilter } from '../../src/policy/sign-in-filter.js';

const ALICE = 'alice@demo.openpsso.test';

interface Line { level: number; msg: string; requestId?: string; method?: string; route?: string; path?: string; status?: number; durationMs?: number; clientIp?: string; code?: string }

describe('request log and correlation ids', () => {
  let s: TestServer;
  let dev: RawDevice;
  let raw = '';
  const lines = (): Line[] => raw.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Line);
  const requestLine = (id: string) => {
    const found = lines().filter((l) => l.msg === 'request' && l.requestId === id);
    assert.equal(found.length, 1, `one request line for ${id}:\n${raw}`);
    return found[0]!;
  };

  before(async () => {
    const log = new PassThrough();
    log.on('data', (d: Buffer) => { raw += d.toString(); });
    s = await startTestServer({ logStream: log });
    dev = new RawDevice(s.url);
    assert.equal((await dev.register(s.registrationToken)).status, 201);
  });
  after(async () => { await s.close(); });

  const login = async (password: string, headers: Record<string, string>) => {
    const built = dev.loginRequest(await dev.nonce(), Math.floor(s.ctx.clock.now() / 1000), { username: ALICE, password });
    const r = await fetch(dev.tokenUrl, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body: buildPssoForm(built.jwt, '1.0', 'assertion') });
    await r.arrayBuffer();
    return { r, jwt: built.jwt };
  };

  it("honours the Mac's client-request-id: response headers, the request's log line and the sign-in log row", async () => {
    const id = crypto.randomUUID();
    const { r, jwt } = await login(DEMO_PASSWORD, { 'client-request-id': id, 'user-agent': 'AppSSOAgent/1.0' });
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('request-id'), id.toUpperCase());
    assert.equal(r.headers.get('x-request-id'), id.toUpperCase());
    const line = requestLine(id.toUpperCase());
    assert.equal(line.level, 30, 'info');
    assert.deepEqual({ method: line.method, route: line.route, path: line.path, status: line.status, clientIp: line.clientIp, code: line.code },
      { method: 'POST', route: '/psso/token', path: '/psso/token', status: 200, clientIp: '127.0.0.1', code: undefined });
    assert.equal(typeof line.durationMs, 'number');
    await s.ctx.signIns.flush?.();
    const rows = await s.ctx.store.signInLogs.query(s.orgId, { filter: parseSignInFilter(`correlationId eq '${id.toUpperCase()}'`), top: 5 });
    assert.deepEqual(rows.items.map((row) => row.status.errorCode), [0]);
    // No secret anywhere in the log: not the password, the signed request, nor the registration token.
    for (const secret of [DEMO_PASSWORD, jwt.split('.')[2]!, s.registrationToken]) assert.ok(!raw.includes(secret), `log contains a secret: ${secret.slice(0, 12)}…`);
  });

  it('carries the catalogue code of a refusal on the same line', async () => {
    const id = crypto.randomUUID().toUpperCase();
    const { r } = await login('not the password', { 'client-request-id': id });
    assert.equal(r.status, 401);
    const line = requestLine(id);
    assert.equal(line.code, 'OPSSO1201');
    assert.equal(line.status, 401);
    assert.ok(!raw.includes('not the password'));
  });

  it('takes x-request-id when there is no client-request-id, sanitised and capped; otherwise makes one', async () => {
    const plain = await fetch(`${s.url}/healthz`, { headers: { 'x-request-id': 'edge-7f3a.42' } });
    assert.equal(plain.headers.get('request-id'), 'edge-7f3a.42');
    requestLine('edge-7f3a.42');

    const dirty = await fetch(`${s.url}/healthz`, { headers: { 'x-request-id': `"a b"\\<c>{d}${'e'.repeat(100)}` } });
    const cleaned = `abcd${'e'.repeat(60)}`;
    assert.equal(dirty.headers.get('x-request-id'), cleaned);
    requestLine(cleaned);

    const both = await fetch(`${s.url}/healthz`, { headers: { 'x-request-id': 'from-proxy', 'client-request-id': 'from-client' } });
    assert.equal(both.headers.get('request-id'), 'from-client');

    const none = await fetch(`${s.url}/healthz`, { headers: { 'x-request-id': '<>' } });
    const made = none.headers.get('request-id') ?? '';
    assert.match(made, /^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$/);
    requestLine(made);
  });

  it('logs the path without its query and never the Authorization header', async () => {
    const id = 'query-secret-check';
    const r = await post(`${s.url}/no/such/path?access_token=QUERYSECRET123`, '', undefined, { 'x-request-id': id, authorization: 'Bearer HEADERSECRET456' });
    assert.equal(r.status, 404);
    const line = requestLine(id);
    assert.equal(line.path, '/no/such/path');
    assert.equal(line.code, 'OPSSO1007');
    assert.equal(line.route, 'unmatched');
    assert.ok(!raw.includes('QUERYSECRET123') && !raw.includes('HEADERSECRET456'));
  });
});
