// A 5xx that remains is a bug: the body says only "something went wrong" with a correlation id,
// never the error or a stack, and the server log has the error with that same correlation id.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { startTestServer } from '../helpers/test-server.js';

describe('unexpected errors', () => {
  it('answer 500 OPSSO1900 with a correlation id, and log the error under it', async () => {
    const log = new PassThrough();
    const lines: string[] = [];
    log.on('data', (d: Buffer) => lines.push(...d.toString().split('\n').filter(Boolean)));
    const s = await startTestServer({ logStream: log });
    try {
      // A fault inside the server, not from the request: a key store that throws.
      (s.ctx.keys as unknown as { refresh: () => Promise<void> }).refresh = async () => { throw new Error('boom in /srv/openpsso/secret-path.ts'); };
      const r = await fetch(`${s.url}/.well-known/jwks.json`);
      const text = await r.text();
      assert.equal(r.status, 500);
      const body = JSON.parse(text) as { error_code: string; correlation_id: string };
      assert.equal(body.error_code, 'OPSSO1900');
      assert.doesNotMatch(text, /boom|secret-path|\n\s+at /, 'no error message or stack in the body');
      const logged = lines.map((l) => JSON.parse(l) as { level: number; correlationId?: string; err?: { stack?: string } })
        .filter((l) => l.level >= 50 && l.correlationId === body.correlation_id);
      assert.equal(logged.length, 1, `one error line with the correlation id: ${lines.join('\n')}`);
      assert.match(logged[0]!.err?.stack ?? '', /boom/);
    } finally {
      await s.close();
    }
  });
});
