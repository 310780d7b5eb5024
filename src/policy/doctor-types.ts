// Input and output shapes of the readiness doctor and the per-user MFA fix plan, in Graph's shapes so OpenPSSO and Entra data both fit.
import type {
  ConditionalAccessApplications, ConditionalAccessLocations, ConditionalAccessUsers, DeviceState, NamedLocation,
  PerUserMfaState, PolicyState, SignInFrequencySessionControl,
} from './types.js';
import type { SignIn } from './sign-in.js';

export interface DoctorUser {
  id: string;
  userPrincipalName: string;
  displayName?: string;
  accountEnabled?: boolean;
  /** Transitive group ids (Graph transitiveMemberOf). */
  groupIds: string[];
  /** GET /beta/users/{id}/authentication/requirements. */
  perUserMfaState: PerUserMfaState;
  /** userRegistrationDetails.isMfaRegistered; absent when unknown. */
  isMfaRegistered?: boolean;
  /** The user's Platform SSO method, if registered; only 'password' syncs the password (entra-mdm.md §2.6). */
  platformSsoMethod?: 'password' | 'secureEnclave' | 'smartCard' | null;
}

/** Graph device subset plus its registeredUsers relationship. */
export interface DoctorDevice {
  id: string;
  deviceId?: string;
  displayName: string;
  accountEnabled: boolean;
  operatingSystem?: string;
  registrationDateTime?: string | null;
  approximateLastSignInDateTime?: string | null;
  /** Ids of users registered on the device; absent when not fetched (the stuck check is skipped). */
  registeredUserIds?: string[];
}

/**
 * A conditionalAccessPolicy as either system returns it: OpenPSSO's subset plus the Entra-only
 * conditions the doctor must notice because they narrow where a policy applies.
 */
export interface DoctorPolicy {
  id: string;
  displayName: string;
  state: PolicyState;
  conditions: {
    users: ConditionalAccessUsers & { includeRoles?: string[]; excludeRoles?: string[] };
    applications: ConditionalAccessApplications & { includeUserActions?: string[] };
    locations?: ConditionalAccessLocations | null;
    devices?: {
      includeDeviceStates?: ('All' | DeviceState)[];
      excludeDeviceStates?: DeviceState[];
      deviceFilter?: { mode: string; rule: string } | null;
    } | null;
    clientAppTypes?: string[];
    platforms?: { includePlatforms?: string[]; excludePlatforms?: string[] } | null;
    signInRiskLevels?: string[];
    userRiskLevels?: string[];
  };
  grantControls: {
    operator: 'AND' | 'OR';
    builtInControls: string[];
    authenticationStrength?: { id: string; displayName?: string } | null;
  } | null;
  sessionControls?: { signInFrequency?: SignInFrequencySessionControl | null } | null;
}

/** Who Platform SSO is deployed to (the groups the profile is assigned to). Absent: everyone. */
export interface PlatformSsoScope {
  includeUsers?: string[];
  includeGroups?: string[];
}

export interface DoctorData {
  users: DoctorUser[];
  conditionalAccessPolicies: DoctorPolicy[];
  namedLocations: NamedLocation[];
  /** Entra's identitySecurityDefaultsEnforcementPolicy.isEnabled; OpenPSSO has none (false); null when unknown. */
  securityDefaultsEnabled: boolean | null;
  signIns: SignIn[];
  devices: DoctorDevice[];
  platformSsoScope?: PlatformSsoScope;
}

export interface DoctorOptions {
  /** 'openpsso' (default) or 'entra': picks the default app ids below. */
  target?: 'openpsso' | 'entra';
  /** Apps where MFA can be answered interactively: a CA MFA policy must cover these before per-user MFA goes. */
  coverageAppIds?: string[];
  /** The non-interactive Platform SSO login apps. */
  loginAppIds?: string[];
  /** How far back sign-in failures count. Default 7 days. */
  signInWindowDays?: number;
  /** A device silent for longer has expired SSO tokens (14-day rolling PRT expiry, §2.4). Default 14. */
  tokenExpiryDays?: number;
  /** A device with no registered user this long after registration is stuck. Default 1 hour. */
  registrationStuckHours?: number;
}

export type Severity = 'error' | 'warning' | 'info';

export interface AffectedObject {
  type: 'user' | 'device' | 'policy' | 'tenant' | 'app';
  id: string;
  displayName?: string;
}

export interface DoctorFinding {
  code: string;
  severity: Severity;
  title: string;
  affected: AffectedObject[];
  explanation: string;
  remediation: string;
  details?: Record<string, unknown>;
}

export interface DoctorReport {
  /** ISO 8601 of the `now` the checks ran at. */
  generatedAt: string;
  ok: boolean;
  counts: Record<Severity, number>;
  findings: DoctorFinding[];
}

export interface FixChange {
  userId: string;
  userPrincipalName: string;
  from: 'enabled' | 'enforced';
  to: 'disabled';
  coveredBy: { id: string; displayName: string }[];
  note?: string;
  /** The Graph call that applies it (§3.2); works against OpenPSSO's admin API and Entra alike. */
  request: { method: 'PATCH'; path: string; body: { perUserMfaState: 'disabled' } };
}

export interface FixPlan {
  changes: FixChange[];
  leftAlone: { userId: string; userPrincipalName: string; perUserMfaState: 'enabled' | 'enforced'; reason: string }[];
  /** Things to do before or alongside the plan (§5.4 steps 2, 4, 6). */
  notes: string[];
}
