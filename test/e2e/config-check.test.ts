// `openpsso config check` as a process: every setting with its value and source, secrets masked,
// exit 0 when valid; exit 1 with every error listed when not.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCliEnv } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'config-check-'));

describe('openpsso config check', () => {
  it('prints each setting, its value and where it came from, with the database password masked', async () => {
    const file = join(dir, 'openpsso.config.json');
    writeFileSync(file, JSON.stringify({ clientId: 'file-client', database: { kind: 'postgres', url: 'postgres://app:hunter2@db.example:5432/openpsso' } }));
    const env = { OPENPSSO_CONFIG: file, OPENPSSO_LOG__LEVEL: 'warn' };
    const r = await runCliEnv(env, dir, 'config', 'check', '--port', '9911', '--json');
    assert.equal(r.code, 0, r.err);
    assert.doesNotMatch(r.out, /hunter2/);
    const out = JSON.parse(r.out) as { valid: boolean; settings: { key: string; value: unknown; source: string }[] };
    assert.equal(out.valid, true);
    const by = new Map(out.settings.map((s) => [s.key, s]));
    assert.deepEqual(by.get('clientId'), { key: 'clientId', value: 'file-client', source: `file ${file}` });
    assert.deepEqual(by.get('database.url'), { key: 'database.url', value: 'postgres://app:********@db.example:5432/openpsso', source: `file ${file}` });
    assert.deepEqual(by.get('log.level'), { key: 'log.level', value: 'warn', source: 'env OPENPSSO_LOG__LEVEL' });
    assert.deepEqual(by.get('listen.port'), { key: 'listen.port', value: 9911, source: 'flag --port' });
    assert.deepEqual(by.get('dataDir'), { key: 'dataDir', value: dir, source: 'flag --data-dir' });
    assert.deepEqual(by.get('issuer'), { key: 'issuer', value: 'http://127.0.0.1:9911', source: 'derived' });
    assert.deepEqual(by.get('tokens.nonceLifetimeSeconds'), { key: 'tokens.nonceLifetimeSeconds', value: 300, source: 'default' });
    assert.deepEqual(by.get('tls.certFile'), { key: 'tls.certFile', value: null, source: 'default' });

    const text = await runCliEnv(env, dir, 'config', 'check');
    assert.equal(text.code, 0, text.err);
    assert.match(text.out, /^log\.level +warn +env OPENPSSO_LOG__LEVEL$/m);
    assert.match(text.out, /^tls\.certFile +\(not set\) +default$/m);
    assert.match(text.out, /configuration is valid/);
    assert.doesNotMatch(text.out, /hunter2/);
  });

  it('exits 1 and lists every error, each with its source and suggestion', async () => {
    const file = join(dir, 'typos.json');
    writeFileSync(file, JSON.stringify({ databse: { kind: 'sqlite' }, listen: { prot: 1 } }));
    const r = await runCliEnv({ OPENPSSO_CONFIG: file, OPENPSSO_TOKENS__NONCE_LIFETIME_SECONDS: '1' }, dir, 'config', 'check');
    assert.equal(r.code, 1);
    assert.equal(r.out, '');
    assert.match(r.err, /^openpsso: OPSSO1604 The configuration is invalid\.$/m);
    assert.match(r.err, /^ {2}databse: unknown key \(file .*typos\.json\); did you mean database\?$/m);
    assert.match(r.err, /^ {2}listen\.prot: unknown key \(file .*typos\.json\); did you mean listen\.port\?$/m);
    assert.match(r.err, /^ {2}tokens\.nonceLifetimeSeconds: .* \(env OPENPSSO_TOKENS__NONCE_LIFETIME_SECONDS\)$/m);
    assert.doesNotMatch(r.err, /^\s+at /m);
    const json = await runCliEnv({ OPENPSSO_CONFIG: file }, dir, 'config', 'check', '--json');
    assert.equal(json.code, 1);
    assert.equal((JSON.parse(json.out) as { errors: string[] }).errors.length, 2);
  });
});
