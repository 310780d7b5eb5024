// Start-up checks that a process test cannot reach on every machine: a TLS pair that matches is
// accepted, and a port refused for lack of permission (root may bind any port) is explained.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readTlsFiles } from '../../src/app/tls-files.js';
import { explainListenError } from '../../src/server/listen-or-explain.js';
import { PssoError } from '../../src/errors/psso-error.js';
import { makeCardPki } from '../helpers/card-pki.js';

describe('start-up checks', () => {
  it('accepts a certificate with its own key and refuses another key', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tls-'));
    const pki = await makeCardPki(dir, 'alice@example.com');
    const ok = readTlsFiles({ certFile: pki.cardCertFile, keyFile: pki.cardKeyFile });
    assert.match(ok.cert.toString(), /BEGIN CERTIFICATE/);
    assert.match(ok.key.toString(), /BEGIN PRIVATE KEY/);
    assert.throws(() => readTlsFiles({ certFile: pki.caFile, keyFile: pki.cardKeyFile }),
      (e: unknown) => e instanceof PssoError && e.code === 'OPSSO1633' && e.message.includes('is not the key of the certificate'));
  });

  it('explains EACCES and EADDRNOTAVAIL, and leaves other errors as they are', () => {
    const denied = explainListenError(Object.assign(new Error('listen EACCES'), { code: 'EACCES' }), '0.0.0.0', 443);
    assert.ok(denied instanceof PssoError);
    assert.equal(denied.code, 'OPSSO1631');
    assert.match(denied.message, /0\.0\.0\.0:443: permission denied/);
    const v6 = explainListenError(Object.assign(new Error('x'), { code: 'EADDRINUSE' }), '::1', 9900);
    assert.ok(v6 instanceof PssoError && v6.code === 'OPSSO1630' && v6.message.includes('[::1]:9900'));
    const other = new Error('something else');
    assert.equal(explainListenError(other, '127.0.0.1', 1), other);
  });
});
