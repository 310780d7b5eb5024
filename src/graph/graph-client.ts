// A small Microsoft Graph client: bearer from a token provider, GET with @odata.nextLink paging, PATCH/POST/DELETE; the same for Entra and OpenPSSO.

import { GraphError, graphErrorFrom } from './graph-error.js';
import type { TokenProvider } from './token-provider.js';

export const GRAPH_BASE = 'https://graph.microsoft.com';

export interface GraphClientOptions {
  /** Origin (plus optional path) the /v1.0 and /beta paths hang off: https://graph.microsoft.com or OpenPSSO's issuer. */
  baseUrl: string;
  tokens: TokenProvider;
  fetch?: typeof fetch;
  /** Attempts for 429/503/504 answers, honouring Retry-After (capped). */
  maxAttempts?: number;
  sleep?: (ms: number) => Promise<void>;
}

export interface GraphCollection<T> {
  value: T[];
  '@odata.nextLink'?: string;
}

const MAX_RETRY_WAIT_MS = 10_000;

export class GraphClient {
  readonly baseUrl: string;
  private readonly fetchFn: typeof fetch;

  constructor(private readonly o: GraphClientOptions) {
    this.baseUrl = o.baseUrl.replace(/\/+$/, '');
    this.fetchFn = o.fetch ?? fetch;
  }

  /** Absolute URLs are accepted only under the base URL, so a nextLink can never carry our token elsewhere. */
  private resolve(pathOrUrl: string): string {
    if (/^https?:\/\//i.test(pathOrUrl)) {
      if (!pathOrUrl.startsWith(`${this.baseUrl}/`)) throw new GraphError(0, 'foreign_link', `refusing to follow ${pathOrUrl}: not under ${this.baseUrl}`);
      return pathOrUrl;
    }
    return `${this.baseUrl}${pathOrUrl.startsWith('/') ? '' : '/'}${pathOrUrl}`;
  }

  async request(method: 'GET' | 'PATCH' | 'POST' | 'DELETE', pathOrUrl: string, body?: unknown): Promise<unknown> {
    const url = this.resolve(pathOrUrl);
    const attempts = this.o.maxAttempts ?? 4;
    for (let attempt = 1; ; attempt++) {
      const headers: Record<string, string> = { authorization: `Bearer ${await this.o.tokens.getToken()}`, accept: 'application/json' };
      if (body !== undefined) headers['content-type'] = 'application/json';
      const res = await this.fetchFn(url, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
      const text = await res.text();
      let parsed: unknown = undefined;
      if (text.length > 0) {
        try { parsed = JSON.parse(text); } catch { parsed = text; }
      }
      if (res.ok) return parsed;
      if ([429, 503, 504].includes(res.status) && attempt < attempts) {
        const after = Number(res.headers.get('retry-after'));
        const wait = Math.min(Number.isFinite(after) && after > 0 ? after * 1000 : 500 * 2 ** attempt, MAX_RETRY_WAIT_MS);
        await (this.o.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms))))(wait);
        continue;
      }
      throw graphErrorFrom(res.status, method, url, parsed);
    }
  }

  async get<T>(pathOrUrl: string): Promise<T> {
    return (await this.request('GET', pathOrUrl)) as T;
  }

  /** Follows @odata.nextLink until the end or `max` items (then `truncated` is true). */
  async getAll<T>(pathOrUrl: string, opts: { max?: number } = {}): Promise<{ items: T[]; truncated: boolean; pages: number }> {
    const max = opts.max ?? Number.POSITIVE_INFINITY;
    const items: T[] = [];
    let next: string | undefined = pathOrUrl;
    let pages = 0;
    while (next !== undefined) {
      const page: GraphCollection<T> = await this.get<GraphCollection<T>>(next);
      pages++;
      if (!Array.isArray(page?.value)) throw new GraphError(0, 'not_a_collection', `GET ${next}: the answer has no "value" array`);
      items.push(...page.value);
      if (items.length >= max) return { items: items.slice(0, max), truncated: true, pages };
      next = page['@odata.nextLink'];
    }
    return { items, truncated: false, pages };
  }

  async patch(pathOrUrl: string, body: unknown): Promise<unknown> {
    return this.request('PATCH', pathOrUrl, body);
  }

  async post<T>(pathOrUrl: string, body: unknown): Promise<T> {
    return (await this.request('POST', pathOrUrl, body)) as T;
  }

  async delete(pathOrUrl: string): Promise<void> {
    await this.request('DELETE', pathOrUrl);
  }
}

/** Runs `fn` over items with at most `limit` in flight (Graph throttles bursts), keeping order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
