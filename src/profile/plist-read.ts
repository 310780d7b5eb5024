// Reads a property list (XML or bplist00) into a typed tree that keeps what a linter needs and
// generic plist parsers drop: integer versus real, duplicate keys, and line/column of each value.

import { DOMParser } from '@xmldom/xmldom';
import { parseBuffer as parseBinaryPlist, UID } from 'bplist-parser';

export interface Pos { readonly line: number; readonly column: number }

export type PNode =
  | { kind: 'dict'; entries: DictEntry[]; pos?: Pos }
  | { kind: 'array'; items: PNode[]; pos?: Pos }
  | { kind: 'string'; value: string; pos?: Pos }
  | { kind: 'integer'; value: number; pos?: Pos }
  | { kind: 'real'; value: number; pos?: Pos }
  | { kind: 'boolean'; value: boolean; pos?: Pos }
  | { kind: 'date'; value: Date; pos?: Pos }
  | { kind: 'data'; value: Buffer; pos?: Pos };

export interface DictEntry { key: string; value: PNode; pos?: Pos }

export type PNodeOf<K extends PNode['kind']> = Extract<PNode, { kind: K }>;

/** A file that cannot be read as a property list at all. Line and column are 1-based. */
export class PlistParseError extends Error {
  constructor(message: string, readonly line?: number, readonly column?: number) {
    super(message);
    this.name = 'PlistParseError';
  }
}

export interface ParsedPlist {
  readonly format: 'xml' | 'binary';
  readonly root: PNode;
  /** Keys that occur twice in one dictionary (the later value is kept, like CFPropertyList). */
  readonly duplicateKeys: { path: string; key: string; pos?: Pos }[];
}

export function parsePlist(bytes: Buffer): ParsedPlist {
  if (bytes.subarray(0, 6).toString('latin1') === 'bplist') return parseBinary(bytes);
  return parseXml(decodeText(bytes));
}

function decodeText(bytes: Buffer): string {
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return bytes.subarray(2).toString('utf16le');
  if (bytes[0] === 0xfe && bytes[1] === 0xff) {
    const swapped = Buffer.from(bytes.subarray(2));
    swapped.swap16();
    return swapped.toString('utf16le');
  }
  const text = bytes.toString('utf8');
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

// ---------------------------------------------------------------- XML

interface XNode {
  nodeType: number;
  nodeName: string;
  textContent: string | null;
  childNodes: ArrayLike<XNode>;
  lineNumber?: number;
  columnNumber?: number;
}

const ELEMENT = 1;
const TEXT = 3;
const CDATA = 4;
const COMMENT = 8;
const PI = 7;

function parseXml(text: string): ParsedPlist {
  if (text.trim() === '') throw new PlistParseError('the file is empty', 1, 1);
  let doc: { documentElement: XNode | null };
  try {
    doc = new DOMParser({
      onError: (level: string, msg: string) => {
        if (level !== 'warning') throw new Error(msg);
      },
    }).parseFromString(text, 'text/xml') as unknown as { documentElement: XNode | null };
  } catch (err) {
    const e = err as { message?: string; locator?: { lineNumber?: number; columnNumber?: number } };
    const raw = String(e.message ?? err);
    // xmldom wraps the handler's error: 'Reporting fatalError "X" caused Error: X'.
    const inner = /caused (?:\w*Error: )?([\s\S]*)$/.exec(raw)?.[1] ?? raw;
    const line = e.locator?.lineNumber && e.locator.lineNumber > 0 ? e.locator.lineNumber : 1;
    const column = e.locator?.columnNumber && e.locator.columnNumber > 0 ? e.locator.columnNumber : 1;
    throw new PlistParseError(`XML syntax error: ${inner.trim()}`, line, column);
  }
  const top = doc.documentElement;
  if (!top) throw new PlistParseError('no root element', 1, 1);
  if (top.nodeName !== 'plist') {
    throw new PlistParseError(`the root element is <${top.nodeName}>, expected <plist>`, top.lineNumber, top.columnNumber);
  }
  const kids = elementChildren(top);
  if (kids.length !== 1) {
    throw new PlistParseError(`<plist> must contain exactly one value, found ${kids.length}`, top.lineNumber, top.columnNumber);
  }
  const duplicateKeys: ParsedPlist['duplicateKeys'] = [];
  const root = xmlValue(kids[0]!, '', duplicateKeys);
  return { format: 'xml', root, duplicateKeys };
}

function posOf(n: XNode): Pos | undefined {
  return n.lineNumber ? { line: n.lineNumber, column: n.columnNumber ?? 1 } : undefined;
}

function elementChildren(n: XNode): XNode[] {
  const out: XNode[] = [];
  for (let i = 0; i < n.childNodes.length; i++) {
    const c = n.childNodes[i]!;
    if (c.nodeType === ELEMENT) out.push(c);
    else if ((c.nodeType === TEXT || c.nodeType === CDATA) && (c.textContent ?? '').trim() !== '') {
      throw new PlistParseError(`unexpected text "${(c.textContent ?? '').trim().slice(0, 40)}" inside <${n.nodeName}>`, c.lineNumber ?? n.lineNumber, c.columnNumber ?? n.columnNumber);
    } else if (c.nodeType !== TEXT && c.nodeType !== CDATA && c.nodeType !== COMMENT && c.nodeType !== PI) {
      // Entity references and the like: ignore, the text content already carries them.
    }
  }
  return out;
}

function fail(n: XNode, message: string): never {
  throw new PlistParseError(message, n.lineNumber, n.columnNumber);
}

function xmlValue(n: XNode, path: string, dups: ParsedPlist['duplicateKeys']): PNode {
  const pos = posOf(n);
  const text = n.textContent ?? '';
  switch (n.nodeName) {
    case 'dict': {
      const kids = elementChildren(n);
      const entries: DictEntry[] = [];
      for (let i = 0; i < kids.length; i += 2) {
        const k = kids[i]!;
        if (k.nodeName !== 'key') fail(k, `expected <key> in <dict>, found <${k.nodeName}>`);
        const v = kids[i + 1];
        if (!v) fail(k, `<key>${k.textContent ?? ''}</key> has no value`);
        const key = k.textContent ?? '';
        const childPath = path === '' ? key : `${path}.${key}`;
        const value = xmlValue(v, childPath, dups);
        const existing = entries.findIndex((e) => e.key === key);
        const kpos = posOf(k);
        if (existing >= 0) {
          dups.push({ path: childPath, key, ...(kpos ? { pos: kpos } : {}) });
          entries.splice(existing, 1);
        }
        entries.push({ key, value, ...(kpos ? { pos: kpos } : {}) });
      }
      return { kind: 'dict', entries, ...(pos ? { pos } : {}) };
    }
    case 'array':
      return { kind: 'array', items: elementChildren(n).map((c, i) => xmlValue(c, `${path}[${i}]`, dups)), ...(pos ? { pos } : {}) };
    case 'string':
      return { kind: 'string', value: text, ...(pos ? { pos } : {}) };
    case 'key':
      fail(n, '<key> outside a <dict>');
    // eslint-disable-next-line no-fallthrough
    case 'integer': {
      const t = text.trim();
      let v: number;
      if (/^[+-]?\d+$/.test(t)) v = Number(t);
      else if (/^[+-]?0x[0-9a-f]+$/i.test(t)) v = Number.parseInt(t, 16);
      else fail(n, `<integer> holds "${t}", which is not an integer`);
      if (!Number.isSafeInteger(v)) fail(n, `<integer> ${t} is out of range`);
      return { kind: 'integer', value: v, ...(pos ? { pos } : {}) };
    }
    case 'real': {
      const t = text.trim();
      const v = /^(nan|[+-]?inf(inity)?)$/i.test(t) ? Number(t.replace(/inf$/i, 'Infinity')) : Number(t);
      if (t === '' || (Number.isNaN(v) && !/^nan$/i.test(t))) fail(n, `<real> holds "${t}", which is not a number`);
      return { kind: 'real', value: v, ...(pos ? { pos } : {}) };
    }
    case 'true':
    case 'false':
      if (elementChildren(n).length > 0 || text.trim() !== '') fail(n, `<${n.nodeName}/> must be empty`);
      return { kind: 'boolean', value: n.nodeName === 'true', ...(pos ? { pos } : {}) };
    case 'date': {
      const t = text.trim();
      const d = new Date(t);
      if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/.test(t) || Number.isNaN(d.getTime())) {
        fail(n, `<date> holds "${t}"; expected ISO 8601 UTC such as 2025-01-31T12:00:00Z`);
      }
      return { kind: 'date', value: d, ...(pos ? { pos } : {}) };
    }
    case 'data': {
      const t = text.replace(/\s+/g, '');
      if (!/^[A-Za-z0-9+/]*={0,2}$/.test(t)) fail(n, '<data> is not valid base64');
      return { kind: 'data', value: Buffer.from(t, 'base64'), ...(pos ? { pos } : {}) };
    }
    default:
      fail(n, `<${n.nodeName}> is not a property-list element (dict, array, string, integer, real, true, false, date, data)`);
  }
}

// ---------------------------------------------------------------- binary

function parseBinary(bytes: Buffer): ParsedPlist {
  if (bytes.subarray(0, 8).toString('latin1') !== 'bplist00') {
    throw new PlistParseError(`unsupported binary plist version "${bytes.subarray(0, 8).toString('latin1')}" (only bplist00 is read)`);
  }
  let value: unknown;
  // bplist-parser reports odd length markers on the console; keep the CLI output clean.
  const origError = console.error;
  console.error = () => {};
  try {
    [value] = parseBinaryPlist(bytes);
  } catch (err) {
    const msg = err instanceof RangeError ? 'the object graph is cyclic or nested too deeply' : String((err as Error).message ?? err);
    throw new PlistParseError(`binary plist is malformed: ${msg}`);
  } finally {
    console.error = origError;
  }
  return { format: 'binary', root: fromJs(value, 0), duplicateKeys: [] };
}

function fromJs(v: unknown, depth: number): PNode {
  if (depth > 64) throw new PlistParseError('binary plist is malformed: nested deeper than 64 levels');
  if (typeof v === 'string') return { kind: 'string', value: v };
  // bplist-parser returns integers and reals both as numbers; an integral real reads as an integer.
  if (typeof v === 'number') return Number.isInteger(v) ? { kind: 'integer', value: v } : { kind: 'real', value: v };
  if (typeof v === 'bigint') return { kind: 'integer', value: Number(v) };
  if (typeof v === 'boolean') return { kind: 'boolean', value: v };
  if (v instanceof Date) return { kind: 'date', value: v };
  if (Buffer.isBuffer(v)) return { kind: 'data', value: v };
  if (Array.isArray(v)) return { kind: 'array', items: v.map((x) => fromJs(x, depth + 1)) };
  if (v instanceof UID) throw new PlistParseError('binary plist is malformed: contains a keyed-archiver UID, which profiles never use');
  if (v === null || v === undefined) throw new PlistParseError('binary plist is malformed: contains a null or unreadable object');
  if (typeof v === 'object') {
    return { kind: 'dict', entries: Object.entries(v as Record<string, unknown>).map(([key, x]) => ({ key, value: fromJs(x, depth + 1) })) };
  }
  throw new PlistParseError(`binary plist is malformed: unexpected ${typeof v}`);
}

// ---------------------------------------------------------------- access helpers

export function get(dict: PNode | undefined, key: string): PNode | undefined {
  if (!dict || dict.kind !== 'dict') return undefined;
  return dict.entries.find((e) => e.key === key)?.value;
}

export function getString(dict: PNode | undefined, key: string): string | undefined {
  const n = get(dict, key);
  return n?.kind === 'string' ? n.value : undefined;
}

export function getBool(dict: PNode | undefined, key: string): boolean | undefined {
  const n = get(dict, key);
  return n?.kind === 'boolean' ? n.value : undefined;
}

export function getInt(dict: PNode | undefined, key: string): number | undefined {
  const n = get(dict, key);
  return n?.kind === 'integer' ? n.value : undefined;
}

export function getStrings(dict: PNode | undefined, key: string): string[] | undefined {
  const n = get(dict, key);
  if (n?.kind !== 'array') return undefined;
  return n.items.filter((i): i is PNodeOf<'string'> => i.kind === 'string').map((i) => i.value);
}

export function getStringMap(dict: PNode | undefined, key: string): Record<string, string> | undefined {
  const n = get(dict, key);
  if (n?.kind !== 'dict') return undefined;
  const out: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const e of n.entries) if (e.value.kind === 'string') out[e.key] = e.value.value;
  return { ...out };
}

/** Plain JavaScript value of a node (for ExtensionData pass-through and debugging). */
export function toJs(n: PNode): unknown {
  switch (n.kind) {
    case 'dict': return Object.fromEntries(n.entries.map((e) => [e.key, toJs(e.value)]));
    case 'array': return n.items.map(toJs);
    default: return n.value;
  }
}
