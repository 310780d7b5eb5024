// Login-window and screensaver rules for the local password: when to go live, when to sync, and what System Settings says (psso-protocol.md §6 "Password sync", "Offline").

import type { Method } from './types.js';

export type LoginWindowPlan =
  /** Typed password is the local one and tokens are fresh: the Mac logs in without the network. */
  | { kind: 'local'; reason: string }
  /** Typed password is the local one but tokens need renewal: follow the token policy. */
  | { kind: 'renew'; reason: string }
  /** Typed password differs from the local one: only a live IdP login can accept it. */
  | { kind: 'live'; reason: string }
  /** Key methods: the local password is the only thing typed, and it is wrong. */
  | { kind: 'reject'; reason: string }
  /** Key methods: local password right; tokens come from a silent full login with the key. */
  | { kind: 'silent'; reason: string };

export interface LoginWindowInput {
  method: Method;
  /** Whether the typed password equals the local account password. */
  matchesLocal: boolean;
  tokensFresh: boolean;
}

export function planLoginWindow(i: LoginWindowInput): LoginWindowPlan {
  if (i.method !== 'password') {
    if (!i.matchesLocal) return { kind: 'reject', reason: 'The password is not the local account password (with a key method only the local password is checked, on the Mac itself).' };
    if (i.method === 'smart_card') return { kind: 'silent', reason: 'The smart card (with its PIN) is the credential; SSO tokens come from a full login signed with the card key.' };
    return { kind: 'silent', reason: 'Local password accepted; SSO tokens come from a silent full login signed with the Secure Enclave key.' };
  }
  if (!i.matchesLocal) {
    // macOS default policy: a password that differs from the local one must be checked live by the IdP.
    return { kind: 'live', reason: 'The typed password differs from the local one, so the Mac authenticates live with the identity provider.' };
  }
  if (i.tokensFresh) return { kind: 'local', reason: 'The typed password matches the local one and the SSO tokens are fresh (under 4 h, unexpired): no network needed.' };
  return { kind: 'renew', reason: 'The typed password matches the local one but the SSO tokens need renewal.' };
}

export type LiveOutcome = 'ok' | 'credential' | 'refused' | 'unreachable';

export interface AfterLoginDecision {
  /** The user gets to the desktop (or back to the session). */
  loggedIn: boolean;
  /** Rewrite the local account password with the typed one. */
  updateLocalPassword: boolean;
  message: string;
}

/**
 * What happens after the network step. A Password-method success with a password other than the
 * local one is the IdP telling the Mac the password changed: the local one follows. A key method
 * never touches the local password. When the IdP refuses or cannot be reached, only a password
 * that matches the local one still opens the account (offline fallback of the default policy).
 */
export function afterNetworkStep(method: Method, matchesLocal: boolean, outcome: LiveOutcome): AfterLoginDecision {
  if (outcome === 'ok') {
    if (method === 'password' && !matchesLocal) {
      return { loggedIn: true, updateLocalPassword: true, message: 'Password sync: the identity provider accepted a new password, so the local account password was updated to match.' };
    }
    return { loggedIn: true, updateLocalPassword: false, message: method === 'password' ? 'Signed in; the local password already matches the identity provider password.' : 'Signed in; the local password is independent of the identity provider password and was not changed.' };
  }
  if (matchesLocal) {
    const why = outcome === 'credential'
      ? 'the identity provider rejected the password (it may have been changed elsewhere)'
      : outcome === 'refused' ? 'the identity provider refused the request' : 'the identity provider could not be reached';
    return { loggedIn: true, updateLocalPassword: false, message: `Signed in with the local password, but ${why}; SSO tokens were not renewed.` };
  }
  if (outcome === 'credential') return { loggedIn: false, updateLocalPassword: false, message: 'Incorrect username or password.' };
  const why = outcome === 'refused' ? 'the identity provider refused the request' : 'the identity provider could not be reached';
  return { loggedIn: false, updateLocalPassword: false, message: `The password does not match the local password and ${why}, so it could not be checked.` };
}

/** The line `status` prints about password sync (System Settings block). */
export function passwordSyncLine(method: Method): string {
  switch (method) {
    case 'password': return 'Local password is kept in sync with the IdP password';
    case 'secure_enclave': return 'Local password is independent of the IdP password (Secure Enclave key method)';
    case 'smart_card': return 'Local password is independent of the IdP password (Smart Card method)';
    case 'openid': return 'The web sign-in may sync the typed password to the local account (AllowWebLoginPasswordSync)';
  }
}
