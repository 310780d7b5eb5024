// The Platform SSO web view of macOS 27 web login, scripted (web-login-macos27.md §2 steps 3-4): it
// keeps cookies, follows redirects by hand, fills the sign-in pages' forms (account, password, TOTP
// code) and stops at the com.apple.platformsso://callback redirect, as the real web view does.

import { MacError } from './errors.js';
import type { FetchLike } from './http.js';

/** What Safari-style navigation sends (Apple's example shows browser headers on the authorize POST). */
const BROWSER_UA = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) OpenPSSO virtual Mac web view';
const MAX_STEPS = 20;

export interface PageAnswers {
  username: string;
  password: string;
  /** Asked for on the MFA page; null when the user has no authenticator code to give. */
  totpCode: () => string | null;
}

export interface WebViewResult {
  callbackUrl: string;
  /** The pages shown, in order (paths), for the Mac's messages and for tests. */
  visited: string[];
  /** Whether the password page would have called window.apple.platformSSO.syncPassword. */
  passwordSyncOffered: boolean;
}

interface Form { action: string; fields: Record<string, string> }

const attr = (tag: string, name: string): string | undefined => {
  const m = new RegExp(`\\s${name}="([^"]*)"`).exec(tag);
  return m ? m[1]!.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&') : undefined;
};

/** The page's post forms with their hidden fields (the pages are server-rendered and simple). */
function formsOf(html: string): Form[] {
  const out: Form[] = [];
  for (const m of html.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/g)) {
    if ((attr(m[1]!, 'method') ?? 'get').toLowerCase() !== 'post') continue;
    const fields: Record<string, string> = {};
    for (const i of m[2]!.matchAll(/<input\b[^>]*>/g)) {
      const name = attr(i[0], 'name');
      if (name && attr(i[0], 'type') === 'hidden') fields[name] = attr(i[0], 'value') ?? '';
    }
    out.push({ action: attr(m[1]!, 'action') ?? '', fields });
  }
  return out;
}

function alertOf(html: string): string {
  const m = /<div class="alert error"[^>]*><strong>([^<]*)<\/strong>([^<]*)<\/div>/.exec(html);
  return m ? `${m[1]} ${m[2]}`.trim() : 'the page shows no further step';
}

export class WebView {
  private readonly cookies = new Map<string, string>();
  constructor(private readonly fetchFn: FetchLike) {}

  private async request(url: string, method: 'GET' | 'POST', body?: string): Promise<{ status: number; location: string | null; html: string }> {
    const headers: Record<string, string> = { 'user-agent': BROWSER_UA, accept: 'text/html,application/xhtml+xml' };
    if (this.cookies.size > 0) headers.cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    if (body !== undefined) Object.assign(headers, { 'content-type': 'application/x-www-form-urlencoded', origin: 'null' });
    let res;
    try {
      res = await this.fetchFn(url, { method, headers, ...(body !== undefined ? { body } : {}), redirect: 'manual' } as never);
    } catch (e) {
      throw new MacError('network', `The web view could not load ${url}: the Mac treats this as offline and uses its fallback credential.`, { cause: e });
    }
    const set = res.headers.get('set-cookie');
    if (set) {
      const [pair] = set.split(';');
      const i = pair!.indexOf('=');
      const name = pair!.slice(0, i).trim();
      const value = pair!.slice(i + 1).trim();
      if (/max-age=0/i.test(set) || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return { status: res.status, location: res.headers.get('location'), html: await res.text() };
  }

  /** Loads the authorize URL (POST with `request=` when there is a request object) and walks the pages to the callback. */
  async signIn(authorizeUrl: string, requestObject: string | undefined, answers: PageAnswers): Promise<WebViewResult> {
    const visited: string[] = [];
    let passwordSyncOffered = false;
    let res = requestObject !== undefined
      ? await this.request(authorizeUrl, 'POST', new URLSearchParams({ request: requestObject }).toString())
      : await this.request(authorizeUrl, 'GET');
    let url = authorizeUrl;
    for (let step = 0; step < MAX_STEPS; step++) {
      if (res.status >= 300 && res.status < 400 && res.location) {
        const next = new URL(res.location, url);
        if (next.protocol.toLowerCase() === 'com.apple.platformsso:') return { callbackUrl: res.location, visited, passwordSyncOffered };
        url = next.toString();
        res = await this.request(url, 'GET');
        continue;
      }
      const path = new URL(url).pathname;
      visited.push(path);
      if (res.status !== 200 && !(res.status === 401 && path.startsWith('/signin/'))) {
        throw new MacError('refused', `The web sign-in stopped at ${path} (HTTP ${res.status}): ${alertOf(res.html)}`, { status: res.status });
      }
      if (res.status === 401) throw new MacError('credential', `The web sign-in refused the answer at ${path}: ${alertOf(res.html)}`, { status: 401 });
      const forms = formsOf(res.html);
      const pick = (action: string) => forms.find((f) => f.action === action);
      let form: Form | undefined;
      let fields: Record<string, string> = {};
      if ((form = pick('/signin/username'))) {
        fields = { username: answers.username };
      } else if ((form = pick('/signin/password'))) {
        passwordSyncOffered = /window\.apple&&window\.apple\.platformSSO/.test(res.html);
        fields = { password: answers.password };
      } else if ((form = pick('/signin/mfa/totp') ?? pick('/signin/enroll/totp'))) {
        const code = answers.totpCode();
        if (code === null) throw new MacError('usage', 'The web sign-in asks for an authenticator code; give the TOTP secret (--totp-secret).');
        fields = { code };
      } else {
        throw new MacError('refused', `The web sign-in shows a page the virtual Mac cannot answer (${path}): ${alertOf(res.html)}`, { status: res.status });
      }
      url = new URL(form.action, url).toString();
      res = await this.request(url, 'POST', new URLSearchParams({ ...form.fields, ...fields }).toString());
    }
    throw new MacError('refused', `The web sign-in did not reach the callback within ${MAX_STEPS} steps.`);
  }
}
