// The inspector's report shape and a small recorder that turns each check into {name, ok, detail} (used by `openpsso inspect`).

import { isPssoError } from '../errors/psso-error.js';

export type MessageKind =
  | 'login_request' | 'refresh_request' | 'key_request' | 'key_exchange_request'
  | 'embedded_assertion' | 'encrypted_assertion' | 'login_response' | 'key_response' | 'id_token' | 'unknown';

export interface InspectCheck {
  name: string;
  ok: boolean | 'skipped';
  detail: string;
}

export interface InspectReport {
  kind: MessageKind;
  format: 'jws' | 'jwe' | 'unknown';
  /** Free-text refinement of the kind, e.g. "password login (macOS 14)". */
  summary: string;
  header?: Record<string, unknown>;
  headerJson?: string;
  /** JWS claims, or the decrypted JWE payload; passwords are redacted. */
  claims?: Record<string, unknown>;
  /** Decoded side fields: kid, apv/apu parts, epk kid, times as dates. */
  fields: Record<string, string>;
  checks: InspectCheck[];
  problems: string[];
}

/** Records checks; a thrown PssoError becomes a failed check carrying its code and detail. */
export class CheckRecorder {
  readonly checks: InspectCheck[] = [];

  /** Runs fn; it returns a detail (ok), false or a string starting with "!" (failure), or throws. */
  run(name: string, fn: () => string | boolean | void): boolean {
    try {
      const r = fn();
      if (r === false) return this.add(name, false, 'failed');
      if (typeof r === 'string' && r.startsWith('!')) return this.add(name, false, r.slice(1));
      return this.add(name, true, typeof r === 'string' ? r : 'ok');
    } catch (e) {
      const detail = isPssoError(e) ? `${e.code} ${e.entry.name}${e.detail ? `: ${e.detail}` : ''}` : String((e as Error)?.message ?? e);
      return this.add(name, false, detail);
    }
  }

  skip(name: string, why: string): void {
    this.checks.push({ name, ok: 'skipped', detail: why });
  }

  add(name: string, ok: boolean, detail: string): boolean {
    this.checks.push({ name, ok, detail });
    return ok;
  }

  problems(): string[] {
    return this.checks.filter((c) => c.ok === false).map((c) => `${c.name}: ${c.detail}`);
  }
}

/** Copies claims for display with secrets (password) masked. */
export function redactClaims(claims: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...claims };
  if (typeof out.password === 'string') out.password = `<redacted, ${out.password.length} characters>`;
  return out;
}

export function isoTime(v: number | undefined): string {
  return v === undefined ? 'absent' : `${v} (${new Date(v * 1000).toISOString()})`;
}
