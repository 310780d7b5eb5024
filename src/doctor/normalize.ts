// Normalises Graph answers from either OpenPSSO or Entra into the doctor's input types (Entra fills fields OpenPSSO leaves out, and vice versa).

import type { DoctorPolicy } from '../policy/doctor-types.js';
import type { SignIn } from '../policy/sign-in.js';
import type { NamedLocation, PerUserMfaState } from '../policy/types.js';

type Json = Record<string, unknown>;
const obj = (v: unknown): Json => (typeof v === 'object' && v !== null && !Array.isArray(v) ? v as Json : {});
const strs = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);

export function toPerUserMfaState(v: unknown): PerUserMfaState {
  const s = obj(v).perUserMfaState;
  return s === 'enabled' || s === 'enforced' ? s : 'disabled';
}

/** Keeps every condition the doctor must notice, including Entra-only ones that narrow a policy. */
export function toDoctorPolicy(raw: unknown): DoctorPolicy {
  const p = obj(raw);
  const c = obj(p.conditions);
  const u = obj(c.users);
  const a = obj(c.applications);
  const loc = c.locations ? obj(c.locations) : null;
  const dev = c.devices ? obj(c.devices) : null;
  const plat = c.platforms ? obj(c.platforms) : null;
  const g = p.grantControls ? obj(p.grantControls) : null;
  const sif = obj(p.sessionControls).signInFrequency;
  const state = p.state === 'enabled' || p.state === 'enabledForReportingButNotEnforced' ? p.state : 'disabled';
  return {
    id: String(p.id ?? ''),
    displayName: String(p.displayName ?? p.id ?? ''),
    state,
    conditions: {
      users: {
        includeUsers: strs(u.includeUsers), excludeUsers: strs(u.excludeUsers), includeGroups: strs(u.includeGroups), excludeGroups: strs(u.excludeGroups),
        includeRoles: strs(u.includeRoles), excludeRoles: strs(u.excludeRoles),
      },
      applications: { includeApplications: strs(a.includeApplications), excludeApplications: strs(a.excludeApplications), includeUserActions: strs(a.includeUserActions) },
      locations: loc ? { includeLocations: strs(loc.includeLocations), excludeLocations: strs(loc.excludeLocations) } : null,
      devices: dev ? {
        includeDeviceStates: strs(dev.includeDeviceStates) as NonNullable<DoctorPolicy['conditions']['devices']>['includeDeviceStates'],
        excludeDeviceStates: strs(dev.excludeDeviceStates) as NonNullable<DoctorPolicy['conditions']['devices']>['excludeDeviceStates'],
        deviceFilter: dev.deviceFilter ? { mode: String(obj(dev.deviceFilter).mode ?? ''), rule: String(obj(dev.deviceFilter).rule ?? '') } : null,
      } : null,
      clientAppTypes: strs(c.clientAppTypes),
      platforms: plat ? { includePlatforms: strs(plat.includePlatforms), excludePlatforms: strs(plat.excludePlatforms) } : null,
      signInRiskLevels: strs(c.signInRiskLevels),
      userRiskLevels: strs(c.userRiskLevels),
    },
    grantControls: g ? {
      operator: g.operator === 'OR' ? 'OR' : 'AND',
      builtInControls: strs(g.builtInControls),
      authenticationStrength: g.authenticationStrength ? { id: String(obj(g.authenticationStrength).id ?? ''), displayName: String(obj(g.authenticationStrength).displayName ?? '') } : null,
    } : null,
    sessionControls: sif ? { signInFrequency: sif as NonNullable<NonNullable<DoctorPolicy['sessionControls']>['signInFrequency']> } : null,
  };
}

/** IP named locations only: country locations need geo-IP data the checks do not have. */
export function toNamedLocations(raw: unknown[]): NamedLocation[] {
  return raw.map(obj).filter((l) => (l['@odata.type'] ?? '#microsoft.graph.ipNamedLocation') === '#microsoft.graph.ipNamedLocation').map((l) => ({
    '@odata.type': '#microsoft.graph.ipNamedLocation' as const,
    id: String(l.id ?? ''),
    displayName: String(l.displayName ?? ''),
    isTrusted: l.isTrusted === true,
    ipRanges: (Array.isArray(l.ipRanges) ? l.ipRanges : []).map(obj).map((r) => ({
      '@odata.type': r['@odata.type'] === '#microsoft.graph.iPv6CidrRange' ? '#microsoft.graph.iPv6CidrRange' as const : '#microsoft.graph.iPv4CidrRange' as const,
      cidrAddress: String(r.cidrAddress ?? ''),
    })),
  }));
}

/**
 * Entra names the MFA requirement's source in authenticationRequirementPolicies[].requirementProvider
 * (§4.1); OpenPSSO has authenticationRequirementSource. Both end up in the latter.
 */
function requirementSource(r: Json): string | null {
  const own = str(r.authenticationRequirementSource);
  if (own !== null) return own;
  const providers = (Array.isArray(r.authenticationRequirementPolicies) ? r.authenticationRequirementPolicies : []).map((x) => str(obj(x).requirementProvider));
  if (providers.includes('user')) return 'perUserMfa';
  const ca = providers.find((p) => p === 'multiConditionalAccess' || p === 'v1ConditionalAccess');
  if (ca) return `conditionalAccess:${ca}`;
  return providers.find((p): p is string => p !== null) ?? null;
}

export function toSignIn(raw: unknown): SignIn {
  const r = obj(raw);
  const status = obj(r.status);
  const d = obj(r.deviceDetail);
  const types = strs(r.signInEventTypes);
  const ca = r.conditionalAccessStatus;
  return {
    id: String(r.id ?? ''),
    createdDateTime: String(r.createdDateTime ?? ''),
    userId: String(r.userId ?? ''),
    userPrincipalName: String(r.userPrincipalName ?? ''),
    userDisplayName: String(r.userDisplayName ?? ''),
    appId: String(r.appId ?? ''),
    appDisplayName: String(r.appDisplayName ?? ''),
    ipAddress: String(r.ipAddress ?? ''),
    clientAppUsed: String(r.clientAppUsed ?? ''),
    isInteractive: typeof r.isInteractive === 'boolean' ? r.isInteractive : !types.includes('nonInteractiveUser'),
    correlationId: String(r.correlationId ?? ''),
    status: { errorCode: Number(status.errorCode ?? 0) || 0, failureReason: str(status.failureReason), additionalDetails: str(status.additionalDetails) },
    conditionalAccessStatus: ca === 'success' || ca === 'failure' ? ca : 'notApplied',
    appliedConditionalAccessPolicies: Array.isArray(r.appliedConditionalAccessPolicies) ? r.appliedConditionalAccessPolicies as SignIn['appliedConditionalAccessPolicies'] : [],
    authenticationRequirement: r.authenticationRequirement === 'multiFactorAuthentication' ? 'multiFactorAuthentication' : 'singleFactorAuthentication',
    authenticationRequirementSource: requirementSource(r),
    deviceDetail: {
      deviceId: str(d.deviceId), displayName: str(d.displayName), operatingSystem: str(d.operatingSystem),
      isCompliant: typeof d.isCompliant === 'boolean' ? d.isCompliant : null, isManaged: typeof d.isManaged === 'boolean' ? d.isManaged : null,
      trustType: str(d.trustType),
    },
  };
}
