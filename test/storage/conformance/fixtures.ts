// Record factories and hooks for the storage conformance suite: unique ids per call, realistic key
// sizes, and a fresh store per test.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { afterEach, beforeEach } from 'node:test';
import { PssoError } from '../../../src/errors/psso-error.js';
import type {
  BearerTokenRecord, Device, Group, NonceRecord, Organisation, RefreshTokenRecord, Store, UnlockKeyRecord, User,
  UserRegistration,
} from '../../../src/storage/ports.js';

export type MakeStore = () => Promise<{ store: Store; cleanup: () => Promise<void> }>;

/** A fixed, realistic "now" (2023-11-14T22:13:20Z) so expiry edges are exact. */
export const T0 = 1_700_000_000_000;
export const HOUR = 3_600_000;

let seq = 0;
/** Ids sort in creation order (zero-padded counter) and never collide across tests. */
export function newId(prefix: string): string {
  seq += 1;
  return `${prefix}_${String(seq).padStart(8, '0')}${randomBytes(4).toString('hex')}`;
}

export const x963 = (): Uint8Array => {
  const k = new Uint8Array(randomBytes(65));
  k[0] = 0x04;
  return k;
};
export const kidOf = (key: Uint8Array): string => createHash('sha256').update(key).digest('base64');
export const hashOf = (token: string): string => createHash('sha256').update(token).digest('hex');

/** Registers beforeEach/afterEach in the enclosing describe; call the getter inside tests. */
export function storeHook(make: MakeStore): () => Store {
  let current: Awaited<ReturnType<MakeStore>> | undefined;
  beforeEach(async () => {
    current = await make();
  });
  afterEach(async () => {
    const c = current;
    current = undefined;
    await c?.cleanup();
  });
  return () => {
    if (!current) throw new Error('store used outside a test');
    return current.store;
  };
}

export async function rejectsWith(p: Promise<unknown>, name: string): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof PssoError, `expected PssoError(${name}), got ${String(e)}`);
    assert.equal(e.entry.name, name);
    return true;
  });
}

export const makeOrg = (o: Partial<Organisation> = {}): Organisation => ({ id: newId('org'), name: 'Example Ltd', createdAt: T0, ...o });

export const makeUser = (orgId: string, o: Partial<User> = {}): User => {
  const id = newId('usr');
  return {
    id,
    orgId,
    userPrincipalName: `${id}@example.com`,
    displayName: 'Alice Example',
    email: null,
    passwordHash: '$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA',
    enabled: true,
    perUserMfaState: 'disabled',
    passwordChangedAt: null,
    createdAt: T0,
    updatedAt: T0,
    ...o,
  };
};

export const makeGroup = (orgId: string, o: Partial<Group> = {}): Group => {
  const id = newId('grp');
  return { id, orgId, displayName: `Group ${id}`, description: null, createdAt: T0, ...o };
};

export const makeDevice = (orgId: string, o: Partial<Device> = {}): Device => {
  const signingKey = x963();
  const encryptionKey = x963();
  return {
    id: newId('dev'),
    orgId,
    deviceUuid: randomBytes(16).toString('hex').toUpperCase(),
    signingKey,
    signingKid: kidOf(signingKey),
    encryptionKey,
    encryptionKid: kidOf(encryptionKey),
    sharedDeviceKeys: false,
    status: 'active',
    registeredVia: 'registration_token',
    registeredByUserId: null,
    createdAt: T0,
    updatedAt: T0,
    revokedAt: null,
    attestation: null,
    ...o,
  };
};

export const makeRegistration = (deviceId: string, userId: string, o: Partial<UserRegistration> = {}): UserRegistration => {
  const userKey = x963();
  return {
    id: newId('ureg'),
    deviceId,
    userId,
    method: 'secure_enclave',
    userKey,
    userKid: kidOf(userKey),
    certificate: null,
    certificateThumbprint: null,
    mfaVerified: false,
    createdAt: T0,
    updatedAt: T0,
    ...o,
  };
};

export const makeNonce = (o: Partial<NonceRecord> = {}): NonceRecord => ({
  value: randomBytes(16).toString('base64url'), expiresAt: T0 + 300_000, usedAt: null, createdAt: T0, ...o,
});

export const makeRefresh = (userId: string, deviceId: string, o: Partial<RefreshTokenRecord> = {}): RefreshTokenRecord => {
  const id = o.id ?? newId('rt');
  return {
    id,
    tokenHash: hashOf(randomBytes(32).toString('base64url')),
    userId,
    deviceId,
    authTime: T0,
    amr: ['pwd'],
    createdAt: T0,
    expiresAt: T0 + 14 * 24 * HOUR,
    revokedAt: null,
    replacedById: null,
    // A login starts its own family; rotations pass the family on (override familyId for those).
    familyId: id,
    graceUsedAt: null,
    ...o,
  };
};

export const makeUnlockKey = (userId: string, deviceId: string, o: Partial<UnlockKeyRecord> = {}): UnlockKeyRecord => ({
  id: newId('uk'),
  userId,
  deviceId,
  purpose: 'user_unlock',
  publicKey: x963(),
  sealedPrivateKey: new Uint8Array(randomBytes(150)),
  certificate: new Uint8Array(randomBytes(400)),
  createdAt: T0,
  ...o,
});

export const makeBearer = (userId: string, o: Partial<BearerTokenRecord> = {}): BearerTokenRecord => ({
  id: newId('bt'),
  tokenHash: hashOf(randomBytes(32).toString('base64url')),
  userId,
  scopes: ['register'],
  amr: ['pwd', 'mfa'],
  createdAt: T0,
  expiresAt: T0 + HOUR,
  revokedAt: null,
  ...o,
});

/** An organisation, a user in it and a registered device: what most stores hang off. */
export async function seed(store: Store): Promise<{ org: Organisation; user: User; device: Device }> {
  const org = makeOrg();
  await store.organisations.create(org);
  const user = makeUser(org.id);
  await store.users.create(user);
  const device = await store.devices.upsert(makeDevice(org.id));
  return { org, user, device };
}
