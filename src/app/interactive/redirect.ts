// Where a finished page sign-in may send its token: the SSO extension's own URL scheme, or a
// loopback address (RFC 8252 §7.3, for tests and local tools). Anything else is refused outright.

export const EXTENSION_SCHEME = 'openpsso-extension:';
const MAX_LENGTH = 1024;

/** The normalised redirect URI, or null when it is not one OpenPSSO will send a token to. */
export function validateRedirectUri(raw: string): string | null {
  if (raw.length === 0 || raw.length > MAX_LENGTH || /[\s\u0000-\u001f\u007f\\]/.test(raw)) return null;
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    return null;
  }
  // The token travels in the fragment: a fragment of the caller's own would be ambiguous.
  if (u.hash !== '' || raw.includes('#') || u.username !== '' || u.password !== '') return null;
  if (u.protocol === EXTENSION_SCHEME) return u.href;
  // Loopback by IP literal only: 'localhost' can be pointed elsewhere by a hosts file or resolver.
  if (u.protocol === 'http:' && (u.hostname === '127.0.0.1' || u.hostname === '[::1]') && u.port !== '') return u.href;
  return null;
}

/** The CSP form-action source that lets the final redirect of a form post reach the target. */
export function formActionSource(uri: string): string {
  const u = new URL(uri);
  return u.protocol === EXTENSION_SCHEME ? EXTENSION_SCHEME : u.origin;
}

/** OAuth implicit-style fragment: the token never reaches a server log or a Referer header. */
export function redirectWithToken(uri: string, t: { token: string; expiresIn: number; amr: string[] }): string {
  const p = new URLSearchParams({ access_token: t.token, token_type: 'Bearer', expires_in: String(t.expiresIn), scope: 'register', amr: t.amr.join(' ') });
  return `${uri}#${p.toString()}`;
}
