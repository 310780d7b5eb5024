// Policy data in Microsoft Graph's shapes (conditionalAccessPolicy, ipNamedLocation subset) and the access decision.

export type PolicyState = 'enabled' | 'disabled' | 'enabledForReportingButNotEnforced';
export type PerUserMfaState = 'disabled' | 'enabled' | 'enforced';

/** OpenPSSO's device condition subset: the device's state in OpenPSSO, not Graph's deviceFilter rules. */
export type DeviceState = 'registered' | 'unregistered' | 'revoked';

/**
 * Whether Apple device attestation proved the device's keys at registration (docs/attestation.md).
 * Orthogonal to DeviceState: a device is, say, both 'registered' and 'attested'; no device is 'unattested'.
 */
export type DeviceAttestationState = 'attested' | 'unattested';

/** The values a device condition can name. */
export type DeviceConditionState = DeviceState | DeviceAttestationState;

/** Graph's clientAppTypes; OpenPSSO only produces 'browser' (sign-in pages) and 'mobileAppsAndDesktopClients' (the Mac). */
export type ClientAppType = 'all' | 'browser' | 'mobileAppsAndDesktopClients' | 'exchangeActiveSync' | 'other';

/** Graph builtInControls subset. 'compliantDevice' is satisfied by AccessContext.device.isCompliant. */
export type BuiltInControl = 'block' | 'mfa' | 'compliantDevice';

export interface ConditionalAccessUsers {
  /** 'All', 'None' or user ids. */
  includeUsers: string[];
  excludeUsers: string[];
  includeGroups: string[];
  excludeGroups: string[];
}

export interface ConditionalAccessApplications {
  /** 'All', 'None', OpenPSSO's app ids (see app-ids.ts) or registered apps' appIds; empty when includeUserActions is set. */
  includeApplications: string[];
  excludeApplications: string[];
  /**
   * Graph's user actions: here the macOS 27 Platform SSO authorization scopes (APPLE_USER_ACTIONS).
   * Set: the policy applies only to sign-ins carrying one of them, whatever the app (as in Entra,
   * a policy targets either apps or user actions).
   */
  includeUserActions?: string[];
}

export interface ConditionalAccessLocations {
  /** 'All', 'AllTrusted' or named location ids. */
  includeLocations: string[];
  /** 'AllTrusted' or named location ids. */
  excludeLocations: string[];
}

/**
 * Device condition: names follow Graph's retired conditionalAccessDevices.includeDeviceStates, with
 * OpenPSSO's device states as values. A request without a device is 'unregistered' and 'unattested'.
 * A device matches a list when its state or its attestation state is in it.
 */
export interface ConditionalAccessDevices {
  includeDeviceStates: ('All' | DeviceConditionState)[];
  excludeDeviceStates: DeviceConditionState[];
}

export interface ConditionalAccessConditionSet {
  users: ConditionalAccessUsers;
  applications: ConditionalAccessApplications;
  /** Absent or null: any location. */
  locations?: ConditionalAccessLocations | null;
  /** Absent or null: any device state. */
  devices?: ConditionalAccessDevices | null;
  /** Absent or empty: all client apps (Graph's default). */
  clientAppTypes?: ClientAppType[];
}

export interface ConditionalAccessGrantControls {
  operator: 'AND' | 'OR';
  builtInControls: BuiltInControl[];
}

export interface SignInFrequencySessionControl {
  isEnabled: boolean;
  type?: 'hours' | 'days' | null;
  value?: number | null;
  frequencyInterval: 'timeBased' | 'everyTime';
  authenticationType: 'primaryAndSecondaryAuthentication';
}

export interface ConditionalAccessSessionControls {
  signInFrequency?: SignInFrequencySessionControl | null;
}

export interface ConditionalAccessPolicy {
  id: string;
  displayName: string;
  state: PolicyState;
  conditions: ConditionalAccessConditionSet;
  grantControls: ConditionalAccessGrantControls | null;
  sessionControls?: ConditionalAccessSessionControls | null;
  createdDateTime?: string;
  modifiedDateTime?: string;
}

export interface IpRange {
  '@odata.type': '#microsoft.graph.iPv4CidrRange' | '#microsoft.graph.iPv6CidrRange';
  cidrAddress: string;
}

/** Graph ipNamedLocation. Country locations are not supported (OpenPSSO has no geo-IP data). */
export interface NamedLocation {
  '@odata.type'?: '#microsoft.graph.ipNamedLocation';
  id: string;
  displayName: string;
  isTrusted: boolean;
  ipRanges: IpRange[];
  createdDateTime?: string;
  modifiedDateTime?: string;
}

/** Everything evaluateAccess needs about one sign-in; fetched by the app first, so a decision can be replayed. */
export interface AccessContext {
  user: {
    id: string;
    groupIds: string[];
    perUserMfaState: PerUserMfaState;
    /** Has at least one MFA method (TOTP, passkey). false: an MFA requirement means registration first. Absent: assumed true. */
    mfaRegistered?: boolean;
  };
  appId: string;
  /** The app's name for traces, when the caller knows it (a registered app); else app-ids.ts names it. */
  appDisplayName?: string;
  /** The sign-in's Platform SSO authorization scope (urn:apple:platformsso:auth:...), when the Mac sent one. */
  userAction?: string;
  /** Client address as seen by the server; '' when unknown (matches only 'All' locations). */
  ipAddress: string;
  /** Absent: the request carries no device identity ('unregistered'). */
  device?: { id: string; state: DeviceState; isCompliant?: boolean; isAttested?: boolean };
  /** true: the sign-in pages can prompt. false: the Mac's token endpoint, which cannot. */
  interactive: boolean;
  /** Defaults to 'browser' when interactive, 'mobileAppsAndDesktopClients' otherwise. */
  clientAppType?: Exclude<ClientAppType, 'all'>;
  /** RFC 8176 amr values of this sign-in; 'mfa' means the session is multi-factor (e.g. ['swk','mfa']). */
  authMethodsSatisfied: string[];
  /** Epoch seconds of the last full (credential) authentication behind this request. */
  lastFullAuthAt?: number;
  /** Epoch seconds. */
  now: number;
}

export type RequirementSource =
  | { type: 'perUserMfa'; perUserMfaState: 'enabled' | 'enforced' }
  | { type: 'conditionalAccess'; policyId: string; displayName: string };

export type RequirementKind = 'mfa' | 'reauth' | 'block' | 'compliantDevice';

export interface AccessRequirement {
  kind: RequirementKind;
  source: RequirementSource;
  /** Already met by this sign-in (e.g. MFA done); block is never satisfied. */
  satisfied: boolean;
  /** MFA required but the user has no method yet: registration comes first (Entra 50079/50072). */
  registrationRequired?: boolean;
  detail: string;
}

export type AppliedPolicyResult =
  | 'success' | 'failure' | 'notApplied' | 'notEnabled'
  | 'reportOnlySuccess' | 'reportOnlyFailure' | 'reportOnlyNotApplied' | 'reportOnlyInterrupted';

/** Graph appliedConditionalAccessPolicy subset. */
export interface AppliedConditionalAccessPolicy {
  id: string;
  displayName: string;
  enforcedGrantControls: string[];
  enforcedSessionControls: string[];
  result: AppliedPolicyResult;
}

export type AccessResult = 'allow' | 'block' | 'interactionRequired';

export interface AccessDecision {
  result: AccessResult;
  requirements: AccessRequirement[];
  conditionalAccessStatus: 'success' | 'failure' | 'notApplied';
  appliedConditionalAccessPolicies: AppliedConditionalAccessPolicy[];
  authenticationRequirement: 'singleFactorAuthentication' | 'multiFactorAuthentication';
  /** OpenPSSO sign-in log extension: 'perUserMfa', 'conditionalAccess:<id>' or null. */
  authenticationRequirementSource: string | null;
  /** The Entra AADSTS equivalent of a non-allow result (50076, 50079, 53003, 70043 ...), for the app's catalogue. */
  entraErrorCode: number | null;
  interactive: boolean;
  trace: string[];
}
