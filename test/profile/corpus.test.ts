// The profile corpus: valid profiles (each method, Entra, binary) lint without errors and broken
// ones give exactly the findings listed in corpus/expected.json (code, severity, path).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { lintProfile } from '../../src/profile/lint.js';

const dir = join(import.meta.dirname, 'corpus');
interface Expected { target?: string; findings: { code: string; severity: string; path: string; line?: number; column?: number }[] }
const expected = JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8')) as Record<string, Expected>;
const files = ['valid', 'broken'].flatMap((sub) => readdirSync(join(dir, sub)).filter((f) => f.endsWith('.mobileconfig')).map((f) => `${sub}/${f}`)).sort();

const key = (f: { code: string; severity: string; path: string }) => `${f.code} ${f.severity} ${f.path}`;

test('every corpus file has an expectation and every expectation a file', () => {
  assert.deepEqual(Object.keys(expected).sort(), files);
});

for (const file of files) {
  test(`corpus ${file}`, () => {
    const exp = expected[file]!;
    const r = lintProfile(readFileSync(join(dir, file)), exp.target ? { targetMacOS: exp.target } : {});
    assert.deepEqual(r.findings.map(key).sort(), exp.findings.map(key).sort());
    for (const e of exp.findings.filter((x) => x.line !== undefined)) {
      const got = r.findings.find((x) => x.code === e.code);
      assert.equal(got?.line, e.line);
      assert.equal(got?.column, e.column);
    }
    if (file.startsWith('valid/')) assert.equal(r.counts.error, 0, 'valid profiles have no errors');
    else assert.ok(r.findings.length > 0, 'broken profiles have findings');
    for (const f of r.findings) {
      assert.match(f.code, /^PSSO-L\d{3}$/);
      assert.ok(f.message.length > 10 && f.fix.length > 5, `${f.code} explains itself`);
      assert.match(f.macOS, /^\d+(\.\d+)?$/);
    }
  });
}

test('the broken corpus covers every rule', () => {
  const covered = new Set(files.filter((f) => f.startsWith('broken/')).flatMap((f) => expected[f]!.findings.map((x) => x.code)));
  for (const code of ['PSSO-L000', 'PSSO-L001', 'PSSO-L002', 'PSSO-L003', 'PSSO-L004', 'PSSO-L005', 'PSSO-L006', 'PSSO-L007', 'PSSO-L008',
    'PSSO-L010', 'PSSO-L011', 'PSSO-L012', 'PSSO-L013', 'PSSO-L014', 'PSSO-L015', 'PSSO-L016', 'PSSO-L017', 'PSSO-L018', 'PSSO-L019', 'PSSO-L020',
    'PSSO-L022', 'PSSO-L023', 'PSSO-L025', 'PSSO-L026', 'PSSO-L027', 'PSSO-L028', 'PSSO-L029', 'PSSO-L030', 'PSSO-L031', 'PSSO-L032', 'PSSO-L033', 'PSSO-L035', 'PSSO-L040', 'PSSO-L041', 'PSSO-L042', 'PSSO-L043', 'PSSO-L044']) {
    assert.ok(covered.has(code), `${code} has a broken corpus file`);
  }
});
