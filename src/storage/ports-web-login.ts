// Storage ports for macOS 27 web-based login (web-login-macos27.md §3-§7): the state and nonce a
// pre-authentication GET minted, and the one-time authorization codes the sign-in pages hand back.
// Both are stored by hash only and used once.

import type { Millis } from './ports.js';

/** What the pre-authentication GET minted: single use, minutes long. */
export interface WebLoginStateRecord {
  /** SHA-256 (hex) of the state value; the state itself travels in URLs and is not kept. */
  stateHash: string;
  orgId: string;
  clientId: string;
  nonce: string;
  loginHint: string | null;
  createdAt: Millis;
  expiresAt: Millis;
  usedAt: Millis | null;
}

/** A one-time code bound to who signed in, on which Mac, for which state, nonce, scope and client. */
export interface WebLoginCodeRecord {
  /** SHA-256 (hex) of the code. */
  codeHash: string;
  orgId: string;
  userId: string;
  /** The Mac whose signed request object started the sign-in; null for a static-mode GET (no device proof). */
  deviceId: string | null;
  state: string;
  nonce: string | null;
  scope: string;
  clientId: string;
  amr: string[];
  authTime: Millis;
  createdAt: Millis;
  expiresAt: Millis;
  usedAt: Millis | null;
}

export type OneTimeResult = 'ok' | 'unknown' | 'expired' | 'replayed';

export interface WebLoginStateStore {
  create(r: WebLoginStateRecord): Promise<void>;
  get(stateHash: string): Promise<WebLoginStateRecord | null>;
  /** Atomically marks the state used if it exists, is unused and unexpired at `now`. */
  consume(stateHash: string, now: Millis): Promise<OneTimeResult>;
  /** Retention: deletes at most `limit` states that expired before `before`. */
  purgeExpired(before: Millis, limit: number): Promise<number>;
}

export interface WebLoginCodeStore {
  create(r: WebLoginCodeRecord): Promise<void>;
  get(codeHash: string): Promise<WebLoginCodeRecord | null>;
  /** Atomically marks the code used if it exists, is unused and unexpired at `now`. */
  consume(codeHash: string, now: Millis): Promise<OneTimeResult>;
  /** Ends every code of a user (user deletion) or device (revocation); returns how many. */
  deleteForDevice(deviceId: string): Promise<number>;
  purgeExpired(before: Millis, limit: number): Promise<number>;
}

export interface WebLoginStores {
  webLoginStates: WebLoginStateStore;
  webLoginCodes: WebLoginCodeStore;
}
