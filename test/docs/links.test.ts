// The README and docs/*.md cite only files that are in the repository: every relative Markdown link,
// and every path under a source folder (src/, test/, docs/, scripts/, deploy/, bin/) written in the
// text, in a code span or in a code block. Their command lines call the CLI as the README installs it.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';

const ROOT = join(import.meta.dirname, '..', '..');
const DOCS = [join(ROOT, 'README.md'), ...readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => join(ROOT, 'docs', f))];

/** [text](target): relative targets only; the #fragment is not a file. */
export function markdownLinks(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/\[[^\]]*\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) {
    const target = m[1]!;
    if (/^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith('#')) continue;
    const path = target.split('#')[0]!;
    if (path) out.push(decodeURIComponent(path));
  }
  return out;
}

/**
 * Paths into the source folders, wherever they are written. A path ends at whitespace, a quote,
 * a bracket or a backtick; a trailing `:line`, and punctuation ending a sentence, are not part of
 * it. Patterns (`test/fuzz/*.ts`, `users/<name>/`) are not single files and are skipped.
 */
export function repoPaths(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/(?<![\w./-])((?:src|test|docs|scripts|deploy|bin)\/[^\s`'"()[\]{},;]*)/g)) {
    let p = m[1]!.replace(/[.:]+$/, '').replace(/:\d+(?:-\d+)?$/, '');
    if (/[*<>|$]/.test(p)) continue;
    p = p.replace(/\/$/, '');
    out.push(p);
  }
  return out;
}

/** Command lines in code blocks that call the CLI as a bare `openpsso`, which a clone does not put on the PATH. */
export function bareCommands(text: string): string[] {
  const out: string[] = [];
  let fenced = false;
  for (const line of text.split('\n')) {
    if (line.trimStart().startsWith('```')) { fenced = !fenced; continue; }
    // `openpsso user import: OPSSO1620 ...` is what the CLI prints (its error prefix), not a command line.
    const printed = /^\s*openpsso(?:\s[\w-]+)*:\s/.test(line);
    if (fenced && !printed && /(?:^\s*(?:\$\s+)?|(?:&&|\||;)\s*)openpsso\s/.test(line)) out.push(line.trim());
  }
  return out;
}

describe('docs cite only files in the repository and call the CLI as the README installs it', () => {
  it('finds links and paths the way the docs write them', () => {
    assert.deepEqual(markdownLinks('[a](docs/x.md) [b](https://e.com) [c](#top) [d](y.md#part "t")'), ['docs/x.md', 'y.md']);
    assert.deepEqual(bareCommands('```sh\nopenpsso user list\nnpx openpsso user list && openpsso x\n```\nopenpsso in prose'), ['openpsso user list', 'npx openpsso user list && openpsso x']);
    assert.deepEqual(bareCommands('```\nopenpsso user import: OPSSO1620 The file has errors\nopenpsso: OPSSO1611 no organisation\n```'), []);
    assert.deepEqual(repoPaths('see `src/app/a.ts`, (src/b.ts) and src/c/ or test/fuzz/*.ts; src/d.ts:12.'), ['src/app/a.ts', 'src/b.ts', 'src/c', 'src/d.ts']);
  });

  for (const file of DOCS) {
    const name = relative(ROOT, file);
    it(name, () => {
      const text = readFileSync(file, 'utf8');
      const missing = [
        ...markdownLinks(text).filter((t) => !existsSync(join(dirname(file), t))).map((t) => `link ${t}`),
        ...repoPaths(text).filter((p) => !existsSync(join(ROOT, p))).map((p) => `path ${p}`),
      ];
      assert.deepEqual([...new Set(missing)], [], `${name} cites files that are not in the repository`);
      // The README installs from a clone, where the CLI is `npx openpsso` (docs/deploy.md says when it is not).
      assert.deepEqual(bareCommands(text), [], `${name}: write command lines as the README installs the CLI`);
    });
  }
});
