// Storage ports for access policy (issue 4): sign-in logs, conditional access, named locations,
// MFA methods, temporary access passes, lockout counters, admin API clients, organisation settings
// and interactive sign-in sessions. Times are epoch milliseconds; secrets are hashed or sealed.

import type { Millis, Page } from './ports.js';
import type { SignIn } from '../policy/sign-in.js';
import type { FilterAst } from '../policy/sign-in-filter.js';
import type { ConditionalAccessPolicy, NamedLocation } from '../policy/types.js';

export interface SignInLogStore {
  append(orgId: string, row: SignIn): Promise<void>;
  /** Replaces a stored row (an aggregate row whose count grew); false if there is no such row. */
  update(orgId: string, row: SignIn): Promise<boolean>;
  /**
   * Newest first (createdDateTime desc, then id desc). `filter` is the parsed Graph $filter subset;
   * adapters translate it to SQL over indexed columns. `cursor` is opaque, from the previous page.
   */
  query(orgId: string, opts: { filter?: FilterAst | null; top: number; cursor?: string | null }): Promise<Page<SignIn>>;
  get(orgId: string, id: string): Promise<SignIn | null>;
  /** Retention: deletes at most `limit` rows created before `before`; returns how many. */
  purgeBefore(before: Millis, limit: number): Promise<number>;
}

export interface PolicyStore {
  list(orgId: string): Promise<ConditionalAccessPolicy[]>;
  get(orgId: string, id: string): Promise<ConditionalAccessPolicy | null>;
  create(orgId: string, p: ConditionalAccessPolicy): Promise<void>;
  /** Replaces the whole policy; false if no such policy. */
  replace(orgId: string, p: ConditionalAccessPolicy): Promise<boolean>;
  delete(orgId: string, id: string): Promise<boolean>;
}

export interface NamedLocationStore {
  list(orgId: string): Promise<NamedLocation[]>;
  get(orgId: string, id: string): Promise<NamedLocation | null>;
  create(orgId: string, l: NamedLocation): Promise<void>;
  replace(orgId: string, l: NamedLocation): Promise<boolean>;
  delete(orgId: string, id: string): Promise<boolean>;
}

export interface MfaMethodRecord {
  id: string; // mfa_...
  userId: string;
  kind: 'totp' | 'passkey';
  displayName: string;
  /** TOTP: the shared secret sealed under the master key. */
  sealedSecret: Uint8Array | null;
  /** TOTP: the last accepted time step, so a code cannot be used twice. */
  lastUsedStep: number | null;
  /** Passkey: credential id (base64url), COSE public key, signature counter, transports. */
  credentialId: string | null;
  publicKey: Uint8Array | null;
  counter: number | null;
  transports: string[];
  createdAt: Millis;
  lastUsedAt: Millis | null;
}

export interface MfaMethodStore {
  create(m: MfaMethodRecord): Promise<void>;
  listForUser(userId: string): Promise<MfaMethodRecord[]>;
  getByCredentialId(credentialId: string): Promise<MfaMethodRecord | null>;
  /** Atomically records a TOTP step only if it is newer than the last one; false means a reused code. */
  useTotpStep(id: string, step: number, at: Millis): Promise<boolean>;
  /** Atomically raises a passkey's counter; false when `counter` is not greater (a cloned authenticator), unless both are 0. */
  usePasskey(id: string, counter: number, at: Millis): Promise<boolean>;
  delete(id: string): Promise<boolean>;
  deleteForUser(userId: string): Promise<number>;
}

export interface TemporaryAccessPassRecord {
  id: string; // tap_...
  userId: string;
  codeHash: string;
  oneTimeUse: boolean;
  createdAt: Millis;
  expiresAt: Millis;
  usedAt: Millis | null;
  revokedAt: Millis | null;
}

export interface TemporaryAccessPassStore {
  create(t: TemporaryAccessPassRecord): Promise<void>;
  /** Passes not expired, revoked or (for one-time passes) used at `now`. */
  listUsable(userId: string, now: Millis): Promise<TemporaryAccessPassRecord[]>;
  /** Atomically marks a one-time pass used; false if it was used meanwhile. Multi-use passes: always true while usable. */
  use(id: string, now: Millis): Promise<boolean>;
  revokeForUser(userId: string, at: Millis): Promise<number>;
  deleteForUser(userId: string): Promise<number>;
  /** Retention: deletes at most `limit` passes that expired, were revoked, or (one-time passes) were used before `before`. */
  purgeEnded(before: Millis, limit: number): Promise<number>;
}

export interface LockoutRecord {
  key: string; // e.g. 'acct:org_x:alice@example.com#u'
  failures: number;
  windowStart: Millis;
  lockedUntil: Millis | null;
  /** How many times this key was locked since it was last reset: each lock in a row lasts longer. */
  lockCount: number;
}

export interface LockoutPolicy {
  windowMs: number;
  threshold: number;
  /** Length of the first lock; each further lock doubles it. */
  lockMs: number;
  /** Longest lock; defaults to lockMs (no growth). */
  maxLockMs?: number;
}

export interface LockoutStore {
  get(key: string): Promise<LockoutRecord | null>;
  /** The records of several keys in one round trip (missing keys are left out). */
  getMany(keys: string[]): Promise<LockoutRecord[]>;
  /**
   * Atomically counts one failure in a window of `windowMs` (restarting the window when it has
   * passed). When not locked, it locks once `threshold` failures are reached, or at once when an
   * earlier lock ended less than `windowMs` ago; each lock lasts `lockMs * 2^lockCount` up to
   * `maxLockMs`. A failure while locked is counted but does not extend the lock. Returns the record after.
   */
  recordFailure(key: string, now: Millis, policy: LockoutPolicy): Promise<LockoutRecord>;
  reset(key: string): Promise<void>;
}

export interface ThrottleRule {
  /** Attempts allowed at once. */
  burst: number;
  /** Attempts regained per second. */
  perSecond: number;
}

export interface ThrottleResult {
  allowed: boolean;
  /** When refused: milliseconds until one attempt is available again. */
  retryAfterMs: number;
}

/** State the credential guard shares between every server on one database. */
export interface CredentialGuardStore {
  /** Takes one attempt from a token bucket, atomically (one upsert), creating it full. */
  take(bucketKey: string, rule: ThrottleRule, now: Millis): Promise<ThrottleResult>;
  /** Whether the account has signed in successfully from this address (or network) before. */
  isFamiliar(accountKey: string, addressKey: string): Promise<boolean>;
  markFamiliar(accountKey: string, addressKey: string, now: Millis): Promise<void>;
  /** Forgets every familiar address of the account (the user was deleted); returns how many. */
  forgetAccount(accountKey: string): Promise<number>;
  /**
   * Deletes state that no longer matters: buckets untouched since `bucketsBefore` (full again by
   * then), addresses last seen before `familiarBefore`, and lockouts whose window and lock both
   * ended before `lockoutsBefore`. At most `limit` rows per table; returns how many rows went.
   */
  purgeStale(cutoffs: { bucketsBefore: Millis; familiarBefore: Millis; lockoutsBefore: Millis }, limit: number): Promise<number>;
}

export type AdminRole = 'Directory.Read' | 'Directory.ReadWrite' | 'Policy.ReadWrite' | 'AuditLog.Read' | 'UserAuthenticationMethod.ReadWrite';

export interface AdminClientRecord {
  id: string; // the client_id, acl_...
  orgId: string;
  displayName: string;
  secretHash: string;
  roles: AdminRole[];
  createdAt: Millis;
  revokedAt: Millis | null;
}

export interface AdminClientStore {
  create(c: AdminClientRecord): Promise<void>;
  get(id: string): Promise<AdminClientRecord | null>;
  list(orgId: string): Promise<AdminClientRecord[]>;
  revoke(id: string, at: Millis): Promise<boolean>;
}

export interface OrgSettings {
  orgId: string;
  /** Entra's security defaults: MFA registration and prompts for everyone; incompatible with CA policies. */
  securityDefaultsEnabled: boolean;
  signInLogRetentionDays: number;
  /** Interactive sign-in: failures before lockout, lockout length, failure window. */
  lockoutThreshold: number;
  lockoutSeconds: number;
  /** Apple device attestation at registration (docs/attestation.md): off (default), preferred or required. */
  attestationMode: AttestationMode;
}

export const ATTESTATION_MODES = ['off', 'preferred', 'required'] as const;
export type AttestationMode = (typeof ATTESTATION_MODES)[number];

export interface OrgSettingsStore {
  /** Defaults when nothing was stored: security defaults off, 30 days retention, 10 failures, 60 s, attestation off. */
  get(orgId: string): Promise<OrgSettings>;
  put(s: OrgSettings): Promise<void>;
}

/** Server-side state of one interactive sign-in (the pages' cookie names its id). */
export interface SignInSessionRecord {
  id: string; // sis_...
  orgId: string;
  userId: string | null;
  /** JSON of the page flow's own state (stage, amr, pending WebAuthn challenge, return target ...). */
  data: string;
  createdAt: Millis;
  expiresAt: Millis;
}

export interface SignInSessionStore {
  create(s: SignInSessionRecord): Promise<void>;
  /** Null when missing or expired at `now`. */
  get(id: string, now: Millis): Promise<SignInSessionRecord | null>;
  update(id: string, patch: Pick<SignInSessionRecord, 'userId' | 'data'>): Promise<boolean>;
  delete(id: string): Promise<boolean>;
  deleteForUser(userId: string): Promise<number>;
  /** Retention: deletes at most `limit` sessions expired at `now`; returns how many. */
  purgeExpired(now: Millis, limit: number): Promise<number>;
}

export interface AccessStores {
  signInLogs: SignInLogStore;
  policies: PolicyStore;
  namedLocations: NamedLocationStore;
  mfaMethods: MfaMethodStore;
  temporaryAccessPasses: TemporaryAccessPassStore;
  lockouts: LockoutStore;
  credentialGuard: CredentialGuardStore;
  adminClients: AdminClientStore;
  orgSettings: OrgSettingsStore;
  signInSessions: SignInSessionStore;
}
