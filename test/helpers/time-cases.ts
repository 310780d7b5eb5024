// The request-time boundaries under the default limits (skew 60 s, age 300 s, lifetime 600 s), as one
// table shared by the protocol unit tests and the server-level tests, so both check the same edges.

import { buildApv, encryptCompactJwe, kidFromX963 } from '../../src/protocol/index.js';

export interface TimeCase {
  name: string;
  /** iat and exp for a server clock at `now` (seconds); exp undefined means "leave it out". */
  times: (now: number) => { iat: number; exp?: number };
  /** The catalogue name of the refusal, or null when the request must be accepted. */
  refusal: string | null;
}

export const TIME_CASES: TimeCase[] = [
  { name: "a real Mac's request (iat now, exp now+300)", times: (n) => ({ iat: n, exp: n + 300 }), refusal: null },
  { name: 'iat 60 s ahead: at the skew, accepted', times: (n) => ({ iat: n + 60, exp: n + 360 }), refusal: null },
  { name: 'iat 61 s ahead: in the future', times: (n) => ({ iat: n + 61, exp: n + 361 }), refusal: 'request_issued_in_future' },
  { name: 'iat 360 s old (age 300 + skew 60), exp ahead: accepted', times: (n) => ({ iat: n - 360, exp: n + 140 }), refusal: null },
  { name: 'iat 361 s old, exp ahead: too old', times: (n) => ({ iat: n - 361, exp: n + 139 }), refusal: 'request_too_old' },
  { name: 'iat 10 minutes old, exp now: too old (accepted before)', times: (n) => ({ iat: n - 600, exp: n }), refusal: 'request_too_old' },
  { name: 'exp 59 s past: inside the skew, accepted', times: (n) => ({ iat: n - 359, exp: n - 59 }), refusal: null },
  { name: 'exp 60 s past: expired', times: (n) => ({ iat: n - 360, exp: n - 60 }), refusal: 'request_expired' },
  { name: 'exp - iat = 600: at the lifetime limit, accepted', times: (n) => ({ iat: n, exp: n + 600 }), refusal: null },
  { name: 'exp - iat = 601: lifetime too long', times: (n) => ({ iat: n, exp: n + 601 }), refusal: 'request_lifetime_too_long' },
  { name: 'iat 0, exp in 2286: lifetime too long (accepted before)', times: () => ({ iat: 0, exp: 9_999_999_999 }), refusal: 'request_lifetime_too_long' },
  { name: 'exp one second after iat: accepted', times: (n) => ({ iat: n, exp: n + 1 }), refusal: null },
  { name: 'exp equal to iat: inverted', times: (n) => ({ iat: n, exp: n }), refusal: 'request_times_inverted' },
  { name: 'exp before iat: inverted (accepted before)', times: (n) => ({ iat: n, exp: n - 1 }), refusal: 'request_times_inverted' },
];

/** Cases for a request without exp (macOS 13 flavour): the server assumes exp = iat + 300. */
export const NO_EXP_CASES: TimeCase[] = [
  { name: 'no exp, iat now: accepted', times: (n) => ({ iat: n }), refusal: null },
  { name: 'no exp, iat 359 s old: assumed exp 59 s past, accepted', times: (n) => ({ iat: n - 359 }), refusal: null },
  { name: 'no exp, iat 360 s old: assumed exp 60 s past, expired', times: (n) => ({ iat: n - 360 }), refusal: 'request_expired' },
  { name: 'no exp, iat 61 s ahead: in the future', times: (n) => ({ iat: n + 61 }), refusal: 'request_issued_in_future' },
];

/** The numeric-string form some Apple examples use ("iat" : "1656005132"). */
export function asStrings(t: { iat: number; exp?: number }): { iat: string; exp?: string } {
  return t.exp === undefined ? { iat: String(t.iat) } : { iat: String(t.iat), exp: String(t.exp) };
}

/**
 * An encrypted password assertion with chosen claims, shaped like buildEncryptedAssertion's (kid and
 * apv as Apple's), whose plaintext is a JSON object, one of the shapes the server accepts.
 */
export function encryptedAssertionWithClaims(serverKey: Uint8Array, requestNonce: string, claims: Record<string, unknown>): string {
  return encryptCompactJwe({
    recipient: serverKey,
    plaintext: JSON.stringify(claims),
    typ: 'platformsso-encrypted-login-assertion+jwt',
    kid: kidFromX963(serverKey),
    apv: buildApv(serverKey, requestNonce, 'APPLEEMBEDDED'),
    headerStyle: 'apple',
  });
}
