// The Platform SSO web view of macOS 27 web login, scripted (web-login-macos27.md §2 steps 3-4): it
// keeps cookies, follows redirects by hand, fills the sign-in pages' forms (account, password, TOTP
// code) and stops at the com.apple.platformsso://callback redirect, as the real web view does.

import { MacError } from './errors.js';
import type { FetchLike } from './http.js';
import { CookieJar, formsOf, webRequest, type Fetch, type PageForm } from './web-view.js';

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

function alertOf(html: string): string {
  const m = /<div class="alert error"[^>]*><strong>([^<]*)<\/strong>([^<]*)<\/div>/.exec(html);
  return m ? `${m[1]} ${m[2]}`.trim() : 'the page shows no further step';
}

export class WebView {
  // The same cookie jar and request as `mac browse` (web-view.ts); this view adds Apple's POST headers.
  private readonly jar = new CookieJar();
  constructor(private readonly fetchFn: FetchLike) {}

  private async request(url: string, method: 'GET' | 'POST', form?: Record<string, string>): Promise<{ status: number; location: string | null; html: string }> {
    const headers: Record<string, string> = { 'user-agent': BROWSER_UA, accept: 'text/html,application/xhtml+xml', ...(form ? { origin: 'null' } : {}) };
    try {
      const r = await webRequest(this.fetchFn as unknown as Fetch, this.jar, url, { method, headers, nowMs: Date.now(), ...(form ? { form } : {}) });
      return { status: r.status, location: r.location, html: r.text };
    } catch (e) {
      throw new MacError('network', `The web view could not load ${url}: the Mac treats this as offline and uses its fallback credential.`, { cause: e });
    }
  }

  /** Loads the authorize URL (POST with `request=` when there is a request object) and walks the pages to the callback. */
  async signIn(authorizeUrl: string, requestObject: string | undefined, answers: PageAnswers): Promise<WebViewResult> {
    const visited: string[] = [];
    let passwordSyncOffered = false;
    let res = requestObject !== undefined
      ? await this.request(authorizeUrl, 'POST', { request: requestObject })
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
      const forms = formsOf(res.html).filter((f) => f.method === 'post');
      const pick = (action: string) => forms.find((f) => f.action === action);
      let form: PageForm | undefined;
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
      res = await this.request(url, 'POST', { ...form.fields, ...fields });
    }
    throw new MacError('refused', `The web sign-in did not reach the callback within ${MAX_STEPS} steps.`);
  }
}
