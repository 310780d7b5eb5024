// The UiO extension's own sign-in for registration (extensions.md §4.4 #1-#2, §4.5): the OAuth
// authorization code flow with PKCE S256 against BaseURL/protocol/openid-connect/auth, caught at the
// weblogin-sso://idp-login-redirect callback, then the code redeemed with an unencoded form. The
// answer must have all four fields the extension decodes, or registration fails as on a real Mac.

import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { VirtualMac } from '../agent.js';
import { MacError } from '../errors.js';
import { CookieJar, formsOf, textOf, webRequest, type Fetch } from '../web-view.js';
import { totpAt } from '../../policy/totp.js';
import { base32Decode } from '../../policy/base32.js';

export const UIO_REDIRECT = 'weblogin-sso://idp-login-redirect';
const PKCE_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~';

export interface IdpLoginInput {
  baseUrl: string;
  clientId: string;
  user: string;
  password: string;
  totpSecret?: string | undefined;
  /** WL-N adds prompt=login. */
  promptLogin: boolean;
  fetch?: Fetch;
}

export interface IdpTokens { accessToken: string; refreshToken: string; idToken: string; expiresIn: number; preferredUsername: string }

function verifier(): string {
  return [...randomBytes(64)].map((b) => PKCE_ALPHABET[b % PKCE_ALPHABET.length]).join('');
}

/** The extension's web view, scripted like `mac browse` answers OpenPSSO's sign-in pages. */
export async function idpLogin(mac: VirtualMac, i: IdpLoginInput): Promise<IdpTokens> {
  const fetchFn = i.fetch ?? globalThis.fetch;
  const jar = new CookieJar();
  const codeVerifier = verifier();
  const state = randomUUID();
  const challenge = createHash('sha256').update(codeVerifier).digest('base64url');
  const q = new URLSearchParams({
    client_id: i.clientId, response_type: 'code', redirect_uri: UIO_REDIRECT, scope: 'openid profile', state,
    code_challenge: challenge, code_challenge_method: 'S256', ...(i.promptLogin ? { prompt: 'login' } : {}),
  });
  let url = `${i.baseUrl}/protocol/openid-connect/auth?${q}`;
  let form: Record<string, string> | undefined;
  let code: string | undefined;
  for (let n = 0; n < 30 && code === undefined; n++) {
    const r = await webRequest(fetchFn, jar, url, { ...(form ? { form } : {}), nowMs: mac.clock.now() });
    form = undefined;
    if (r.status >= 300 && r.status < 400 && r.location) {
      if (r.location.startsWith(`${UIO_REDIRECT}?`)) {
        const back = new URLSearchParams(r.location.slice(UIO_REDIRECT.length + 1));
        if (back.get('state') !== state) throw new MacError('verification', 'The sign-in came back with another state.');
        if (!back.get('code')) throw new MacError('refused', `The sign-in was refused: ${back.get('error') ?? 'no code'} ${back.get('error_description') ?? ''}`.trim());
        code = back.get('code')!;
        break;
      }
      url = new URL(r.location, url).toString();
      continue;
    }
    const path = new URL(url).pathname;
    if (r.status === 200 && /^\/signin\/(username|password|mfa)$/.test(path)) {
      const forms = formsOf(r.text);
      const pick = (suffix: string) => forms.find((f) => f.method === 'post' && f.action.endsWith(suffix));
      const f = pick(path === '/signin/mfa' ? '/signin/mfa/totp' : path);
      if (!f) throw new MacError('state', `The sign-in page ${path} has no form the virtual Mac can answer.`);
      let value: Record<string, string>;
      if (path === '/signin/username') value = { username: i.user };
      else if (path === '/signin/password') value = { password: i.password };
      else {
        const secret = i.totpSecret ? base32Decode(i.totpSecret) : undefined;
        if (!secret) throw new MacError('usage', 'The sign-in asks for a code from the authenticator app; pass --totp-secret.');
        value = { code: totpAt(secret, Math.floor(mac.clock.now() / 1000)) };
      }
      form = { ...f.fields, ...value };
      url = new URL(f.action, url).toString();
      continue;
    }
    throw new MacError('refused', `The extension's sign-in stopped at ${path} (HTTP ${r.status}): ${textOf(r.text, 'h1') ?? textOf(r.text, 'title') ?? r.text.slice(0, 200)}`, { status: r.status });
  }
  if (code === undefined) throw new MacError('verification', 'The extension\'s sign-in never reached weblogin-sso://idp-login-redirect.');

  // Sent unencoded, as the extension builds the body by string concatenation (§4.4 #2).
  const body = `grant_type=authorization_code&code=${code}&redirect_uri=${UIO_REDIRECT}&client_id=${i.clientId}&code_verifier=${codeVerifier}`;
  const res = await fetchFn(`${i.baseUrl}/protocol/openid-connect/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' }, body });
  const text = await res.text();
  if (res.status !== 200) throw new MacError('refused', `The token request was refused (HTTP ${res.status}): ${text.slice(0, 300)}`, { status: res.status });
  let t: Record<string, unknown>;
  try { t = JSON.parse(text) as Record<string, unknown>; } catch { throw new MacError('verification', 'The token answer is not JSON.'); }
  // The extension's Decodable: all four, expires_in an integer (a string fails registration).
  for (const k of ['access_token', 'refresh_token', 'id_token'] as const) {
    if (typeof t[k] !== 'string') throw new MacError('verification', `The token answer has no ${k} string; the UiO extension cannot decode it.`);
  }
  if (!Number.isInteger(t.expires_in)) throw new MacError('verification', 'The token answer\'s expires_in is not an integer; the UiO extension cannot decode it.');
  let claims: Record<string, unknown>;
  try { claims = JSON.parse(Buffer.from(String(t.access_token).split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>; } catch { claims = {}; }
  if (typeof claims.preferred_username !== 'string') throw new MacError('verification', 'The access token is not a JWT with preferred_username; the UiO extension reads the user name from it.');
  return { accessToken: t.access_token as string, refreshToken: t.refresh_token as string, idToken: t.id_token as string, expiresIn: t.expires_in as number, preferredUsername: claims.preferred_username };
}
