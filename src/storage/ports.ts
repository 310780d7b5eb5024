// Storage ports: the small interfaces app/ needs. Every adapter (sqlite, postgres) implements them
// and passes the shared conformance suite in test/storage/. Times are epoch milliseconds (UTC).
// One-time values are consumed by an atomic conditional update; tokens are stored as SHA-256 hashes.

import type { AccessStores } from './ports-access.js';
import type { OidcStores } from './ports-oidc.js';
import type { WebLoginStores } from './ports-web-login.js';
import type { AppStores } from './ports-apps.js';

export type Millis = number;

/** How user principal names compare (case-insensitively, after NFC): the same rule on every engine and in app code. */
export const principalNameKey = (upn: string): string => upn.normalize('NFC').toLowerCase();

export interface Organisation {
  id: string; // org_...
  name: string;
  createdAt: Millis;
}

export interface User {
  id: string; // usr_...
  orgId: string;
  userPrincipalName: string; // login name, unique per org, compared case-insensitively
  displayName: string;
  email: string | null;
  passwordHash: string | null; // argon2id encoded string
  enabled: boolean;
  /** Issue 4: per-user MFA state as in Entra. */
  perUserMfaState: 'disabled' | 'enabled' | 'enforced';
  passwordChangedAt: Millis | null;
  createdAt: Millis;
  updatedAt: Millis;
}

export interface Group {
  id: string; // grp_...
  orgId: string;
  displayName: string; // unique per org
  description: string | null;
  createdAt: Millis;
}

export type DeviceStatus = 'active' | 'revoked';

export interface Device {
  id: string; // dev_...
  orgId: string;
  deviceUuid: string; // the Mac's own identifier (uppercase UUID)
  signingKey: Uint8Array; // 65-byte X9.63 point
  signingKid: string; // canonical: standard base64 with padding of SHA-256(x963)
  encryptionKey: Uint8Array; // 65-byte X9.63 point
  encryptionKid: string; // canonical
  sharedDeviceKeys: boolean;
  status: DeviceStatus;
  registeredVia: 'registration_token' | 'bearer' | 'compat' | 'admin';
  registeredByUserId: string | null;
  createdAt: Millis;
  updatedAt: Millis;
  revokedAt: Millis | null;
  /** What Apple device attestation proved at the last registration (docs/attestation.md); null when not attested. */
  attestation: DeviceAttestation | null;
}

/** Facts from a verified Apple Managed Device Attestation of the device signing key (extensions.md §4.6). */
export interface DeviceAttestation {
  /** OID 1.2.840.113635.100.8.9.1; null unless the profile sets AllowDeviceIdentifiersInAttestation. */
  serialNumber: string | null;
  /** OID 1.2.840.113635.100.8.9.2; same condition. */
  udid: string | null;
  /** OID 1.2.840.113635.100.8.10.2, when present. */
  sepOsVersion: string | null;
  /** Lower-case hex SHA-256 of the trusted root the chain ended at. */
  rootFingerprint: string;
  attestedAt: Millis;
}

/** openid: macOS 27 web-based login (the OpenID method); the web sign-in is the credential, nothing is stored for it. */
export type AuthMethod = 'password' | 'secure_enclave' | 'smart_card' | 'openid';

export interface UserRegistration {
  id: string; // ureg_...
  deviceId: string;
  userId: string;
  method: AuthMethod;
  /** Secure Enclave method: the user's 65-byte X9.63 public key and its canonical kid. */
  userKey: Uint8Array | null;
  userKid: string | null;
  /** Smart card method: DER certificate of the card, and its SHA-256 thumbprint (hex). */
  certificate: Uint8Array | null;
  certificateThumbprint: string | null;
  /** Issue 4: registered after an MFA-verified sign-in, so using it counts as multi-factor. */
  mfaVerified: boolean;
  createdAt: Millis;
  updatedAt: Millis;
}

export interface NonceRecord {
  value: string;
  expiresAt: Millis;
  usedAt: Millis | null;
  createdAt: Millis;
  /** The client-request-id it was fetched with, when bound: only a request carrying the same id may spend it. */
  boundTo?: string | null;
}

/** wrong_binding: bound to another client-request-id (or the request carried none); the nonce stays unused. */
export type NonceConsumeResult = 'ok' | 'unknown' | 'expired' | 'replayed' | 'wrong_binding';

export interface RefreshTokenRecord {
  id: string; // rt_...
  tokenHash: string; // hex SHA-256 of the opaque token
  userId: string;
  deviceId: string;
  /** Time of the last full (non-refresh) login in this token family; carried across rotations. */
  authTime: Millis;
  /** Issue 4: how the session was authenticated ('pwd', 'swk', 'sc', 'mfa'...). */
  amr: string[];
  createdAt: Millis;
  expiresAt: Millis;
  /** Set when rotated (replaced) or revoked; a used token is never valid again. */
  revokedAt: Millis | null;
  /** The token that superseded this one (by rotation or a grace re-issue); null if merely revoked. */
  replacedById: string | null;
  /** The id of the first token of this login's rotation chain; the unit revoked on reuse (RFC 9700 §4.14.2). */
  familyId: string;
  /**
   * Set when this token spent its one grace re-issue, or when a grace re-issue displaced it before
   * it was ever used. Either way, presenting it again is reuse.
   */
  graceUsedAt: Millis | null;
}

/** Why a grace re-issue did not happen; the caller decides between "refused" and "reuse". */
export type GraceReissueResult =
  | 'reissued'
  /** The previous token's grace was spent, by an earlier or a concurrent re-issue. */
  | 'grace_spent'
  /** It was rotated before `rotatedSince`. */
  | 'window_closed'
  /** The successor was used (rotated or displaced): the previous token is in two hands. */
  | 'successor_used'
  /** The successor was revoked (device, user or family revocation) or is gone. */
  | 'successor_revoked';

export interface UnlockKeyRecord {
  id: string; // uk_...
  userId: string;
  deviceId: string;
  purpose: 'user_unlock';
  publicKey: Uint8Array; // 65-byte X9.63
  /** Private key (PKCS#8 DER) sealed with AES-256-GCM under the server's master key. */
  sealedPrivateKey: Uint8Array;
  certificate: Uint8Array; // DER
  createdAt: Millis;
}

export interface ServerKeyRecord {
  kid: string;
  use: 'sig' | 'enc';
  alg: 'ES256' | 'ECDH-ES';
  publicJwk: string; // JSON
  sealedPrivateJwk: Uint8Array; // AES-256-GCM under the master key
  /** active: signs/decrypts new material; published: still in JWKS for verification; retired: gone. */
  status: 'active' | 'published' | 'retired';
  createdAt: Millis;
  retiredAt: Millis | null;
}

export interface RegistrationTokenRecord {
  id: string; // rgt_...
  orgId: string;
  tokenHash: string;
  description: string;
  createdAt: Millis;
  expiresAt: Millis | null;
  revokedAt: Millis | null;
}

export interface BearerTokenRecord {
  id: string; // bt_...
  tokenHash: string;
  userId: string;
  /** What the token may be used for, e.g. ['register']. */
  scopes: string[];
  amr: string[];
  createdAt: Millis;
  expiresAt: Millis;
  revokedAt: Millis | null;
}

export interface Page<T> {
  items: T[];
  /** Opaque cursor for the next page, or null at the end. */
  next: string | null;
}

export interface UserStore {
  create(u: User): Promise<void>;
  get(id: string): Promise<User | null>;
  getByPrincipalName(orgId: string, upn: string): Promise<User | null>;
  list(orgId: string, opts?: { limit?: number; cursor?: string | null }): Promise<Page<User>>;
  update(id: string, patch: Partial<Omit<User, 'id' | 'orgId' | 'createdAt'>>): Promise<void>;
  /**
   * Deletes the user row with its group memberships; devices the user registered stay, with
   * registeredByUserId cleared. Everything else bound to the user (tokens, registrations, unlock
   * keys, MFA methods, passes, sessions) must be deleted first. False if there is no such user.
   */
  delete(id: string): Promise<boolean>;
}

export interface GroupStore {
  create(g: Group): Promise<void>;
  get(id: string): Promise<Group | null>;
  getByName(orgId: string, displayName: string): Promise<Group | null>;
  list(orgId: string, opts?: { limit?: number; cursor?: string | null }): Promise<Page<Group>>;
  addMember(groupId: string, userId: string): Promise<void>; // idempotent
  removeMember(groupId: string, userId: string): Promise<void>;
  listMembers(groupId: string): Promise<string[]>; // user ids
  groupsOfUser(userId: string): Promise<Group[]>;
}

export interface DeviceStore {
  /** Inserts, or replaces the keys of the device with the same (orgId, deviceUuid): re-registration. */
  upsert(d: Device): Promise<Device>;
  get(id: string): Promise<Device | null>;
  getBySigningKid(kid: string): Promise<Device | null>;
  getByUuid(orgId: string, deviceUuid: string): Promise<Device | null>;
  list(orgId: string, opts?: { limit?: number; cursor?: string | null; status?: DeviceStatus }): Promise<Page<Device>>;
  /** Marks revoked; returns false if no such device. */
  revoke(id: string, at: Millis): Promise<boolean>;
  /** Marks active again with the same keys (an admin re-enabling it); returns false if no such device. */
  restore(id: string, at: Millis): Promise<boolean>;
  /** Deletes the device row; its tokens, user registrations and unlock keys must be deleted first. */
  delete(id: string): Promise<boolean>;
  count(orgId: string): Promise<number>;
}

export interface UserRegistrationStore {
  /** Inserts or replaces the registration of (deviceId, userId). */
  upsert(r: UserRegistration): Promise<UserRegistration>;
  get(deviceId: string, userId: string): Promise<UserRegistration | null>;
  getByUserKid(kid: string): Promise<UserRegistration | null>;
  listForDevice(deviceId: string): Promise<UserRegistration[]>;
  listForUser(userId: string): Promise<UserRegistration[]>;
  deleteForDevice(deviceId: string): Promise<number>;
  deleteForUser(userId: string): Promise<number>;
}

export interface NonceStore {
  create(n: NonceRecord): Promise<void>;
  /** Atomically marks the nonce used if it exists, is unused and unexpired at `now`. */
  consume(value: string, now: Millis, clientRequestId?: string): Promise<NonceConsumeResult>;
  /** Retention: deletes at most `limit` nonces that expired before `before`; returns how many. */
  purgeExpired(before: Millis, limit: number): Promise<number>;
}

export interface RefreshTokenStore {
  create(t: RefreshTokenRecord): Promise<void>;
  getByHash(tokenHash: string): Promise<RefreshTokenRecord | null>;
  /**
   * Atomically revokes `oldId` (only if still unrevoked) and inserts `next` with
   * `replacedById` set on the old row. Returns false (and inserts nothing) if the old token
   * was already revoked or rotated: a concurrent or replayed use. `next` carries the old token's
   * familyId (the caller copies it across), which is also what concurrent changes serialise on.
   */
  rotate(oldId: string, next: RefreshTokenRecord, at: Millis): Promise<boolean>;
  /**
   * The grace re-issue for a reply lost after its rotation committed, atomically: only if
   * `previousId` still names `successorId` as its successor, was rotated at or after `rotatedSince`
   * and has not spent its grace, and the successor is still unrevoked, it points `previousId` at
   * `next` and spends its grace, revokes the successor (marking it displaced) and inserts `next`.
   * Otherwise nothing changes. Of any number of concurrent calls at most one returns 'reissued'.
   */
  reissueInGrace(previousId: string, successorId: string, next: RefreshTokenRecord, at: Millis, rotatedSince: Millis): Promise<GraceReissueResult>;
  /** Revokes every unrevoked token of the family, including any a concurrent rotation adds meanwhile; returns how many. */
  revokeFamily(familyId: string, at: Millis): Promise<number>;
  revokeForDevice(deviceId: string, at: Millis): Promise<number>;
  revokeForUser(userId: string, at: Millis): Promise<number>;
  /** Deletes every token of the device (before the device itself is deleted). */
  deleteForDevice(deviceId: string): Promise<number>;
  /** Deletes every token of the user, on every device (before the user is deleted). */
  deleteForUser(userId: string): Promise<number>;
  /**
   * Retention: deletes at most `limit` tokens that expired before `expiredBefore`, or were revoked
   * without being rotated before `revokedBefore`. Rotated tokens (replacedById set) stay until they
   * expire, so a replay of one is still recognised as reuse. Returns how many.
   */
  purgeEnded(cutoffs: { expiredBefore: Millis; revokedBefore: Millis }, limit: number): Promise<number>;
  listActiveForDevice(deviceId: string, now: Millis): Promise<RefreshTokenRecord[]>;
}

export interface UnlockKeyStore {
  /** Inserts unless a key exists for (userId, deviceId, purpose); returns the stored one either way. */
  getOrCreate(k: UnlockKeyRecord): Promise<UnlockKeyRecord>;
  get(userId: string, deviceId: string, purpose: 'user_unlock'): Promise<UnlockKeyRecord | null>;
  deleteForDevice(deviceId: string): Promise<number>;
  deleteForUser(userId: string): Promise<number>;
}

export interface ServerKeyStore {
  create(k: ServerKeyRecord): Promise<void>;
  list(): Promise<ServerKeyRecord[]>;
  setStatus(kid: string, status: ServerKeyRecord['status'], at: Millis): Promise<boolean>;
}

/**
 * A value sealed under the master key, as stored, for `keys rotate-master`; the app knows each
 * kind's AAD. Sign-in sessions carry sealed strings inside their JSON data, so the data is given.
 */
export type SealedValue =
  | { kind: 'server_key'; id: string; sealed: Uint8Array }
  | { kind: 'unlock_key'; id: string; userId: string; deviceId: string; purpose: string; sealed: Uint8Array }
  | { kind: 'mfa_secret'; id: string; sealed: Uint8Array }
  | { kind: 'app_secret'; id: string; sealed: Uint8Array }
  | { kind: 'sign_in_session'; id: string; data: string };

export interface SealedValueStore {
  /** Every stored value sealed under the master key (sessions: those whose data holds a sealed field). */
  list(): Promise<SealedValue[]>;
  /** Replaces `old`'s sealed bytes (or session data) with `next`'s, only if the row still holds `old`'s. */
  replace(old: SealedValue, next: SealedValue): Promise<boolean>;
}

export interface RegistrationTokenStore {
  create(t: RegistrationTokenRecord): Promise<void>;
  getByHash(tokenHash: string): Promise<RegistrationTokenRecord | null>;
  list(orgId: string): Promise<RegistrationTokenRecord[]>;
  revoke(id: string, at: Millis): Promise<boolean>;
}

export interface BearerTokenStore {
  create(t: BearerTokenRecord): Promise<void>;
  getByHash(tokenHash: string): Promise<BearerTokenRecord | null>;
  revokeForUser(userId: string, at: Millis): Promise<number>;
  deleteForUser(userId: string): Promise<number>;
  /** Retention: deletes at most `limit` tokens expired or revoked before `before`; returns how many. */
  purgeEnded(before: Millis, limit: number): Promise<number>;
}

export interface OrganisationStore {
  create(o: Organisation): Promise<void>;
  get(id: string): Promise<Organisation | null>;
  list(): Promise<Organisation[]>;
  /** Changes the display name; returns false if no such organisation. */
  rename(id: string, name: string): Promise<boolean>;
}

/** A DNS domain the organisation's user names use (Entra: verifiedDomains). */
export interface OrganisationDomain {
  orgId: string;
  /** Lower-case ASCII (an IDNA A-label for international names); unique per organisation. */
  name: string;
  /** The domain new user names default to; at most one per organisation. */
  isDefault: boolean;
  createdAt: Millis;
}

export interface OrganisationDomainStore {
  /** Adds the domain (the name is lower-cased); a domain the organisation already has is a conflict. */
  add(d: OrganisationDomain): Promise<void>;
  /** Default first, then by name. */
  list(orgId: string): Promise<OrganisationDomain[]>;
  remove(orgId: string, name: string): Promise<boolean>;
  /** Makes `name` the only default domain; returns false if the organisation has no such domain. */
  setDefault(orgId: string, name: string): Promise<boolean>;
  /** Users of the organisation whose principal name ends in @ one of `names` (compared case-insensitively). */
  countUsersIn(orgId: string, names: string[]): Promise<number>;
}

/** Entra's built-in directory role names (the ones OpenPSSO assigns). */
export const DIRECTORY_ROLES = ['Global Administrator', 'Cloud Device Administrator', 'Global Reader'] as const;
export type DirectoryRole = (typeof DIRECTORY_ROLES)[number];

export interface DirectoryRoleAssignment {
  orgId: string;
  userId: string;
  role: DirectoryRole;
  createdAt: Millis;
}

export interface DirectoryRoleStore {
  /** Idempotent: assigning a role the user holds keeps the first assignment. */
  assign(a: DirectoryRoleAssignment): Promise<void>;
  listForUser(userId: string): Promise<DirectoryRoleAssignment[]>;
  /** Every assignment in the organisation, optionally of one role, by user id. */
  listForOrg(orgId: string, role?: DirectoryRole): Promise<DirectoryRoleAssignment[]>;
  revoke(userId: string, role: DirectoryRole): Promise<boolean>;
  /** Removes every role of the user (user deletion); returns how many. */
  removeAllForUser(userId: string): Promise<number>;
}

/** All stores over one database. `transaction` runs `fn` with stores bound to one transaction. */
export interface Store extends AccessStores, OidcStores, AppStores, WebLoginStores {
  readonly kind: 'sqlite' | 'postgres';
  organisations: OrganisationStore;
  organisationDomains: OrganisationDomainStore;
  directoryRoles: DirectoryRoleStore;
  users: UserStore;
  groups: GroupStore;
  devices: DeviceStore;
  userRegistrations: UserRegistrationStore;
  nonces: NonceStore;
  refreshTokens: RefreshTokenStore;
  unlockKeys: UnlockKeyStore;
  serverKeys: ServerKeyStore;
  registrationTokens: RegistrationTokenStore;
  bearerTokens: BearerTokenStore;
  sealedValues: SealedValueStore;
  transaction<T>(fn: (tx: Store) => Promise<T>): Promise<T>;
  /** Applies pending migrations; safe to call on every start. */
  migrate(): Promise<void>;
  /** Migrations this code knows that the database has not applied (readiness: empty when current). */
  pendingMigrations(): Promise<string[]>;
  close(): Promise<void>;
}
