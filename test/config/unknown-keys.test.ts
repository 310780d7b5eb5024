// Unknown configuration keys are refused with the nearest known key suggested, at every level and
// from every source (file, OPENPSSO_* variables, overrides); JSON errors give line and column;
// a wrong value names its key and where it came from.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/load.js';
import { isConfigVariable } from '../../src/config/env-vars.js';
import { editDistance, nearestKey } from '../../src/config/nearest-key.js';
import { PssoError } from '../../src/errors/psso-error.js';

const dir = mkdtempSync(join(tmpdir(), 'cfg-keys-'));
function fileWith(name: string, text: string): string {
  const f = join(dir, name);
  writeFileSync(f, text);
  return f;
}

/** The issues of the invalid_configuration error `fn` throws. */
function issuesOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof PssoError, String(e));
    assert.equal(e.code, 'OPSSO1604');
    assert.doesNotMatch(e.message, /\n/, 'one line, as start-up prints it');
    return e.extra?.issues as string[];
  }
  assert.fail('expected the configuration to be refused');
}

describe('unknown configuration keys', () => {
  it('are refused in the file at every level, each with its nearest key', () => {
    const file = fileWith('typos.json', JSON.stringify({
      databse: { kind: 'sqlite' },
      listen: { prot: 9901 },
      credentialGuard: { perAddress: { burst: 5, perSecnd: 1 } },
      frobnicate: true,
    }));
    const issues = issuesOf(() => loadConfig({ file, env: {} }));
    const src = `(file ${file})`;
    assert.ok(issues.includes(`databse: unknown key ${src}; did you mean database?`), issues.join('\n'));
    assert.ok(issues.includes(`listen.prot: unknown key ${src}; did you mean listen.port?`), issues.join('\n'));
    assert.ok(issues.includes(`credentialGuard.perAddress.perSecnd: unknown key ${src}; did you mean credentialGuard.perAddress.perSecond?`), issues.join('\n'));
    assert.ok(issues.includes(`frobnicate: unknown key ${src}`), 'nothing close enough: no suggestion');
  });

  it('are refused inside the chosen database kind', () => {
    const issues = issuesOf(() => loadConfig({ env: {}, overrides: { database: { kind: 'postgres', url: 'postgres://h/d', shema: 'x' } } }));
    assert.deepEqual(issues, ['database.shema: unknown key (override); did you mean database.schema?']);
  });

  it('name the environment variable and suggest the right one', () => {
    const issues = issuesOf(() => loadConfig({ env: { OPENPSSO_LISTN__PORT: '9901', OPENPSSO_TOKENS__NONCE_LIFETIM_SECONDS: '60' } }));
    assert.ok(issues.includes('OPENPSSO_LISTN__PORT: unknown configuration variable (listn is not a key); did you mean OPENPSSO_LISTEN__PORT?'), issues.join('\n'));
    assert.ok(issues.includes('OPENPSSO_TOKENS__NONCE_LIFETIM_SECONDS: unknown configuration variable (tokens.nonceLifetimSeconds is not a key); did you mean OPENPSSO_TOKENS__NONCE_LIFETIME_SECONDS?'), issues.join('\n'));
  });

  it('leave the documented non-configuration OPENPSSO_* variables alone', () => {
    for (const name of ['OPENPSSO_CONFIG', 'OPENPSSO_MASTER_KEY', 'OPENPSSO_CLIENT_SECRET', 'OPENPSSO_TEST_PG', 'OPENPSSO_BENCH_OVERRIDES', 'OPENPSSO_FUZZ_RUNS', 'OPENPSSO_SCREENSHOT_DIR', 'OPENPSSO_MAC_ATTESTATION_ROOT_KEY', 'OPENPSSO_MAC_ATTESTATION_ROOT_CERT']) {
      assert.equal(isConfigVariable(name), false, name);
    }
    assert.equal(isConfigVariable('OPENPSSO_LISTEN__PORT'), true);
    assert.equal(isConfigVariable('HOME'), false);
    const c = loadConfig({ env: { OPENPSSO_TEST_PG: 'postgres://x', OPENPSSO_FUZZ_SEED: '1', OPENPSSO_BENCH_OVERRIDES: '{}', OPENPSSO_CLIENT_SECRET: 's', OPENPSSO_MAC_ATTESTATION_ROOT_KEY: 'k.pem' } });
    assert.equal(c.listen.port, 9900);
  });

  it('suggest by edit distance, transpositions counting once, and only when close', () => {
    assert.equal(editDistance('prot', 'port'), 1);
    assert.equal(editDistance('databse', 'database'), 1);
    assert.equal(editDistance('', 'abc'), 3);
    assert.equal(nearestKey('LISTEN', ['listen', 'log']), 'listen');
    assert.equal(nearestKey('level', ['port', 'host']), undefined);
  });
});

describe('configuration values', () => {
  it('a JSON syntax error gives line and column', () => {
    const trailingComma = fileWith('comma.json', '{\n  "listen": {\n    "port": 9901,\n  }\n}\n');
    assert.deepEqual(issuesOf(() => loadConfig({ file: trailingComma, env: {} })), undefined, 'no key issues: a syntax error');
    assert.throws(() => loadConfig({ file: trailingComma, env: {} }), (e: unknown) => {
      assert.ok(e instanceof PssoError);
      assert.match(e.message, new RegExp(`${trailingComma.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is not valid JSON: line 4, column 3: PropertyNameExpected`));
      return true;
    });
    const truncated = fileWith('truncated.json', '{\n  "issuer": "https://idp.example.com"');
    assert.throws(() => loadConfig({ file: truncated, env: {} }), /line 2, column 38: CloseBraceExpected/);
    const secret = fileWith('secret.json', '{"database": {"kind": "postgres", "url": "postgres://u:hunter2@h/d"} x}');
    assert.throws(() => loadConfig({ file: secret, env: {} }), (e: unknown) => {
      assert.ok(e instanceof PssoError);
      assert.match(e.message, /line 1, column 70/);
      assert.doesNotMatch(e.message, /hunter2/, 'the file text is not quoted');
      return true;
    });
    assert.throws(() => loadConfig({ file: fileWith('array.json', '[]'), env: {} }), /must hold a JSON object/);
  });

  it('a wrong value keeps zod\'s message and says which key and where it came from', () => {
    const file = fileWith('types.json', JSON.stringify({ log: { level: 'loud' }, credentialGuard: { perAccount: { burst: 3 } } }));
    const issues = issuesOf(() => loadConfig({ file, env: { OPENPSSO_LISTEN__PORT: 'eighty' }, overrides: { demo: 'yes' } }));
    assert.ok(issues.some((i) => /^listen\.port: .*expected number.* \(env OPENPSSO_LISTEN__PORT\)$/.test(i)), issues.join('\n'));
    assert.ok(issues.some((i) => i.startsWith('log.level: Invalid option') && i.endsWith(`(file ${file})`)), issues.join('\n'));
    assert.ok(issues.some((i) => /^demo: .*expected boolean.* \(override\)$/.test(i)), issues.join('\n'));
    assert.ok(issues.includes(`credentialGuard.perAccount.perSecond: Invalid input: expected number, received NaN (missing; file ${file})`), issues.join('\n'));
  });
});
