// OData query options the admin API accepts ($top, $skiptoken, $filter, $select), collection bodies and @odata.nextLink, after Microsoft Graph.

import { PssoError } from '../../errors/psso-error.js';

export interface GraphQuery {
  top: number;
  /** The store cursor carried by $skiptoken, or null on the first page. */
  cursor: string | null;
  filter: string | null;
  select: string[] | null;
}

export interface QuerySpec {
  /** Names the collection so a skiptoken from one list is refused by another. */
  kind: string;
  defaultTop: number;
  maxTop?: number;
  filter?: boolean;
  /** Properties $select may name; absent: $select is refused. */
  selectable?: readonly string[];
}

const MAX_TOP = 1000;
/** Options a Graph client may send that change nothing here; anything else starting with $ is refused rather than ignored. */
const HARMLESS = new Set(['$count']);

/** Parses the query string object Fastify produced; repeated options are refused as ambiguous. */
export function parseGraphQuery(raw: unknown, spec: QuerySpec): GraphQuery {
  const q = (raw ?? {}) as Record<string, unknown>;
  const known = new Set(['$top', '$skiptoken', ...(spec.filter ? ['$filter'] : []), ...(spec.selectable ? ['$select'] : [])]);
  const one = (name: string): string | null => {
    const v = q[name];
    if (v === undefined) return null;
    if (typeof v !== 'string') throw new PssoError('malformed_request', `${name} given more than once`);
    return v;
  };
  for (const k of Object.keys(q)) {
    if (k.startsWith('$') && !known.has(k) && !HARMLESS.has(k)) throw new PssoError('malformed_request', `query option ${k} is not supported here`);
    one(k);
  }
  const maxTop = spec.maxTop ?? MAX_TOP;
  const topText = one('$top');
  let top = spec.defaultTop;
  if (topText !== null) {
    if (!/^\d{1,9}$/.test(topText) || Number(topText) < 1) throw new PssoError('malformed_request', '$top must be a positive integer');
    top = Math.min(Number(topText), maxTop);
  }
  const skip = one('$skiptoken');
  const selectText = one('$select');
  let select: string[] | null = null;
  if (selectText !== null) {
    select = selectText.split(',').map((s) => s.trim()).filter(Boolean);
    const unknown = select.filter((s) => !spec.selectable!.includes(s));
    if (unknown.length > 0 || select.length === 0) throw new PssoError('malformed_request', `$select: unknown property ${unknown.join(', ') || '(empty)'}`);
  }
  return { top, cursor: skip === null ? null : decodeSkipToken(skip, spec.kind), filter: one('$filter'), select };
}

export function encodeSkipToken(kind: string, cursor: string): string {
  return Buffer.from(JSON.stringify({ k: kind, c: cursor }), 'utf8').toString('base64url');
}

export function decodeSkipToken(token: string, kind: string): string {
  if (token.length > 4096 || !/^[A-Za-z0-9_-]+$/.test(token)) throw new PssoError('malformed_request', 'invalid $skiptoken');
  try {
    const v = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { k?: unknown; c?: unknown };
    if (v.k === kind && typeof v.c === 'string' && v.c.length > 0) return v.c;
  } catch {
    // fall through: not a token we issued
  }
  throw new PssoError('malformed_request', 'invalid $skiptoken (use the @odata.nextLink as given)');
}

/** Keeps the selected properties (and OData annotations and id, which Graph always returns). */
export function applySelect<T extends object>(item: T, select: string[] | null): Record<string, unknown> {
  if (select === null) return item as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(item)) if (k.startsWith('@odata.') || k === 'id' || select.includes(k)) out[k] = v;
  return out;
}

export interface RequestUrl {
  /** The configured public base URL (issuer); never the Host header, which a client controls. */
  base: string;
  /** The request path and query as received, e.g. /v1.0/users?$top=5. */
  url: string;
}

/** Graph's @odata.context: {base}/{version}/$metadata#{entitySet}. */
export function odataContext(r: RequestUrl, entitySet: string): string {
  const version = r.url.startsWith('/beta/') ? 'beta' : 'v1.0';
  return `${r.base}/${version}/$metadata#${entitySet}`;
}

/** The next page's link: the same request with $skiptoken replaced. */
export function nextLink(r: RequestUrl, kind: string, cursor: string): string {
  const u = new URL(r.url, 'http://placeholder');
  u.searchParams.delete('$skiptoken');
  u.searchParams.set('$skiptoken', encodeSkipToken(kind, cursor));
  // URLSearchParams writes $ as %24; Graph's links keep it readable, and both parse the same.
  return `${r.base}${u.pathname}${u.search.replace(/%24/g, '$')}`;
}

export function collection(r: RequestUrl, entitySet: string, value: unknown[], next: { kind: string; cursor: string | null }): Record<string, unknown> {
  return {
    '@odata.context': odataContext(r, entitySet),
    value,
    ...(next.cursor ? { '@odata.nextLink': nextLink(r, next.kind, next.cursor) } : {}),
  };
}

/** Graph's equality filters on directory lists: `prop eq 'value'` for the named properties only. */
export function parseEqFilter(filter: string | null, props: readonly string[]): { prop: string; value: string } | null {
  if (filter === null) return null;
  const m = /^\s*([A-Za-z]+)\s+eq\s+'((?:[^']|'')*)'\s*$/.exec(filter);
  if (!m || !props.includes(m[1]!)) {
    throw new PssoError('invalid_filter', `supported here: ${props.map((p) => `${p} eq '...'`).join(' or ')}`);
  }
  return { prop: m[1]!, value: m[2]!.replace(/''/g, "'") };
}
