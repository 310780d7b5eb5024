// The sign-in log row in Graph's signIn shape (subset plus OpenPSSO's requirement source), and its policy fields from a decision.
import type { AccessDecision, AppliedConditionalAccessPolicy } from './types.js';

export interface SignInStatus {
  /** 0 on success. Entra's AADSTS number or OpenPSSO's catalogue code. */
  errorCode: number;
  failureReason: string | null;
  additionalDetails: string | null;
}

export interface SignInDeviceDetail {
  deviceId: string | null;
  displayName: string | null;
  operatingSystem: string | null;
  isCompliant: boolean | null;
  isManaged: boolean | null;
  trustType: string | null;
  /** OpenPSSO addition (Intune's managedDevice name): the serial Apple device attestation proved, else null. */
  serialNumber?: string | null;
  /** OpenPSSO addition: the device's keys were attested by Apple (docs/attestation.md) at registration. */
  isAttested?: boolean | null;
}

export interface SignIn {
  id: string;
  /** ISO 8601 UTC, e.g. 2026-01-01T00:00:00Z. */
  createdDateTime: string;
  userId: string;
  userPrincipalName: string;
  userDisplayName: string;
  appId: string;
  appDisplayName: string;
  ipAddress: string;
  /** Graph's strings: 'Browser', 'Mobile Apps and Desktop clients' ... */
  clientAppUsed: string;
  isInteractive: boolean;
  correlationId: string;
  status: SignInStatus;
  conditionalAccessStatus: 'success' | 'failure' | 'notApplied';
  appliedConditionalAccessPolicies: AppliedConditionalAccessPolicy[];
  authenticationRequirement: 'singleFactorAuthentication' | 'multiFactorAuthentication';
  /** OpenPSSO extension: 'perUserMfa', 'conditionalAccess:<policy id>' or null. */
  authenticationRequirementSource: string | null;
  deviceDetail: SignInDeviceDetail;
  /**
   * Graph's authenticationContextClassReferences: here the Platform SSO authorization scope the Mac
   * sent (urn:apple:platformsso:auth:elevation ...), with detail 'required'. Absent without a scope.
   */
  authenticationContextClassReferences?: { id: string; detail: 'required' | 'previouslySatisfied' | 'notApplicable' }[];
  /**
   * OpenPSSO extension: on a row that stands for many throttled or locked refusals from one source
   * in one window, how many there were and over what time (absent on ordinary rows).
   */
  aggregate?: SignInAggregate;
}

export interface SignInAggregate {
  count: number;
  firstDateTime: string;
  lastDateTime: string;
  /** Distinct account names tried (up to 100 are counted). */
  accounts: number;
}

/** The fields of a sign-in row that come from the access decision. */
export function signInPolicyFields(decision: AccessDecision): Pick<SignIn,
  'conditionalAccessStatus' | 'appliedConditionalAccessPolicies' | 'authenticationRequirement' | 'authenticationRequirementSource'> {
  return {
    conditionalAccessStatus: decision.conditionalAccessStatus,
    appliedConditionalAccessPolicies: decision.appliedConditionalAccessPolicies,
    authenticationRequirement: decision.authenticationRequirement,
    authenticationRequirementSource: decision.authenticationRequirementSource,
  };
}
