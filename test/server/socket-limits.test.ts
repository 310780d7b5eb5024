// Socket limits over real sockets on loopback, with small configured values: a client that sends
// headers and then no body, one that never finishes its headers, and an idle keep-alive socket
// are all closed on time; connections above the cap are dropped while open ones keep working.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { loadConfig } from '../../src/config/load.js';

interface Raw { socket: Socket; data: () => string; closed: Promise<number> }

/** A raw TCP connection; `closed` resolves with the milliseconds from connect to close. */
async function open(url: string): Promise<Raw> {
  const { port } = new URL(url);
  const socket = connect(Number(port), '127.0.0.1');
  let data = '';
  socket.setEncoding('latin1');
  socket.on('data', (d: string) => { data += d; });
  socket.on('error', () => undefined); // a reset is one of the expected endings
  await new Promise<void>((resolve, reject) => { socket.once('connect', resolve); socket.once('error', reject); });
  const t0 = Date.now();
  const closed = new Promise<number>((resolve) => socket.once('close', () => resolve(Date.now() - t0)));
  return { socket, data: () => data, closed };
}

const GET = 'GET /.well-known/openid-configuration HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n';

/** Waits until the socket has received a complete response to one more request. */
async function responses(r: Raw, n: number, within = 2000): Promise<void> {
  const until = Date.now() + within;
  while ((r.data().match(/HTTP\/1\.1 200/g) ?? []).length < n) {
    if (Date.now() > until) throw new Error(`no response ${n}: ${r.data().slice(0, 200)}`);
    await new Promise((res) => setTimeout(res, 10));
  }
}

const within = (p: Promise<number>, ms: number) => Promise.race([p, new Promise<number>((_, rej) => setTimeout(() => rej(new Error(`still open after ${ms} ms`)), ms))]);

describe('socket limits', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer({ overrides: { limits: { requestTimeoutMs: 400, headersTimeoutMs: 300, keepAliveTimeoutMs: 300, connectionTimeoutMs: 5000, maxConnections: 0 } } });
  });
  after(async () => { await s.close(); });

  it('cuts a client that sends headers and then no body after the request timeout', async () => {
    const r = await open(s.url);
    r.socket.write('POST /psso/nonce HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\ngrant');
    const ms = await within(r.closed, 3000);
    assert.ok(ms >= 350, `closed after ${ms} ms, not before the limit`);
    assert.match(r.data(), /^(HTTP\/1\.1 408|$)/, 'a 408 or a bare close, never a handler reply');
  });

  it('cuts a client that never finishes its headers after the headers timeout', async () => {
    const r = await open(s.url);
    r.socket.write('GET /.well-known/openid-configuration HTTP/1.1\r\nHost: 127.0.0.1\r\n');
    const ms = await within(r.closed, 3000);
    assert.ok(ms >= 250, `closed after ${ms} ms`);
  });

  it('closes an idle keep-alive socket after the keep-alive timeout', async () => {
    const r = await open(s.url);
    r.socket.write(GET);
    await responses(r, 1);
    const ms = await within(r.closed, 3000);
    assert.match(r.data(), /keep-alive/i, 'the response kept the connection open at first');
    assert.ok(ms >= 250, `closed after ${ms} ms`);
  });
});

describe('requests the HTTP parser refuses', () => {
  let s: TestServer;
  before(async () => { s = await startTestServer(); });
  after(async () => { await s.close(); });

  it('answer 400 with a catalogue body, not a bare framework error', async () => {
    for (const raw of ['GET / HTTP/1.1\r\nHost: x\r\nUser-Agent: a\u0000b\r\n\r\n', 'GET / HTTP/1.1\r\nHost: x\r\nX-Big: ' + 'a'.repeat(20_000) + '\r\n\r\n', 'NOT HTTP AT ALL\r\n\r\n']) {
      const r = await open(s.url);
      r.socket.write(raw, 'latin1');
      await within(r.closed, 3000);
      assert.match(r.data(), /^HTTP\/1\.1 400 /, JSON.stringify(raw.slice(0, 40)));
      const body = JSON.parse(r.data().slice(r.data().indexOf('\r\n\r\n') + 4)) as { error_code: string; correlation_id: string };
      assert.equal(body.error_code, 'OPSSO1001');
      assert.ok(body.correlation_id);
    }
  });
});

describe('connection cap', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer({ overrides: { limits: { keepAliveTimeoutMs: 10_000, maxConnections: 2 } } });
  });
  after(async () => { await s.close(); });

  it('drops connections above maxConnections while open ones keep working', async () => {
    const a = await open(s.url);
    const b = await open(s.url);
    a.socket.write(GET);
    b.socket.write(GET);
    await responses(a, 1);
    await responses(b, 1);
    const c = await open(s.url); // the kernel accepts; Node then destroys it at once
    c.socket.write(GET);
    await within(c.closed, 2000);
    assert.doesNotMatch(c.data(), /HTTP\/1\.1/, 'the connection over the cap got no answer');
    a.socket.write(GET);
    await responses(a, 2);
    a.socket.destroy();
    b.socket.destroy();
    await Promise.all([a.closed, b.closed]);
    // Below the cap again, a new connection is served.
    const d = await open(s.url);
    d.socket.write(GET);
    await responses(d, 1);
    d.socket.destroy();
  });
});

describe('socket limit configuration', () => {
  it('has defaults for Macs behind a reverse proxy and refuses a headers timeout above the request timeout', () => {
    const l = loadConfig({ env: {} }).limits;
    assert.deepEqual(l, { bodyLimitBytes: 65536, requestTimeoutMs: 10_000, headersTimeoutMs: 5_000, keepAliveTimeoutMs: 72_000, connectionTimeoutMs: 120_000, maxConnections: 1000 });
    assert.throws(() => loadConfig({ env: {}, overrides: { limits: { requestTimeoutMs: 1000, headersTimeoutMs: 2000 } } }), /headersTimeoutMs/);
    assert.equal(loadConfig({ env: { OPENPSSO_LIMITS__MAX_CONNECTIONS: '50' } }).limits.maxConnections, 50);
  });
});
