// `openpsso mac browse URL`: Safari plus the SSO extension (issue 9 item 3; docs/sso-from-the-mac.md).
// Follows the app's redirects with a cookie jar; on the identity provider's authorize endpoint it
// attaches a fresh Platform SSO session proof (protocol/sso-proof.ts); where the provider shows its
// sign-in pages instead, it types the password and TOTP code; it ends at the app's own answer.

import { performance } from 'node:perf_hooks';
import type { VirtualMac } from './agent.js';
import { MacError } from './errors.js';
import { newRequestId } from './http.js';
import { CookieJar, formsOf, textOf, webRequest, type Fetch, type PageForm, type WebResponse } from './web-view.js';
import { buildSsoProof, SSO_PROOF_HEADER } from '../protocol/sso-proof.js';
import { buildUioEnvelope, type UioGeneration } from '../protocol/uio-envelope.js';
import { totpAt } from '../policy/totp.js';
import { base32Decode } from '../policy/base32.js';

export interface BrowseOptions {
  url: string;
  /** The Platform SSO user to act for (default: the Mac's only one); also the name typed on the pages. */
  user?: string;
  /** Typed on the password page when the provider asks for it. */
  password?: string;
  /** Base32 secret of the user's authenticator app, to answer a TOTP page. */
  totpSecret?: string;
  /** false: browse as Safari without the extension (no proof even on a registered Mac). */
  sso?: boolean;
  /** The provider's authorize endpoint; default: from the provider's discovery document. */
  authorizeUrl?: string;
  /** Requests before giving up (a redirect loop). */
  maxRequests?: number;
  fetch?: Fetch;
}

export interface BrowseStep { method: string; url: string; status: number; proof?: true; page?: string }

export interface BrowseResult {
  ok: boolean;
  /** True when the app answered without any sign-in page being shown. */
  silent: boolean;
  /** Session proofs attached (one per authorize request). */
  proofsSent: number;
  /** Why no proof was sent, when none was. */
  noProofReason?: string;
  /** Sign-in pages the user would have seen, in order (/signin/password, /signin/mfa ...). */
  pages: string[];
  finalUrl: string;
  status: number;
  /** The app's answer as JSON (the demo app answers its claims). */
  claims?: unknown;
  /** A refusal shown instead: the page's headline, text and any OPSSO code on it. */
  refusal?: { status: number; title: string; text: string; code?: string };
  steps: BrowseStep[];
  latencyMs: number;
}

interface SsoSession {
  username: string; refreshToken: string; kid: string; issuer: string;
  /** UiO's extension: its envelope on BaseURL/protocol/openid-connect/auth instead of OpenPSSO's proof. */
  uio?: { baseUrl: string; generation: UioGeneration };
}

/** The Mac's Platform SSO session, or why there is none (then the pages are used). */
async function ssoSession(mac: VirtualMac, user: string | undefined): Promise<SsoSession | string> {
  const device = await mac.state.device();
  const cfg = await mac.state.loginConfig();
  if (!device?.registrationCompleted || !cfg) return 'this Mac is not registered';
  const u = await mac.resolveUser(user);
  if (!u.config?.registered) return `${u.config?.loginUserName ?? user} is not a Platform SSO user of this Mac`;
  if (!u.tokens?.refreshToken) return `${u.config.loginUserName} has no SSO tokens yet (log in first)`;
  return {
    username: u.config.loginUserName, refreshToken: u.tokens.refreshToken, kid: device.signingKid, issuer: cfg.issuer,
    ...(device.extension === 'uio' && device.serverUrl ? { uio: { baseUrl: device.serverUrl, generation: device.extensionGeneration ?? 'wln' } } : {}),
  };
}

async function discoverAuthorize(fetchFn: Fetch, issuer: string): Promise<string | undefined> {
  // OpenPSSO's OpenID Provider may publish its own discovery document below the issuer.
  for (const path of ['/.well-known/openid-configuration', '/oidc/.well-known/openid-configuration']) {
    try {
      const r = await fetchFn(`${issuer}${path}`, { headers: { accept: 'application/json' } });
      if (r.status !== 200) continue;
      const d = (await r.json()) as { authorization_endpoint?: unknown; response_types_supported?: unknown };
      // Apps sign in with the code flow; OpenPSSO's Platform SSO document names its registration pages instead.
      const code = Array.isArray(d.response_types_supported) && d.response_types_supported.includes('code');
      if (typeof d.authorization_endpoint === 'string' && code) return d.authorization_endpoint;
    } catch { /* try the next */ }
  }
  return undefined;
}

const withoutQuery = (u: string): string => { const x = new URL(u); return `${x.origin}${x.pathname}`; };

/** Which form of a sign-in page to fill, and with what; a MacError when the Mac cannot answer it. */
function answer(page: string, forms: PageForm[], o: BrowseOptions, username: string | undefined, nowMs: number): { form: PageForm; values: Record<string, string> } {
  const pick = (suffix: string) => forms.find((f) => f.method === 'post' && f.action.endsWith(suffix));
  if (page === '/signin/username') {
    const form = pick('/signin/username');
    if (!form || !username) throw new MacError('usage', 'The sign-in page asks for the account name; pass --user.');
    return { form, values: { username } };
  }
  if (page === '/signin/password') {
    const form = pick('/signin/password');
    if (!form || o.password === undefined) throw new MacError('usage', 'The sign-in page asks for the password; pass --password.');
    return { form, values: { password: o.password } };
  }
  if (page === '/signin/mfa') {
    const form = pick('/signin/mfa/totp');
    if (!form) throw new MacError('state', 'The sign-in page asks for a second factor this account has no authenticator app for.');
    if (!o.totpSecret) throw new MacError('usage', 'The sign-in page asks for a code from the authenticator app; pass --totp-secret.');
    const secret = base32Decode(o.totpSecret);
    if (!secret) throw new MacError('usage', '--totp-secret is not base32.');
    return { form, values: { code: totpAt(secret, Math.floor(nowMs / 1000)) } };
  }
  throw new MacError('state', `The sign-in page ${page} asks for something the virtual Mac cannot do (such as setting up a method); finish it in a browser.`);
}

function refusalOf(r: WebResponse): BrowseResult['refusal'] {
  let title = textOf(r.text, 'h1') ?? textOf(r.text, 'title') ?? `HTTP ${r.status}`;
  let text = (textOf(r.text, 'main') ?? '').replace(title, '').trim();
  let code = /OPSSO\d{4}/.exec(r.text)?.[0];
  if (r.contentType.includes('json')) {
    try {
      const b = JSON.parse(r.text) as Record<string, unknown>;
      title = String(b.error ?? title);
      text = String(b.error_description ?? '');
      code = typeof b.error_code === 'string' ? b.error_code : code;
    } catch { /* keep the text */ }
  }
  return { status: r.status, title, text: text.slice(0, 1000), ...(code ? { code } : {}) };
}

export async function browse(mac: VirtualMac, o: BrowseOptions): Promise<BrowseResult> {
  const t0 = performance.now();
  const fetchFn = o.fetch ?? globalThis.fetch;
  const jar = new CookieJar();
  const sso = o.sso === false ? 'browsing without the SSO extension' : await ssoSession(mac, o.user);
  const username = typeof sso === 'string' ? o.user : sso.username;
  // The UiO extension intercepts only its BaseURL's Keycloak-style authorize path (extensions.md §4.9).
  const authorize = typeof sso === 'string' ? undefined : sso.uio ? `${sso.uio.baseUrl}/protocol/openid-connect/auth` : o.authorizeUrl ?? await discoverAuthorize(fetchFn, sso.issuer);
  const steps: BrowseStep[] = [];
  const pages: string[] = [];
  let proofsSent = 0;
  let url = o.url;
  let form: Record<string, string> | undefined;
  const done = (r: WebResponse, extra: Partial<BrowseResult>): BrowseResult => ({
    ok: false, silent: pages.length === 0, proofsSent, ...(typeof sso === 'string' ? { noProofReason: sso } : authorize ? {} : { noProofReason: 'the identity provider publishes no authorize endpoint' }),
    pages, finalUrl: r.url, status: r.status, steps, latencyMs: performance.now() - t0, ...extra,
  });

  for (let i = 0; i < (o.maxRequests ?? 40); i++) {
    const headers: Record<string, string> = {};
    const step: BrowseStep = { method: form ? 'POST' : 'GET', url, status: 0 };
    if (typeof sso !== 'string' && authorize && !form && withoutQuery(url) === withoutQuery(authorize)) {
      // A fresh nonce for every proof: each is single use and lives for one request.
      const cfg = (await mac.state.loginConfig())!;
      const requestId = newRequestId();
      const keys = await mac.deviceKeys();
      if (sso.uio) {
        // WL-0 signs no nonce; WL-N signs one (upper case) with the client-request-id that fetched it.
        const nonce = sso.uio.generation === 'wln' ? (await mac.client.nonce(cfg, requestId)).toUpperCase() : undefined;
        headers[SSO_PROOF_HEADER] = buildUioEnvelope({
          generation: sso.uio.generation, deviceSigningKey: keys.signing, kid: sso.kid, username: sso.username, refreshToken: sso.refreshToken,
          signedAt: mac.clock.now() / 1000, ...(nonce ? { nonce, clientRequestId: requestId } : {}),
        });
      } else {
        const nonce = await mac.client.nonce(cfg, requestId);
        headers[SSO_PROOF_HEADER] = buildSsoProof({
          deviceSigningKey: keys.signing, kid: sso.kid, nonce, issuer: sso.issuer, username: sso.username, refreshToken: sso.refreshToken, now: mac.clock.now() / 1000,
        });
      }
      step.proof = true;
      proofsSent++;
    }
    const r = await webRequest(fetchFn, jar, url, { ...(form ? { form } : {}), headers, nowMs: mac.clock.now() });
    step.status = r.status;
    steps.push(step);
    form = undefined;
    if (r.status >= 300 && r.status < 400 && r.location) {
      url = new URL(r.location, url).toString();
      continue;
    }
    const path = new URL(url).pathname;
    if (r.status === 200 && /^\/signin\/(username|password|mfa|enroll)$/.test(path) && r.contentType.includes('html')) {
      step.page = path;
      pages.push(path);
      const a = answer(path, formsOf(r.text), o, username, mac.clock.now());
      form = { ...a.form.fields, ...a.values };
      url = new URL(a.form.action, url).toString();
      continue;
    }
    if (r.status >= 400) return done(r, { refusal: refusalOf(r) });
    // A page of the identity provider that is not a sign-in page (a consent page ...) is not the app's answer.
    if (authorize && new URL(url).origin === new URL(authorize).origin && r.contentType.includes('html')) {
      throw new MacError('state', `The identity provider shows a page the virtual Mac cannot answer at ${path} ("${textOf(r.text, 'h1') ?? textOf(r.text, 'title') ?? ''}"); finish it in a browser.`);
    }
    let claims: unknown;
    if (r.contentType.includes('json')) {
      try { claims = JSON.parse(r.text); } catch { /* not JSON after all */ }
    }
    return done(r, { ok: r.status >= 200 && r.status < 300, ...(claims !== undefined ? { claims } : {}) });
  }
  throw new MacError('verification', `Gave up after ${o.maxRequests ?? 40} requests starting at ${o.url} (a redirect loop?).`);
}

/** The lines `mac browse` prints: how the sign-in went, then the app's answer. */
export function printBrowse(r: BrowseResult): string[] {
  const lines: string[] = [];
  const via = r.proofsSent > 0 ? `Platform SSO session proof sent (${r.proofsSent})` : `no session proof (${r.noProofReason ?? 'no authorize request seen'})`;
  lines.push(`Single sign-on: ${via}.`);
  lines.push(r.pages.length === 0 ? 'No sign-in page was shown.' : `Sign-in pages shown: ${r.pages.join(', ')}.`);
  if (r.refusal) {
    lines.push(`Refused (HTTP ${r.refusal.status})${r.refusal.code ? ` ${r.refusal.code}` : ''}: ${r.refusal.title}`);
    if (r.refusal.text) lines.push(`  ${r.refusal.text}`);
    return lines;
  }
  lines.push(`The app answered (HTTP ${r.status}) at ${r.finalUrl} in ${r.latencyMs.toFixed(1)} ms:`);
  lines.push(r.claims !== undefined ? JSON.stringify(r.claims, null, 2) : '(no JSON answer)');
  return lines;
}
