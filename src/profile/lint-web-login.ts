// Cross-key rules for macOS 27 web login (the OpenID method): WebLoginURLAllowList form and coverage,
// AllowWebLoginPasswordSync, the Touch ID → OpenID fallback and AlwaysUseLoginUI
// (web-login-macos27.md §1 and §8; entra-mdm.md §1.2, §1.3 and §2.6; Apple "Use web-based authentication").

import { get, getBool, getString, getStrings, type PNode } from './plist-read.js';
import { join, posIn, type Linter } from './linter.js';

const policyKeys = ['LoginPolicy', 'UnlockPolicy', 'FileVaultPolicy'] as const;
const touchIdRequirements = ['RequireTouchID', 'RequireTouchIDOrWatch'];

/** An allow-list entry split into its parts; scheme and port are absent for a bare host name. */
interface AllowEntry { scheme?: string; host: string; port?: string; path: string; query: boolean }

function parseEntry(raw: string): AllowEntry | undefined {
  const v = raw.trim();
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(v)) {
    try {
      const u = new URL(v);
      if (u.username || u.password) return undefined;
      return { scheme: u.protocol.replace(/:$/, ''), host: u.hostname.toLowerCase(), ...(u.port ? { port: u.port } : {}), path: u.pathname.replace(/\/+$/, ''), query: u.search !== '' || u.hash !== '' };
    } catch {
      return undefined;
    }
  }
  const m = /^([^/?#:]+)(?::(\d+))?([^?#]*)([?#].*)?$/.exec(v);
  if (!m) return undefined;
  return { host: m[1]!.toLowerCase(), ...(m[2] ? { port: m[2] } : {}), path: m[3]!.replace(/\/+$/, ''), query: m[4] !== undefined };
}

const hostOk = (h: string) => h === 'localhost' || /^\d{1,3}(\.\d{1,3}){3}$/.test(h) || /^\[[0-9a-f:]+\]$/.test(h)
  || /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,61}[a-z0-9]$/.test(h);

const defaultPort = (scheme: string) => (scheme === 'http' ? '80' : '443');

function covers(e: AllowEntry, issuer: URL): boolean {
  const scheme = issuer.protocol.replace(/:$/, '');
  if (e.host !== issuer.hostname.toLowerCase()) return false;
  if (e.scheme !== undefined && e.scheme.toLowerCase() !== scheme) return false;
  const want = issuer.port || defaultPort(scheme);
  return e.port === undefined ? (e.scheme === undefined || want === defaultPort(scheme)) : e.port === want;
}

/** Scheme, host and (non-default) port: the form Apple shows for an allow-list entry. */
export function allowListEntry(issuer: string): string {
  const u = new URL(issuer);
  return `${u.protocol}//${u.host}`;
}

export function lintWebLogin(l: Linter, p: PNode & { kind: 'dict' }, pss: PNode & { kind: 'dict' }, pssPath: string): void {
  const ps = (k: string) => join(pssPath, k);
  const method = getString(pss, 'AuthenticationMethod');
  const openIdMethod = method === 'OpenID';
  const newUserOpenId = (getStrings(pss, 'NewUserAuthenticationMethods') ?? []).includes('OpenID');
  const fallbackIn = policyKeys.filter((k) => (getStrings(pss, k) ?? []).includes('AllowOpenIDForTouchIDFallback'));
  const webLoginUsed = openIdMethod || newUserOpenId || fallbackIn.length > 0;
  const source = l.issuer ?? getStrings(p, 'URLs')?.[0];
  let issuer: URL | undefined;
  try { issuer = source ? new URL(source) : undefined; } catch { issuer = undefined; }
  if (issuer && !/^https?:$/.test(issuer.protocol)) issuer = undefined;
  const base = issuer ? allowListEntry(issuer.href) : '<issuer>';

  // ---- the method itself
  if (openIdMethod && !l.knows('27')) {
    l.add('PSSO-L028', ps('AuthenticationMethod'), '27', `AuthenticationMethod OpenID needs macOS 27, but the target (oldest macOS in the fleet) is ${l.target}. Macs below 27 do not know the method, so Platform SSO registration never starts on them: they get no Platform SSO at all, not just no web login.`,
      'Deliver this profile only to macOS 27 Macs (and lint with --target 27), and give older Macs a profile with Password or UserSecureEnclaveKey.', { pos: posIn(pss, 'AuthenticationMethod') });
  }
  if (openIdMethod || newUserOpenId) {
    const where = openIdMethod ? 'AuthenticationMethod' : 'NewUserAuthenticationMethods';
    l.add('PSSO-L048', ps(where), '27', `Web login (OpenID) needs macOS 27 (pre-release), UseSharedDeviceKeys = true, an SSO extension that supports it (it supplies a web login configuration and offers the token-exchange grant at registration), and an identity provider with the Platform SSO 2.0 key service: after every web login macOS unlocks the keybag through the key service. OpenPSSO serves the pages the web view shows under ${base}/psso/web-login/ and ${base}/signin/.`,
      'Check that your extension supports web login; with OpenPSSO the key service is built in. Allow every host the sign-in pages load in WebLoginURLAllowList.', { pos: posIn(pss, where) });
  }

  // ---- WebLoginURLAllowList: form of each entry
  const list = get(pss, 'WebLoginURLAllowList');
  const entries: AllowEntry[] = [];
  if (list?.kind === 'array') {
    list.items.forEach((it, i) => {
      if (it.kind !== 'string' || it.value.trim() === '') return; // type and emptiness reported by the key checks
      const ip = `${ps('WebLoginURLAllowList')}[${i}]`;
      const v = it.value.trim();
      const pos = it.pos ?? list.pos;
      const example = 'e.g. https://sso.example.com';
      if (v.includes('*') || v.startsWith('.')) {
        l.add('PSSO-L025', ip, '27', `"${v}" is a wildcard; web login does not support wildcards, so the entry matches nothing.`, `List each host in full, ${example}.`, { pos });
        return;
      }
      const e = parseEntry(v);
      if (!e || !hostOk(e.host)) {
        l.add('PSSO-L025', ip, '27', `"${v}" is not a scheme and full host name.`, `Write the scheme and the full host name (FQDN), ${example}.`, { pos });
        return;
      }
      if (e.scheme !== undefined && e.scheme !== 'https' && e.scheme !== 'http') {
        l.add('PSSO-L025', ip, '27', `"${v}" uses the scheme ${e.scheme}:; the web view loads https (or http) pages.`, `Use https, ${example}.`, { pos });
        return;
      }
      if (e.query) {
        l.add('PSSO-L025', ip, '27', `"${v}" has a query or fragment; allow-list entries name hosts.`, `Keep only the scheme and host, ${example}.`, { pos });
        return;
      }
      entries.push(e);
      if (e.path !== '') {
        l.add('PSSO-L025', ip, '27', `"${v}" has a path (${e.path}); WebLoginURLAllowList names hosts ("host or host prefix"), and sign-in flows move between paths (OpenPSSO's pages are under /psso/web-login/ and /signin/). The path is at best ignored and at worst blocks the other pages.`,
          `Drop the path: "${e.scheme ? `${e.scheme}://` : ''}${e.host}${e.port ? `:${e.port}` : ''}".`, { severity: 'warning', pos });
      }
    });
  }

  // ---- coverage of the identity provider's host
  if (webLoginUsed && list?.kind === 'array') {
    if (issuer && !entries.some((e) => covers(e, issuer))) {
      const want = base;
      l.add('PSSO-L026', ps('WebLoginURLAllowList'), '27', `WebLoginURLAllowList ${list.items.length === 0 ? 'is empty, so it' : 'does not'} allow ${want}, the identity provider (${l.issuer ? 'the issuer given to the linter' : 'the first of the payload\'s URLs'}). The web view loads only allowed URLs, so the sign-in pages there (OpenPSSO: ${want}/psso/web-login/… and ${want}/signin/…) are blocked and web login fails.`,
        `Add "${want}" to WebLoginURLAllowList.`, { pos: list.pos });
    }
  }

  // ---- password sync
  const sync = getBool(pss, 'AllowWebLoginPasswordSync');
  if (sync === true && !openIdMethod) {
    const why = method === 'Password' ? 'the Password method syncs the local password anyway'
      : method === 'UserSecureEnclaveKey' || method === 'SmartCard' ? `with ${method} macOS never syncs the local password, and this key does not change that`
        : 'no AuthenticationMethod is set';
    l.add('PSSO-L027', ps('AllowWebLoginPasswordSync'), '27', `AllowWebLoginPasswordSync applies only to AuthenticationMethod OpenID (web login); here ${why}${newUserOpenId || fallbackIn.length > 0 ? '. Apple documents it only for the OpenID method, not for account creation or the Touch ID fallback' : ''}.`,
      'Remove AllowWebLoginPasswordSync, or set AuthenticationMethod to OpenID if web login is meant.', { pos: posIn(pss, 'AllowWebLoginPasswordSync') });
  }
  if (openIdMethod) {
    l.add('PSSO-L041', ps(sync === true ? 'AllowWebLoginPasswordSync' : 'AuthenticationMethod'), '27', sync === true
      ? 'With OpenID and AllowWebLoginPasswordSync the local password follows the identity provider password only when the user types it in the web sign-in form and the page calls window.apple.platformSSO.syncPassword. Sign-ins without a typed password (passkey, QR code, an upstream identity provider) leave the local password as it was.'
      : 'With OpenID the local account password is not kept in sync with the identity provider password (only the Password method syncs it). On macOS 27 web login can sync it: set AllowWebLoginPasswordSync = true, and the sign-in page must call window.apple.platformSSO.syncPassword.',
    sync === true ? 'Tell users that passwordless sign-ins do not update the Mac password.' : 'Set AllowWebLoginPasswordSync to <true/> if the passwords must match, or tell users their Mac password stays separate.',
    { pos: posIn(pss, sync === true ? 'AllowWebLoginPasswordSync' : 'AuthenticationMethod') });
  }

  // ---- Touch ID → web login fallback
  for (const k of fallbackIn) {
    const values = getStrings(pss, k) ?? [];
    const node = get(pss, k);
    const i = values.indexOf('AllowOpenIDForTouchIDFallback');
    const pos = node?.kind === 'array' ? node.items[i]?.pos ?? node.pos : undefined;
    if (!values.some((v) => touchIdRequirements.includes(v))) {
      l.add('PSSO-L035', `${ps(k)}[${i}]`, '27', `${k} allows web login as the fallback when Touch ID fails, but requires no Touch ID (neither RequireTouchID nor RequireTouchIDOrWatch), so there is nothing to fall back from.`,
        `Add RequireTouchID or RequireTouchIDOrWatch to ${k}, or remove AllowOpenIDForTouchIDFallback.`, { pos });
    }
    if (!list) {
      l.add('PSSO-L035', `${ps(k)}[${i}]`, '27', `${k} falls back to web login (OpenID) when Touch ID fails, but WebLoginURLAllowList is missing: the fallback web view may load only allowed URLs, so it cannot show the sign-in pages. The extension must also support the OpenID fallback.`,
        'Add PlatformSSO.WebLoginURLAllowList with the identity provider host, e.g. https://sso.example.com.', { pos });
    }
  }

  // ---- AlwaysUseLoginUI
  // Below 27.2 the key is ignored (PSSO-L007 says so); explaining its effect would only add noise.
  if (getBool(pss, 'AlwaysUseLoginUI') === true && l.knows('27.2')) {
    const usedAnyway = openIdMethod || policyKeys.some((k) => (getStrings(pss, k) ?? []).some((v) => [...touchIdRequirements, 'AllowOpenIDForTouchIDFallback'].includes(v)));
    l.add('PSSO-L047', ps('AlwaysUseLoginUI'), '27.2', usedAnyway
      ? 'AlwaysUseLoginUI makes macOS show the Platform SSO login UI at login, unlock and FileVault unlock; with OpenID or a Touch ID policy it is shown anyway, so the key changes nothing here.'
      : 'AlwaysUseLoginUI makes macOS show the Platform SSO login UI instead of the standard login window at login, unlock and FileVault unlock (by default only OpenID and the Touch ID policies use it). It does not turn on web login; that is AuthenticationMethod OpenID.',
    usedAnyway ? 'Remove AlwaysUseLoginUI, or keep it if other methods may be configured later.' : 'Keep it if you want one login UI everywhere; check the experience on a macOS 27.2 Mac first.', { pos: posIn(pss, 'AlwaysUseLoginUI') });
  }
}
