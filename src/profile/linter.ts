// The findings collector shared by the profile linter's key checks (lint.ts) and cross-key rules
// (lint-rules.ts).

import { findingCode, type Severity } from './finding-codes.js';
import type { PNode, Pos } from './plist-read.js';
import { compareVersions } from './util.js';

export interface Finding {
  readonly code: string;
  /** Key path from the profile root, e.g. PayloadContent[0].PlatformSSO.AuthenticationMethod. */
  readonly path: string;
  readonly severity: Severity;
  /** macOS version the finding concerns (the version that introduced the key, or the target). */
  readonly macOS: string;
  readonly message: string;
  readonly fix: string;
  readonly line?: number;
  readonly column?: number;
}

export class Linter {
  readonly findings: Finding[] = [];
  /** The identity provider's base URL, when the caller knows it (else the payload's first URL is used). */
  constructor(readonly target: string, readonly issuer?: string) {}

  add(code: string, path: string, macOS: string, message: string, fix: string, opts: { severity?: Severity; pos?: Pos | undefined } = {}): void {
    const severity = opts.severity ?? findingCode(code)?.severity ?? 'error';
    this.findings.push({ code, path, severity, macOS, message, fix, ...(opts.pos ? { line: opts.pos.line, column: opts.pos.column } : {}) });
  }

  knows(version: string): boolean {
    return compareVersions(this.target, version) >= 0;
  }
}

/** Position of a key's value (or of the key) in a dictionary, for line numbers. */
export function posIn(d: PNode | undefined, k: string): Pos | undefined {
  if (d?.kind !== 'dict') return undefined;
  const e = d.entries.find((x) => x.key === k);
  return e?.value.pos ?? e?.pos;
}

export function join(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}

