// Renders an inspector report as plain text, like a debugger's output, for `openpsso inspect`.

import { appleStringify } from '../protocol/apple-json.js';
import type { InspectCheck, InspectReport } from './report.js';

function mark(c: InspectCheck): string {
  return c.ok === 'skipped' ? '[skip]' : c.ok ? '[ ok ]' : '[FAIL]';
}

function indent(text: string, by = '  '): string {
  return text.split('\n').map((l) => by + l).join('\n');
}

function table(rows: Array<[string, string]>, by = '  '): string {
  const width = Math.max(0, ...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `${by}${k.padEnd(width)}  ${v}`).join('\n');
}

/** Long strings (certificates, embedded tokens) are shortened for reading; --json keeps them whole. */
function shorten(v: unknown): unknown {
  if (typeof v === 'string') return v.length > 120 ? `${v.slice(0, 56)}…${v.slice(-16)} (${v.length} chars)` : v;
  if (Array.isArray(v)) return v.map(shorten);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, shorten(x)]));
  return v;
}

export function formatInspectReport(r: InspectReport): string {
  const out: string[] = [];
  out.push(`Message: ${r.summary || r.kind}`);
  out.push(`Kind:    ${r.kind} (${r.format.toUpperCase()})`);
  if (r.header) out.push('', 'Header:', indent(appleStringify(shorten(r.header))));
  if (r.claims) out.push('', r.format === 'jwe' ? 'Payload (decrypted):' : 'Claims:', indent(appleStringify(shorten(r.claims))));
  const fields = Object.entries(r.fields).map(([k, v]) => [k, shorten(v) as string] as [string, string]);
  if (fields.length) out.push('', 'Fields:', table(fields));
  if (r.checks.length) {
    out.push('', 'Checks:', table(r.checks.map((c) => [`${mark(c)} ${c.name}`, c.detail])));
  }
  out.push('');
  if (r.problems.length === 0) out.push('No problems found.');
  else out.push(`Problems (${r.problems.length}):`, ...r.problems.map((p) => `  - ${p}`));
  return out.join('\n');
}
