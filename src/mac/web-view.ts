// The little of a browser `mac browse` needs: a cookie jar per origin (RFC 6265, simplified for the
// loopback and single-host apps it talks to), manual redirects, and reading forms off HTML pages.

export interface WebResponse {
  url: string;
  status: number;
  contentType: string;
  location: string | null;
  text: string;
}

/** Cookies by origin, name and path (RFC 6265 §5.1.4 path-match); Domain and Secure are not modelled (every test host is one origin). */
export class CookieJar {
  private readonly jars = new Map<string, Map<string, { name: string; value: string; path: string }>>();

  header(url: URL): string | undefined {
    const jar = this.jars.get(url.origin);
    const match = (p: string) => url.pathname === p || url.pathname.startsWith(p.endsWith('/') ? p : `${p}/`);
    const sent = [...(jar?.values() ?? [])].filter((c) => match(c.path)).sort((a, b) => b.path.length - a.path.length);
    return sent.length === 0 ? undefined : sent.map((c) => `${c.name}=${c.value}`).join('; ');
  }

  store(url: URL, setCookies: string[], nowMs: number): void {
    let jar = this.jars.get(url.origin);
    if (!jar) this.jars.set(url.origin, (jar = new Map()));
    for (const line of setCookies) {
      const [pair, ...attrs] = line.split(';');
      const eq = pair!.indexOf('=');
      if (eq <= 0) continue;
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      const attr = (n: string) => attrs.map((a) => a.trim()).find((a) => a.toLowerCase().startsWith(`${n}=`))?.slice(n.length + 1);
      // The default path is the request path's directory (RFC 6265 §5.1.4).
      const path = attr('path') ?? (url.pathname.lastIndexOf('/') > 0 ? url.pathname.slice(0, url.pathname.lastIndexOf('/')) : '/');
      const maxAge = attr('max-age');
      const expires = attr('expires');
      const gone = (maxAge !== undefined && Number(maxAge) <= 0) || (expires !== undefined && Date.parse(expires) <= nowMs) || value === '';
      if (gone) jar.delete(`${name};${path}`);
      else jar.set(`${name};${path}`, { name, value, path });
    }
  }
}

export type Fetch = typeof globalThis.fetch;

/** One request, redirects not followed, cookies sent and stored. */
export async function webRequest(fetchFn: Fetch, jar: CookieJar, url: string, o: { method?: string; form?: Record<string, string>; headers?: Record<string, string>; nowMs: number }): Promise<WebResponse> {
  const u = new URL(url);
  const headers: Record<string, string> = { 'user-agent': 'Mozilla/5.0 (Macintosh) Safari (OpenPSSO virtual Mac)', accept: 'text/html,application/json;q=0.9,*/*;q=0.8', ...o.headers };
  const cookie = jar.header(u);
  if (cookie) headers.cookie = cookie;
  let body: string | undefined;
  if (o.form) {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    body = new URLSearchParams(o.form).toString();
  }
  const res = await fetchFn(url, { method: o.method ?? (o.form ? 'POST' : 'GET'), headers, redirect: 'manual', ...(body !== undefined ? { body } : {}) });
  jar.store(u, res.headers.getSetCookie(), o.nowMs);
  return { url, status: res.status, contentType: res.headers.get('content-type') ?? '', location: res.headers.get('location'), text: await res.text() };
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'", '#x27': "'", apos: "'" };
export const decodeEntities = (s: string): string => s.replace(/&(amp|lt|gt|quot|#39|#x27|apos);/g, (_, e: string) => ENTITIES[e]!);

function attr(tag: string, name: string): string | undefined {
  const m = new RegExp(`\\s${name}\\s*=\\s*(?:"([^"]*)"|'([^']*)'|([^\\s>]+))`, 'i').exec(tag);
  return m ? decodeEntities(m[1] ?? m[2] ?? m[3] ?? '') : undefined;
}

export interface PageForm {
  action: string;
  method: string;
  /** Every named input with its value as the page set it (hidden CSRF fields included). */
  fields: Record<string, string>;
}

/** The page's forms, in document order. */
export function formsOf(html: string): PageForm[] {
  const out: PageForm[] = [];
  for (const m of html.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/gi)) {
    const fields: Record<string, string> = {};
    for (const input of m[2]!.matchAll(/<input\b[^>]*>/gi)) {
      const name = attr(input[0], 'name');
      if (name) fields[name] = attr(input[0], 'value') ?? '';
    }
    out.push({ action: attr(m[1]!, 'action') ?? '', method: (attr(m[1]!, 'method') ?? 'get').toLowerCase(), fields });
  }
  return out;
}

/** Plain text of the first element `tag` (h1, title), for reporting what a page said. */
export function textOf(html: string, tag: string): string | undefined {
  const m = new RegExp(`<${tag}\\b[^>]*>([\\s\\S]*?)</${tag}>`, 'i').exec(html);
  return m ? decodeEntities(m[1]!.replace(/<[^>]+>/g, ' ')).replace(/\s+/g, ' ').trim() : undefined;
}
