// Redirect URI rules for registered apps (RFC 6749 §3.1.2, RFC 8252 §7 and §8, OAuth 2.0 Security
// BCP §4.1): which URIs an app may register, and the exact match the authorization endpoint applies.

export type RedirectUriKind = 'https' | 'loopback' | 'custom-scheme';

export type RedirectUriCheck = { ok: true; kind: RedirectUriKind } | { ok: false; reason: string };

const MAX_LENGTH = 2000;
// RFC 3986 scheme; private-use schemes must contain a dot (reverse DNS, RFC 8252 §7.1).
const SCHEME = /^([a-z][a-z0-9+.-]*):/i;
// Schemes a browser gives a meaning of its own: never a safe place to send a code.
const FORBIDDEN_SCHEMES = new Set(['javascript', 'data', 'file', 'blob', 'vbscript', 'about', 'ftp', 'ws', 'wss']);

/**
 * Whether `uri` may be registered. Public clients may use all three kinds; confidential clients
 * https and loopback (a web app on the admin's own machine), since a custom scheme names an app on
 * a device, which cannot keep a secret (RFC 8252 §8.5).
 */
export function checkRedirectUri(uri: string, clientType: 'public' | 'confidential'): RedirectUriCheck {
  if (uri.length === 0 || uri.length > MAX_LENGTH) return { ok: false, reason: `must be 1 to ${MAX_LENGTH} characters` };
  if (/[\s\u0000-\u001f\u007f]/.test(uri)) return { ok: false, reason: 'contains whitespace or control characters' };
  if (uri.includes('*')) return { ok: false, reason: 'wildcards are not allowed: register each URI exactly' };
  if (uri.includes('#')) return { ok: false, reason: 'a redirect URI must not have a fragment (RFC 6749 §3.1.2)' };
  const scheme = SCHEME.exec(uri)?.[1]?.toLowerCase();
  if (scheme === undefined) return { ok: false, reason: 'not an absolute URI (no scheme)' };
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return { ok: false, reason: 'not a valid URI' };
  }
  if (url.username !== '' || url.password !== '' || /^[a-z][a-z0-9+.-]*:\/\/[^/?]*@/i.test(uri)) {
    return { ok: false, reason: 'user:password@ is not allowed in a redirect URI' };
  }
  if (scheme === 'https') {
    // Checked on the string: URL reads https:///cb as https://cb/, which is not what was typed.
    if (url.hostname === '' || !/^https:\/\/[^/?\\]/i.test(uri)) return { ok: false, reason: 'an https redirect URI needs a host' };
    return { ok: true, kind: 'https' };
  }
  if (scheme === 'http') {
    if (url.hostname === 'localhost') return { ok: false, reason: 'use http://127.0.0.1 or http://[::1] rather than localhost (RFC 8252 §8.3)' };
    // The literal string, not the parsed host: URL turns 127.1 into 127.0.0.1, and matching is by string.
    const loop = /^http:\/\/(127\.0\.0\.1|\[::1\])(:\d*)?(?=[/?]|$)/i.exec(uri);
    if (!loop) return { ok: false, reason: 'http is allowed only for the loopback addresses 127.0.0.1 and [::1]; use https' };
    if (loop[2] !== undefined) return { ok: false, reason: 'register a loopback URI without a port: any port is accepted at sign-in (RFC 8252 §7.3)' };
    return { ok: true, kind: 'loopback' };
  }
  if (FORBIDDEN_SCHEMES.has(scheme)) return { ok: false, reason: `the ${scheme}: scheme cannot receive an authorization response` };
  if (!scheme.includes('.')) {
    return { ok: false, reason: `a custom scheme must be reverse DNS of a domain you control, e.g. com.example.app:/callback (RFC 8252 §7.1), not ${scheme}:` };
  }
  if (clientType !== 'public') return { ok: false, reason: 'custom schemes are for native apps, which are public clients (RFC 8252 §8.5)' };
  return { ok: true, kind: 'custom-scheme' };
}

/**
 * The authorization endpoint's comparison: exact string equality, except that a registered loopback
 * URI matches the same URI with any port (RFC 8252 §7.3).
 */
export function redirectUriMatches(registered: string, presented: string): boolean {
  if (registered === presented) return true;
  const loop = /^http:\/\/(127\.0\.0\.1|\[::1\])(?=[/?]|$)/i.exec(registered);
  if (!loop) return false;
  const withPort = new RegExp(`^http://${loop[1]!.replace(/[.[\]]/g, '\\$&')}:(\\d{1,5})(?=[/?]|$)`, 'i').exec(presented);
  if (!withPort || Number(withPort[1]) > 65535 || Number(withPort[1]) === 0) return false;
  return registered.slice(loop[0].length) === presented.slice(withPort[0].length);
}
