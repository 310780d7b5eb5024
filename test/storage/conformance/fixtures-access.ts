// Record factories for the access-policy stores' conformance cases: sign-in rows, policies, named
// locations, MFA methods, temporary access passes, admin clients and sign-in sessions.
import { randomBytes } from 'node:crypto';
import type { SignIn } from '../../../src/policy/sign-in.js';
import type { ConditionalAccessPolicy, NamedLocation } from '../../../src/policy/types.js';
import type {
  AdminClientRecord, MfaMethodRecord, SignInSessionRecord, TemporaryAccessPassRecord,
} from '../../../src/storage/ports-access.js';
import { HOUR, hashOf, newId, T0 } from './fixtures.js';

export const iso = (ms: number): string => new Date(ms).toISOString();

export const makeSignIn = (o: Partial<SignIn> = {}): SignIn => ({
  id: newId('si'),
  createdDateTime: iso(T0),
  userId: 'usr_alice',
  userPrincipalName: 'alice@example.com',
  userDisplayName: 'Alice',
  appId: '77a47347-de61-4957-ba33-aadeb4e8205a',
  appDisplayName: 'OpenPSSO Platform SSO',
  ipAddress: '203.0.113.5',
  clientAppUsed: 'Mobile Apps and Desktop clients',
  isInteractive: false,
  correlationId: randomBytes(8).toString('hex'),
  status: { errorCode: 0, failureReason: null, additionalDetails: null },
  conditionalAccessStatus: 'notApplied',
  appliedConditionalAccessPolicies: [],
  authenticationRequirement: 'singleFactorAuthentication',
  authenticationRequirementSource: null,
  deviceDetail: { deviceId: 'dev_1', displayName: 'Mac', operatingSystem: 'macOS', isCompliant: null, isManaged: true, trustType: 'AzureAD' },
  ...o,
});

export const makePolicy = (o: Partial<ConditionalAccessPolicy> = {}): ConditionalAccessPolicy => ({
  id: newId('cap'),
  displayName: 'Require MFA for admins',
  state: 'enabled',
  conditions: {
    users: { includeUsers: ['All'], excludeUsers: ['usr_breakglass'], includeGroups: [], excludeGroups: ['grp_x'] },
    applications: { includeApplications: ['All'], excludeApplications: [] },
    locations: { includeLocations: ['All'], excludeLocations: ['AllTrusted'] },
    devices: { includeDeviceStates: ['All'], excludeDeviceStates: ['registered'] },
    clientAppTypes: ['browser', 'mobileAppsAndDesktopClients'],
  },
  grantControls: { operator: 'OR', builtInControls: ['mfa', 'compliantDevice'] },
  sessionControls: {
    signInFrequency: { isEnabled: true, type: 'hours', value: 8, frequencyInterval: 'timeBased', authenticationType: 'primaryAndSecondaryAuthentication' },
  },
  createdDateTime: iso(T0),
  modifiedDateTime: iso(T0),
  ...o,
});

export const makeLocation = (o: Partial<NamedLocation> = {}): NamedLocation => ({
  '@odata.type': '#microsoft.graph.ipNamedLocation',
  id: newId('loc'),
  displayName: 'Office',
  isTrusted: true,
  ipRanges: [
    { '@odata.type': '#microsoft.graph.iPv4CidrRange', cidrAddress: '203.0.113.0/24' },
    { '@odata.type': '#microsoft.graph.iPv6CidrRange', cidrAddress: '2001:db8::/32' },
  ],
  createdDateTime: iso(T0),
  ...o,
});

export const makeTotp = (userId: string, o: Partial<MfaMethodRecord> = {}): MfaMethodRecord => ({
  id: newId('mfa'),
  userId,
  kind: 'totp',
  displayName: 'Authenticator app',
  sealedSecret: new Uint8Array(randomBytes(48)),
  lastUsedStep: null,
  credentialId: null,
  publicKey: null,
  counter: null,
  transports: [],
  createdAt: T0,
  lastUsedAt: null,
  ...o,
});

export const makePasskey = (userId: string, o: Partial<MfaMethodRecord> = {}): MfaMethodRecord => ({
  id: newId('mfa'),
  userId,
  kind: 'passkey',
  displayName: 'YubiKey',
  sealedSecret: null,
  lastUsedStep: null,
  credentialId: randomBytes(32).toString('base64url'),
  publicKey: new Uint8Array(randomBytes(77)),
  counter: 0,
  transports: ['usb', 'nfc'],
  createdAt: T0,
  lastUsedAt: null,
  ...o,
});

export const makeTap = (userId: string, o: Partial<TemporaryAccessPassRecord> = {}): TemporaryAccessPassRecord => ({
  id: newId('tap'),
  userId,
  codeHash: hashOf(randomBytes(16).toString('base64url')),
  oneTimeUse: true,
  createdAt: T0,
  expiresAt: T0 + HOUR,
  usedAt: null,
  revokedAt: null,
  ...o,
});

export const makeAdminClient = (orgId: string, o: Partial<AdminClientRecord> = {}): AdminClientRecord => ({
  id: newId('acl'),
  orgId,
  displayName: 'Provisioning script',
  secretHash: hashOf(randomBytes(32).toString('base64url')),
  roles: ['Directory.Read', 'AuditLog.Read'],
  createdAt: T0,
  revokedAt: null,
  ...o,
});

export const makeSession = (orgId: string, o: Partial<SignInSessionRecord> = {}): SignInSessionRecord => ({
  id: newId('sis'),
  orgId,
  userId: null,
  data: JSON.stringify({ stage: 'password', returnTo: '/authorize?x=1' }),
  createdAt: T0,
  expiresAt: T0 + 600_000,
  ...o,
});
