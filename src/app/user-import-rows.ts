// Reads a user-import CSV into rows, checking only what the file itself can show: the header, each
// row's shape, the required user name and duplicates. Pure (no storage), so every problem in the
// file is reported at once, each with its physical line number. Parsing is csv-parse's (RFC 4180:
// quoted commas, quotes and line breaks, CRLF, a byte-order mark).

import { parse, CsvError } from 'csv-parse/sync';
import { PssoError } from '../errors/psso-error.js';
import { principalNameKey } from '../storage/ports.js';

export const IMPORT_COLUMNS = ['userPrincipalName', 'displayName', 'mail', 'groups', 'password'] as const;
export type ImportColumn = (typeof IMPORT_COLUMNS)[number];

/** Rows per import: enough for any organisation's first load, small enough for one transaction. */
export const MAX_IMPORT_ROWS = 100_000;
export const MAX_IMPORT_BYTES = 64 * 1024 * 1024;

export interface ImportRow {
  /** Physical line (from 1, the header included) where the row starts. */
  line: number;
  userPrincipalName: string;
  /** Absent when the column is missing or the cell is empty: "leave as it is" (or the default for a new user). */
  displayName?: string;
  mail?: string;
  groups: string[];
  password?: string;
}

export interface RowError { line: number; column: ImportColumn | null; message: string }

export interface ParsedImport { columns: ImportColumn[]; rows: ImportRow[]; errors: RowError[] }

export function tooLarge(detail: string): PssoError {
  return new PssoError('import_too_large', detail);
}

/** Edit distance counting a swap of neighbours as one edit (optimal string alignment), for typos like "emial". */
function distance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i]![j] = Math.min(d[i]![j]!, d[i - 2]![j - 2]! + 1);
    }
  }
  return d[a.length]![b.length]!;
}

// Names other tools export for the same columns.
const ALIASES: Record<string, ImportColumn> = { upn: 'userPrincipalName', username: 'userPrincipalName', login: 'userPrincipalName', email: 'mail', name: 'displayName', group: 'groups' };

function didYouMean(name: string): string {
  const alias = ALIASES[name.replace(/[\s_-]/g, '')];
  if (alias) return `; did you mean "${alias}"?`;
  const best = [...IMPORT_COLUMNS].sort((x, y) => distance(name, x.toLowerCase()) - distance(name, y.toLowerCase()))[0]!;
  return distance(name, best.toLowerCase()) <= Math.max(2, Math.floor(best.length / 3)) ? `; did you mean "${best}"?` : '';
}

/** Start lines from the parser's byte offsets: each record starts after the previous one ends, past blank lines. */
function lineCounter(buf: Buffer) {
  let pos = 0;
  let line = 1;
  return (startByte: number): number => {
    let at = startByte;
    while (at < buf.length && (buf[at] === 0x0a || buf[at] === 0x0d)) at++;
    for (; pos < at; pos++) if (buf[pos] === 0x0a) line++;
    return line;
  };
}

function header(cells: string[], errors: RowError[]): (ImportColumn | null)[] {
  const byLower = new Map(IMPORT_COLUMNS.map((c) => [c.toLowerCase(), c]));
  const seen = new Set<ImportColumn>();
  const columns = cells.map((raw) => {
    const name = raw.trim();
    const col = byLower.get(name.toLowerCase());
    if (!col) {
      errors.push({ line: 1, column: null, message: `unknown column ${JSON.stringify(name.slice(0, 60))}${didYouMean(name.toLowerCase())} (columns: ${IMPORT_COLUMNS.join(', ')})` });
      return null;
    }
    if (seen.has(col)) errors.push({ line: 1, column: col, message: `column ${col} appears twice` });
    seen.add(col);
    return col;
  });
  if (!seen.has('userPrincipalName')) errors.push({ line: 1, column: 'userPrincipalName', message: 'missing required column userPrincipalName (the first line must be a header naming the columns)' });
  return columns;
}

export function parseImportCsv(input: Buffer): ParsedImport {
  if (input.length > MAX_IMPORT_BYTES) throw tooLarge(`${input.length} bytes; at most ${MAX_IMPORT_BYTES} per import`);
  const errors: RowError[] = [];
  let records: { record: string[]; info: { bytes: number } }[];
  try {
    records = parse(input, { bom: true, info: true, relax_column_count: true, skip_empty_lines: true }) as unknown as typeof records;
  } catch (e) {
    if (e instanceof CsvError) {
      const line = typeof (e as { lines?: unknown }).lines === 'number' ? (e as unknown as { lines: number }).lines : 1;
      return { columns: [], rows: [], errors: [{ line, column: null, message: `not valid CSV: ${e.message.replace(/^Invalid [^:]*: /, '')}` }] };
    }
    throw e;
  }
  if (records.length === 0) return { columns: [], rows: [], errors: [{ line: 1, column: null, message: `the file is empty; the first line must be a header such as ${IMPORT_COLUMNS.join(',')}` }] };
  if (records.length - 1 > MAX_IMPORT_ROWS) throw tooLarge(`${records.length - 1} rows; at most ${MAX_IMPORT_ROWS} per import`);

  const columns = header(records[0]!.record, errors);
  if (errors.length > 0) return { columns: [], rows: [], errors };
  if (records.length === 1) errors.push({ line: 2, column: null, message: 'no rows after the header' });

  const startLine = lineCounter(input);
  startLine(0);
  const rows: ImportRow[] = [];
  const firstLine = new Map<string, { line: number; upn: string }>();
  for (let i = 1; i < records.length; i++) {
    const { record } = records[i]!;
    const line = startLine(records[i - 1]!.info.bytes);
    if (record.length !== columns.length) {
      errors.push({ line, column: null, message: `has ${record.length} fields, the header has ${columns.length} (a comma inside a value needs "quotes")` });
      continue;
    }
    const cell = (c: ImportColumn): string | undefined => {
      const at = columns.indexOf(c);
      const v = at < 0 ? '' : record[at]!.trim();
      return v === '' ? undefined : v;
    };
    const upn = cell('userPrincipalName');
    if (upn === undefined) {
      errors.push({ line, column: 'userPrincipalName', message: 'is required' });
      continue;
    }
    const key = principalNameKey(upn);
    const first = firstLine.get(key);
    if (first) {
      const how = first.upn === upn ? '' : ` (${first.upn}; user names compare case-insensitively)`;
      errors.push({ line, column: 'userPrincipalName', message: `${upn} is already on line ${first.line}${how}: each user once per file` });
      continue;
    }
    firstLine.set(key, { line, upn });
    const displayName = cell('displayName');
    const mail = cell('mail');
    const password = at(columns, record, 'password');
    rows.push({
      line, userPrincipalName: upn, ...(displayName !== undefined ? { displayName } : {}), ...(mail !== undefined ? { mail } : {}),
      groups: [...new Set((cell('groups') ?? '').split(';').map((g) => g.trim()).filter((g) => g !== ''))],
      ...(password !== undefined ? { password } : {}),
    });
  }
  return { columns: columns as ImportColumn[], rows, errors };
}

/** Passwords are taken as written: spaces at either end are part of them. */
function at(columns: (ImportColumn | null)[], record: string[], c: ImportColumn): string | undefined {
  const i = columns.indexOf(c);
  return i < 0 || record[i] === '' ? undefined : record[i];
}
