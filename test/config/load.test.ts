// Configuration: defaults, file + environment layering, and clear messages for invalid values.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, endpoints, requestTimeLimits } from '../../src/config/load.js';
import { PssoError } from '../../src/errors/psso-error.js';
import { DEFAULT_REQUEST_TIME_LIMITS } from '../../src/protocol/claims.js';

describe('configuration', () => {
  it('has working defaults', () => {
    const c = loadConfig({ env: {} });
    assert.equal(c.issuer, 'http://127.0.0.1:9900');
    assert.equal(c.tokens.refreshTokenLifetimeSeconds, 14 * 86400);
    assert.equal(c.registration.compatEndpoint, false);
    assert.equal(endpoints(c).tokenEndpoint, 'http://127.0.0.1:9900/psso/token');
  });

  it('derives the issuer from the listen address unless configured', () => {
    assert.equal(loadConfig({ env: { OPENPSSO_LISTEN__PORT: '9911' } }).issuer, 'http://127.0.0.1:9911');
    assert.equal(loadConfig({ env: { OPENPSSO_LISTEN__PORT: '9911', OPENPSSO_ISSUER: 'https://idp.example.com' } }).issuer, 'https://idp.example.com');
  });

  it('layers file, then environment, then overrides', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cfg-'));
    const file = join(dir, 'c.json');
    writeFileSync(file, JSON.stringify({ issuer: 'https://idp.example.com/', clientId: 'from-file', aasa: { authsrvApps: ['ABCDE12345.com.example.sso'] } }));
    const c = loadConfig({ file, env: { OPENPSSO_CLIENT_ID: 'from-env', OPENPSSO_TOKENS__NONCE_LIFETIME_SECONDS: '120' }, overrides: { listen: { port: 9999 } } });
    assert.equal(c.issuer, 'https://idp.example.com', 'trailing slash removed');
    assert.equal(c.clientId, 'from-env');
    assert.equal(c.tokens.nonceLifetimeSeconds, 120);
    assert.equal(c.listen.port, 9999);
    assert.deepEqual(c.aasa.authsrvApps, ['ABCDE12345.com.example.sso']);
  });

  it('reports every invalid key with its path', () => {
    assert.throws(() => loadConfig({ env: { OPENPSSO_ISSUER: 'not a url', OPENPSSO_TOKENS__NONCE_LIFETIME_SECONDS: '1' } }), (e: unknown) => {
      assert.ok(e instanceof PssoError);
      assert.equal(e.code, 'OPSSO1604');
      assert.match(e.message, /issuer/);
      assert.match(e.message, /tokens\.nonceLifetimeSeconds/);
      return true;
    });
  });

  it('request time limits and the refresh grace: defaults, environment, and floors that protect real Macs', () => {
    const d = loadConfig({ env: {} });
    assert.deepEqual(requestTimeLimits(d), { skewSeconds: 60, maxAgeSeconds: 300, maxLifetimeSeconds: 600 });
    assert.deepEqual(requestTimeLimits(d), DEFAULT_REQUEST_TIME_LIMITS, 'the protocol defaults `openpsso inspect` uses');
    assert.equal(d.tokens.refreshGraceSeconds, 120);
    const e = loadConfig({ env: {
      OPENPSSO_TOKENS__MAX_REQUEST_AGE_SECONDS: '120', OPENPSSO_TOKENS__MAX_REQUEST_LIFETIME_SECONDS: '300', OPENPSSO_TOKENS__REFRESH_GRACE_SECONDS: '0',
    } });
    assert.deepEqual(requestTimeLimits(e), { skewSeconds: 60, maxAgeSeconds: 120, maxLifetimeSeconds: 300 });
    assert.equal(e.tokens.refreshGraceSeconds, 0);
    // Below 300 s of lifetime every Mac (exp = iat + 300) would be refused.
    assert.throws(() => loadConfig({ env: { OPENPSSO_TOKENS__MAX_REQUEST_LIFETIME_SECONDS: '299' } }), /tokens\.maxRequestLifetimeSeconds/);
    assert.throws(() => loadConfig({ env: { OPENPSSO_TOKENS__REFRESH_GRACE_SECONDS: '-1' } }), /tokens\.refreshGraceSeconds/);
  });

  it('reports an unreadable or broken file clearly', () => {
    assert.throws(() => loadConfig({ file: '/nonexistent/x.json', env: {} }), /cannot read/);
    const dir = mkdtempSync(join(tmpdir(), 'cfg-'));
    writeFileSync(join(dir, 'bad.json'), '{ nope');
    assert.throws(() => loadConfig({ file: join(dir, 'bad.json'), env: {} }), /not valid JSON/);
  });
});
