// `openpsso mac login --web`: macOS 27 web-based login as Platform SSO runs it (web-login-macos27.md
// §2): pre-authentication GET, the URL rewrite, a device-signed request object, the web view, the
// callback's state check, the token-exchange login, then the key service, which web login always uses (§8).

import { createPublicKey, webcrypto } from 'node:crypto';
import type { VirtualMac } from './agent.js';
import { MacError, refusalError } from './errors.js';
import { ACCEPT, newRequestId, readKeyPath } from './http.js';
import { WebView } from './web-login-view.js';
import { isoZ } from './status-format.js';
import { totpAt } from '../policy/totp.js';
import { base32Decode } from '../policy/base32.js';
import { x509 } from '../app/x509.js';
import {
  AUTH_SCOPE_PREFIX, CALLBACK_URL, buildAuthorizationRequestObject, mergeScopes, type AuthorizationRequestClaims,
} from '../protocol/web-login.js';
import type { DeviceKeys } from './psso-client.js';
import type { LoginResult } from './login-window.js';

export interface WebLoginOptions {
  user: string;
  /** What the user types on the web sign-in page. */
  password: string;
  /** Base32 secret of the user's authenticator app, to answer an MFA page. */
  totpSecret?: string;
  /** Authorization scope name (login, unlock, elevation ...) or the full URN; absent: not opted in. */
  authScope?: string;
  keyExchanges?: number;
  /** Login window or screen unlock (what the result reports; the scope says it to the server). */
  event?: 'login' | 'unlock';
}

export interface WebLoginResult extends LoginResult {
  authScope?: string;
  /** The sign-in pages the web view went through. */
  pages: string[];
  passwordSyncOffered: boolean;
}

export function authScopeUrn(name: string | undefined): string | undefined {
  if (name === undefined || name === '') return undefined;
  return name.startsWith(AUTH_SCOPE_PREFIX) ? name : `${AUTH_SCOPE_PREFIX}${name}`;
}

/** A self-signed certificate over the device signing key, for the request object's x5c (the server trusts only the registered key). */
async function deviceCertificate(keys: DeviceKeys, deviceUuid: string): Promise<Uint8Array> {
  const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
  const pub = createPublicKey(keys.signing);
  const cryptoKeys = {
    privateKey: await webcrypto.subtle.importKey('pkcs8', keys.signing.export({ format: 'der', type: 'pkcs8' }), { name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign']),
    publicKey: await webcrypto.subtle.importKey('spki', pub.export({ format: 'der', type: 'spki' }), { name: 'ECDSA', namedCurve: 'P-256' }, true, ['verify']),
  };
  const now = Date.now();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '01', name: `CN=${deviceUuid}`, notBefore: new Date(now - 3600_000), notAfter: new Date(now + 365 * 86400_000), signingAlgorithm: alg, keys: cryptoKeys,
  });
  return new Uint8Array(cert.rawData);
}

/** Platform SSO rewrites redirect_uri, login_hint and scope of whatever URL it loads (§1). */
function rewrite(url: string, user: string, loginScope: string): string {
  const u = new URL(url);
  u.searchParams.set('redirect_uri', CALLBACK_URL);
  u.searchParams.set('login_hint', user);
  u.searchParams.set('scope', mergeScopes(u.searchParams.get('scope') ?? undefined, loginScope));
  return u.toString();
}

export async function webLogin(mac: VirtualMac, o: WebLoginOptions): Promise<WebLoginResult> {
  const { device, cfg } = await mac.registered();
  const u = await mac.state.user(o.user);
  if (!u.config) throw new MacError('state', `${o.user} is not registered for Platform SSO on this Mac.`);
  const user = u.config.loginUserName;
  const authScope = authScopeUrn(o.authScope);
  const loginScope = mac.client.scope(cfg, authScope);
  const messages: string[] = [];
  const keys = await mac.deviceKeys();

  // Step 2: dynamic mode asks the server for the URL; static mode loads the configured one.
  let url: string;
  let requestObject: string | undefined;
  let sentState: string | undefined;
  if (cfg.federationUserPreauthenticationURL) {
    const pre = new URL(cfg.federationUserPreauthenticationURL);
    pre.searchParams.set('user', user);
    const res = await mac.http.getJson(pre.toString());
    if (res.status !== 200) throw refusalError('pre-authentication', res.status, res.text);
    let body: unknown;
    try { body = JSON.parse(res.text); } catch { throw new MacError('verification', 'The pre-authentication answer is not JSON.'); }
    const keypath = cfg.authorizationURLKeypath ?? 'authorizationURL';
    const found = readKeyPath(body, keypath);
    if (typeof found !== 'string') throw new MacError('verification', `The pre-authentication answer has no "${keypath}" URL.`);
    url = rewrite(found, user, loginScope);
    const ar = readKeyPath(body, 'authorizationRequest') as AuthorizationRequestClaims | undefined;
    if (ar && typeof ar === 'object') {
      requestObject = buildAuthorizationRequestObject({
        signingKey: keys.signing, signingKid: keys.signingKid, x5c: [await deviceCertificate(keys, device.deviceUuid)], request: ar, loginScope,
      });
      sentState = ar.state;
    }
    messages.push(`Pre-authentication: ${new URL(found).origin}${new URL(found).pathname}${requestObject ? ' with a device-signed authorization request' : ''}.`);
  } else if (cfg.authorizationURL) {
    const u0 = new URL(cfg.authorizationURL);
    // Static mode: the OS mints the state it later expects back.
    if (!u0.searchParams.get('state')) u0.searchParams.set('state', newRequestId());
    url = rewrite(u0.toString(), user, loginScope);
    messages.push('Static authorization URL from the login configuration.');
  } else {
    throw new MacError('state', 'The login configuration names neither federationUserPreauthenticationURL nor authorizationURL, so web login cannot start.');
  }
  sentState ??= new URL(url).searchParams.get('state') ?? undefined;

  // Steps 3-4: the web view.
  const secret = o.totpSecret !== undefined ? base32Decode(o.totpSecret) : undefined;
  if (o.totpSecret !== undefined && !secret) throw new MacError('usage', '--totp-secret is not base32.');
  const view = new WebView(mac.http.fetchFn);
  const page = await view.signIn(url, requestObject, {
    username: user, password: o.password, totpCode: () => (secret ? totpAt(secret, Math.floor(mac.clock.now() / 1000)) : null),
  });
  const cb = new URL(page.callbackUrl);
  // What the OS checks before closing the web view (§5).
  if (!cb.searchParams.get('code')) throw new MacError('verification', 'The callback has no code.');
  if (!sentState || cb.searchParams.get('state') !== sentState) throw new MacError('verification', 'The callback state is not the state the Mac sent.');
  messages.push(`Web sign-in done (${page.visited.join(' → ')}); callback received.`);

  // Steps 5-7: token exchange, then the key service.
  const started = mac.clock.now();
  let result: WebLoginResult = {
    ok: false, event: o.event ?? 'login', user, method: u.config.method, plan: 'live', path: 'full_login', reason: 'Web-based login (macOS 27).',
    network: true, passwordSynced: false, keyExchanges: [], messages, pages: page.visited, passwordSyncOffered: page.passwordSyncOffered,
    ...(authScope ? { authScope } : {}),
  };
  let t;
  try {
    t = await mac.client.login({ cfg, keys, username: user, credential: { kind: 'web', callbackUrl: page.callbackUrl }, groups: device.groupsToRequest, authScope });
  } catch (e) {
    await mac.noteFailure(e);
    throw e;
  }
  const tokens = await mac.storeTokens(u, t, true, device, cfg);
  result = { ...result, ok: true, claims: t.claims, latencyMs: t.latencyMs, tokens: { received: isoZ(tokens.received), expiration: isoZ(tokens.expiration) } };
  messages.push(`Token exchange done in ${(mac.clock.now() - started).toFixed(0)} ms of Mac clock; SSO tokens stored.`);
  if (device.sharedDeviceKeys && cfg.keyEndpointURL) {
    if (!(await mac.state.user(user)).config?.unlockCertificate) {
      const kr = await mac.keyRequest(user, authScope);
      messages.push(`Key request done: unlock certificate stored (${kr.subject.replace(/\n/g, ', ')}).`);
    }
    const kx = await mac.keyExchange({ user, count: o.keyExchanges ?? 1, ...(authScope ? { authScope } : {}) });
    result.keyExchanges = kx.exchanges;
    result.unlockKeyVerified = kx.verified;
    messages.push(`Unlock key verified (${kx.exchanges.length} key exchange${kx.exchanges.length > 1 ? 's' : ''}).`);
  } else {
    messages.push('No key service (web login needs PSSO 2.0 shared device keys and a key endpoint); a real Mac would not complete the login.');
    result.ok = false;
  }
  messages.push(result.ok ? 'Logged in.' : 'Access denied.');
  return result;
}
