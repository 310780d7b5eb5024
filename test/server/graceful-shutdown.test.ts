// Draining in process, over raw sockets on loopback: a request in flight when shutdown starts
// finishes (and closes its connection), a request that arrives on an open connection during the
// drain gets a clean 503 OPSSO1640 with Connection: close (so does /readyz), and clean-up and exit 0
// follow; past shutdown.timeoutMs the sockets are closed and the exit code is 1.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { shutDown } from '../../src/server/graceful-shutdown.js';

/** Makes the readiness check's database read wait until released; `entered` resolves when a request is inside it. */
function blockReadiness(s: TestServer) {
  let release!: () => void;
  let entered!: () => void;
  const gate = new Promise<void>((r) => { release = r; });
  const inside = new Promise<void>((r) => { entered = r; });
  const list = s.ctx.store.organisations.list.bind(s.ctx.store.organisations);
  s.ctx.store.organisations.list = async () => { entered(); await gate; return list(); };
  return { release, inside };
}

function open(url: string): Promise<{ socket: Socket; reply: Promise<string> }> {
  const { port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), '127.0.0.1', () => {
      const reply = new Promise<string>((done) => {
        let text = '';
        socket.on('data', (d) => { text += d.toString(); });
        socket.on('close', () => done(text));
      });
      resolve({ socket, reply });
    });
    socket.on('error', reject);
  });
}

function recorder() {
  const steps: string[] = [];
  return {
    steps,
    opts: (timeoutMs: number) => ({
      timeoutMs,
      cleanUp: async () => { steps.push('clean-up'); },
      exit: (code: number) => { steps.push(`exit ${code}`); },
      report: (line: string) => { steps.push(line); },
    }),
  };
}

describe('graceful shutdown', () => {
  it('finishes the request in flight, answers a request arriving during the drain with 503 OPSSO1640, then cleans up and exits 0', async () => {
    const s = await startTestServer();
    try {
      const { release, inside } = blockReadiness(s);
      const inFlight = fetch(`${s.url}/readyz`);
      await inside;
      // A client on an open connection, mid-way through its request headers when the drain starts.
      const late = await open(s.url);
      late.socket.write('GET /readyz HTTP/1.1\r\nHost: 127.0.0.1\r\nx-request-id: late-1\r\n');
      const r = recorder();
      const done = shutDown(s.app, r.opts(60_000));
      assert.equal(s.app.drain.draining, true);
      late.socket.write('\r\n');
      const text = await late.reply;
      const [head, body] = text.split('\r\n\r\n');
      assert.match(head!, /^HTTP\/1\.1 503 /);
      assert.match(head!, /\r\nconnection: close\r\n/i);
      assert.match(head!, /\r\nrequest-id: late-1\r\n/i);
      assert.equal(JSON.parse(body!).error_code, 'OPSSO1640');
      assert.equal(r.steps.length, 0, 'nothing is cleaned up while a request is in flight');

      release();
      const finished = await inFlight;
      assert.equal(finished.status, 200);
      assert.equal(finished.headers.get('connection'), 'close');
      assert.equal(((await finished.json()) as { status: string }).status, 'ready');
      await done;
      assert.deepEqual(r.steps, ['clean-up', 'exit 0']);
      await assert.rejects(fetch(`${s.url}/healthz`), 'no longer listening');
    } finally {
      await s.close();
    }
  });

  it('closes what is still in flight after shutdown.timeoutMs and exits 1 with one line', async () => {
    const s = await startTestServer();
    const { release, inside } = blockReadiness(s);
    try {
      const stuck = fetch(`${s.url}/readyz`).then(() => 'answered', () => 'connection closed');
      await inside;
      const r = recorder();
      await shutDown(s.app, r.opts(200));
      assert.equal(await stuck, 'connection closed');
      assert.equal(r.steps.length, 3, r.steps.join('\n'));
      assert.match(r.steps[0]!, /^openpsso: shutdown timed out after 200 ms; closed 1 connection\(s\)/);
      assert.deepEqual(r.steps.slice(1), ['clean-up', 'exit 1']);
    } finally {
      release();
      await s.close();
    }
  });
});
