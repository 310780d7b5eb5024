// Where each setting came from (default, file, env, flag, derived), as `openpsso config check`
// shows it, and the masking of secrets in that output.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfigWithSources, loadConfig } from '../../src/config/load.js';
import { loadServeConfig } from '../../src/cli/serve-config.js';
import { maskSetting } from '../../src/cli/config-commands.js';

describe('configuration sources', () => {
  it('name the file, the variable, the flag, derived and default for each setting', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cfg-src-'));
    const file = join(dir, 'openpsso.config.json');
    writeFileSync(file, JSON.stringify({ clientId: 'from-file', listen: { host: '127.0.0.2' }, tokens: { nonceLifetimeSeconds: 60 } }));
    const { config, sources } = loadServeConfig({ config: file, port: '9911', dataDir: dir }, { OPENPSSO_TOKENS__NONCE_LIFETIME_SECONDS: '90', OPENPSSO_LOG__LEVEL: 'warn' });
    assert.equal(sources.clientId, `file ${file}`);
    assert.equal(sources['listen.host'], `file ${file}`);
    assert.equal(sources['tokens.nonceLifetimeSeconds'], 'env OPENPSSO_TOKENS__NONCE_LIFETIME_SECONDS', 'env beats the file');
    assert.equal(config.tokens.nonceLifetimeSeconds, 90);
    assert.equal(sources['log.level'], 'env OPENPSSO_LOG__LEVEL');
    assert.equal(sources['listen.port'], 'flag --port');
    assert.equal(sources.dataDir, 'flag --data-dir');
    assert.equal(sources.issuer, 'derived');
    assert.equal(config.issuer, 'http://127.0.0.2:9911');
    assert.equal(sources['tokens.idTokenLifetimeSeconds'], 'default');
    assert.equal(sources['credentialGuard.perAddress.burst'], 'default');
    assert.ok('tls.certFile' in sources, 'settings that are not set are listed too');
    assert.deepEqual(loadConfig({ file, env: { OPENPSSO_TOKENS__NONCE_LIFETIME_SECONDS: '90', OPENPSSO_LOG__LEVEL: 'warn' }, overrides: { dataDir: dir, listen: { port: '9911' } } }), config,
      'loadConfig gives the same configuration');
  });

  it('list the chosen database kind\'s settings and a configured issuer as configured', () => {
    const { sources } = loadConfigWithSources({ env: { OPENPSSO_DATABASE__KIND: 'postgres', OPENPSSO_DATABASE__URL: 'postgres://u:p@h/d', OPENPSSO_ISSUER: 'https://idp.example.com' } });
    assert.equal(sources['database.url'], 'env OPENPSSO_DATABASE__URL');
    assert.equal(sources['database.schema'], 'default');
    assert.equal(sources['database.file'], undefined, 'the sqlite option is not listed for postgres');
    assert.equal(sources.issuer, 'env OPENPSSO_ISSUER');
    assert.equal(sources['listen.port'], 'default');
  });

  it('mask passwords in URLs and settings named like secrets, not paths or limits', () => {
    assert.equal(maskSetting('database.url', 'postgres://app:hunter2@db.example:5432/openpsso'), 'postgres://app:********@db.example:5432/openpsso');
    assert.equal(maskSetting('database.url', 'postgres://db.example/openpsso'), 'postgres://db.example/openpsso');
    assert.equal(maskSetting('database.url', 'not a url with hunter2'), '********');
    assert.equal(maskSetting('admin.clientSecret', 's3cret'), '********');
    assert.equal(maskSetting('bootstrap.adminPassword', 'pw'), '********');
    assert.equal(maskSetting('masterKey', 'AAAA'), '********');
    assert.equal(maskSetting('tls.keyFile', '/etc/openpsso/key.pem'), '/etc/openpsso/key.pem');
    assert.equal(maskSetting('credentialGuard.passwordConcurrency', 3), 3);
    assert.deepEqual(maskSetting('aasa.webcredentialsApps', ['ABCDE12345.com.x']), ['ABCDE12345.com.x']);
  });
});
