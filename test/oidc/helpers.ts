// Helpers for the OpenID Provider tests: a cookie-keeping HTTP browser that walks the sign-in pages,
// apps registered the admin's way (createApplication), an MFA policy for one app, and openid-client set-up.

import * as oidc from 'openid-client';
import type { TestServer } from '../helpers/test-server.js';
import type { ManualClock } from '../../src/app/clock.js';
import { createApplication, type ApplicationInput } from '../../src/app/applications.js';
import type { ApplicationRecord } from '../../src/storage/ports-apps.js';
import { totpAt } from '../../src/policy/totp.js';

export const REDIRECT = 'http://127.0.0.1/cb';

export async function registerApp(s: TestServer, input: Partial<ApplicationInput> = {}): Promise<{ app: ApplicationRecord; secret: string | undefined }> {
  const r = await createApplication(s.ctx, s.orgId, { displayName: 'Wiki', redirectUris: [REDIRECT], postLogoutRedirectUris: [`${REDIRECT}/bye`], releasedClaims: ['email', 'profile', 'groups'], ...input });
  return { app: r.app, secret: r.clientSecret };
}

export async function requireMfaFor(s: TestServer, appId: string, name = 'MFA for the app'): Promise<void> {
  await s.ctx.store.policies.create(s.orgId, {
    id: `pol_${appId.slice(0, 8)}`, displayName: name, state: 'enabled',
    conditions: { users: { includeUsers: ['All'], excludeUsers: [], includeGroups: [], excludeGroups: [] }, applications: { includeApplications: [appId], excludeApplications: [] } },
    grantControls: { operator: 'OR', builtInControls: ['mfa'] },
  });
}

export async function blockFor(s: TestServer, appId: string): Promise<void> {
  await s.ctx.store.policies.create(s.orgId, {
    id: `pol_block_${appId.slice(0, 8)}`, displayName: 'Block the app', state: 'enabled',
    conditions: { users: { includeUsers: ['All'], excludeUsers: [], includeGroups: [], excludeGroups: [] }, applications: { includeApplications: [appId], excludeApplications: [] } },
    grantControls: { operator: 'OR', builtInControls: ['block'] },
  });
}

/** openid-client's configuration for an app, over plain http on loopback. */
export async function rpConfig(s: TestServer, app: ApplicationRecord, secret?: string): Promise<oidc.Configuration> {
  const auth = app.tokenEndpointAuthMethod === 'client_secret_post' ? oidc.ClientSecretPost(secret!)
    : app.tokenEndpointAuthMethod === 'client_secret_basic' ? oidc.ClientSecretBasic(secret!) : oidc.None();
  return oidc.discovery(new URL(`${s.url}/oidc`), app.appId, undefined, auth, { execute: [oidc.allowInsecureRequests] });
}

export interface Authorize { url: URL; verifier: string; state: string; nonce: string }

export async function authorizeUrl(config: oidc.Configuration, extra: Record<string, string> = {}, redirectUri = REDIRECT): Promise<Authorize> {
  const verifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const nonce = oidc.randomNonce();
  const url = oidc.buildAuthorizationUrl(config, {
    redirect_uri: redirectUri, scope: 'openid email profile groups offline_access', state, nonce,
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256', ...extra,
  });
  return { url, verifier, state, nonce };
}

interface Cookie { name: string; value: string; path: string }

/** A browser stand-in: keeps cookies by name and path, follows redirects until the app's redirect URI. */
export class HttpBrowser {
  private cookies: Cookie[] = [];
  /** Every URL it was sent to, in order. */
  readonly visited: string[] = [];

  private header(url: URL): string {
    return this.cookies.filter((c) => url.pathname.startsWith(c.path)).map((c) => `${c.name}=${c.value}`).join('; ');
  }

  private keep(r: Response): void {
    for (const line of r.headers.getSetCookie()) {
      const [pair, ...attrs] = line.split(';');
      const i = pair!.indexOf('=');
      const name = pair!.slice(0, i).trim();
      const value = pair!.slice(i + 1).trim();
      const path = attrs.map((a) => a.trim()).find((a) => /^path=/i.test(a))?.slice(5) ?? '/';
      const expired = attrs.some((a) => /^max-age=0$/i.test(a.trim()) || /^expires=Thu, 01 Jan 1970/i.test(a.trim()));
      this.cookies = this.cookies.filter((c) => !(c.name === name && c.path === path));
      if (!expired && value !== '') this.cookies.push({ name, value, path });
    }
  }

  async fetch(url: string | URL, init: { method?: string; form?: Record<string, string> } = {}): Promise<Response> {
    const u = new URL(url);
    this.visited.push(u.href);
    const cookie = this.header(u);
    const r = await fetch(u, {
      method: init.method ?? (init.form ? 'POST' : 'GET'), redirect: 'manual',
      headers: { ...(cookie ? { cookie } : {}), ...(init.form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
      ...(init.form ? { body: new URLSearchParams(init.form).toString() } : {}),
    });
    this.keep(r);
    return r;
  }
}

export interface Answers { username: string; password: string; totpSecret?: string; clock?: ManualClock; consent?: 'allow' | 'deny' }

/**
 * Walks from `start` through redirects and the sign-in pages until the browser is sent off the server
 * (to the app's redirect URI); returns that URL, or throws with the page it got stuck on.
 */
export async function walk(b: HttpBrowser, start: URL | string, a: Answers | null): Promise<URL> {
  let next: { url: URL; form?: Record<string, string> } = { url: new URL(start) };
  for (let i = 0; i < 20; i++) {
    const r = await b.fetch(next.url, next.form ? { form: next.form } : {});
    if (r.status >= 300 && r.status < 400) {
      const loc = new URL(r.headers.get('location')!, next.url);
      await r.text();
      if (loc.origin !== next.url.origin) return loc;
      next = { url: loc };
      continue;
    }
    const html = await r.text();
    const csrf = /name="csrf" value="([^"]+)"/.exec(html)?.[1] ?? '';
    const path = next.url.pathname;
    if (r.status !== 200 || !a) throw new Error(`stuck at ${next.url.href} (${r.status}): ${html.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').slice(0, 400)}`);
    if (path === '/signin/username') next = { url: new URL('/signin/username', next.url), form: { csrf, username: a.username } };
    else if (path === '/signin/password') next = { url: new URL('/signin/password', next.url), form: { csrf, password: a.password } };
    else if (path === '/signin/mfa' && a.totpSecret) {
      const code = totpAt(a.totpSecret, Math.floor((a.clock?.now() ?? Date.now()) / 1000));
      next = { url: new URL('/signin/mfa/totp', next.url), form: { csrf, code } };
    } else if (/\/oidc\/interaction\/[^/]+$/.test(path) && /name="decision"/.test(html)) {
      next = { url: new URL(`${path}/consent`, next.url), form: { decision: a.consent ?? 'allow' } };
    } else throw new Error(`no answer for page ${path}: ${html.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').slice(0, 400)}`);
  }
  throw new Error('too many steps');
}
