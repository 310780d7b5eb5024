// Storage port for the OpenID Provider's artefacts (sessions, interactions, grants, codes, tokens):
// what oidc-provider's Adapter interface needs, keyed by (model, id), with atomic consumption.

import type { Millis } from './ports.js';

/** One stored oidc-provider artefact; `payload` is the model's JSON as oidc-provider hands it over. */
export interface OidcArtefact {
  /** oidc-provider's model name: 'Session', 'Interaction', 'Grant', 'AuthorizationCode', 'AccessToken' ... */
  model: string;
  id: string;
  payload: string;
  grantId: string | null;
  uid: string | null;
  userCode: string | null;
  /** Null when the model never expires on its own. */
  expiresAt: Millis | null;
  consumedAt: Millis | null;
}

export interface OidcArtefactStore {
  /** Inserts or replaces the payload and its keys; a consumed row stays consumed. */
  upsert(a: Omit<OidcArtefact, 'consumedAt'>): Promise<void>;
  /** The row, unless it has expired by `now`. */
  find(model: string, id: string, now: Millis): Promise<OidcArtefact | null>;
  findByUid(model: string, uid: string, now: Millis): Promise<OidcArtefact | null>;
  findByUserCode(model: string, userCode: string, now: Millis): Promise<OidcArtefact | null>;
  /**
   * Marks the row consumed by a conditional UPDATE: true for exactly one caller however many race;
   * false when it was already consumed, has expired or does not exist.
   */
  consume(model: string, id: string, now: Millis): Promise<boolean>;
  destroy(model: string, id: string): Promise<void>;
  /** Deletes every artefact of a grant (codes, tokens, the grant itself); returns how many. */
  revokeByGrantId(grantId: string): Promise<number>;
  /** Retention: deletes at most `limit` rows that expired before `before`; returns how many. */
  purgeExpired(before: Millis, limit: number): Promise<number>;
  /** Rows per model (operations and tests: "nothing was stored"). */
  countByModel(): Promise<Record<string, number>>;
}

export interface OidcStores {
  oidcArtefacts: OidcArtefactStore;
}
