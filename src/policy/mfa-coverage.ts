// Decides whether an enabled conditional-access policy requires MFA of a user on given apps, conservatively, for the doctor and fix plan (entra-mdm.md §5.4).
import { DEVICE_REGISTRATION_APP_ID, ENTRA_APPS, PLATFORM_SSO_APP_ID } from './app-ids.js';
import { locateIp, matchConditions, type ConditionFacts } from './conditions.js';
import type { DoctorOptions, DoctorPolicy, DoctorUser } from './doctor-types.js';
import type { ClientAppType, ConditionalAccessConditionSet, NamedLocation } from './types.js';

export interface CoverageTarget {
  appIds: string[];
  /** Entra user actions that also count, e.g. 'urn:user:registerdevice' for device registration. */
  userActions: string[];
  /** The client type of the sign-in where MFA would be asked. */
  clientAppType: Exclude<ClientAppType, 'all'>;
  /** Coverage is about interactive sign-ins; the login-app check asks about the non-interactive grant. */
  interactive: boolean;
}

export function coverageTarget(options: DoctorOptions): CoverageTarget {
  if (options.target === 'entra') {
    return {
      appIds: options.coverageAppIds ?? [ENTRA_APPS.deviceRegistrationService.appId],
      userActions: ['urn:user:registerdevice'],
      clientAppType: 'mobileAppsAndDesktopClients',
      interactive: true,
    };
  }
  return { appIds: options.coverageAppIds ?? [DEVICE_REGISTRATION_APP_ID], userActions: [], clientAppType: 'browser', interactive: true };
}

export function loginAppIds(options: DoctorOptions): string[] {
  return options.loginAppIds ?? [options.target === 'entra' ? ENTRA_APPS.microsoftAuthenticationBroker.appId : PLATFORM_SSO_APP_ID];
}

export function requiresMfa(p: DoctorPolicy): boolean {
  const g = p.grantControls;
  if (g === null || g.builtInControls.includes('block')) return false;
  return g.builtInControls.includes('mfa') || (g.authenticationStrength !== undefined && g.authenticationStrength !== null);
}

/** Entra-only conditions that make a policy apply in fewer places than users/apps say; the doctor cannot evaluate them. */
function narrowing(p: DoctorPolicy): string | null {
  const c = p.conditions;
  if ((c.signInRiskLevels?.length ?? 0) > 0 || (c.userRiskLevels?.length ?? 0) > 0) return 'it applies only to risky sign-ins or users';
  const inc = c.platforms?.includePlatforms;
  if (c.platforms && ((inc && inc.length > 0 && !inc.includes('all') && !inc.includes('macOS')) || c.platforms.excludePlatforms?.includes('macOS'))) {
    return 'its device platforms condition leaves out macOS';
  }
  if (c.devices?.deviceFilter) return 'it has a device filter the doctor cannot evaluate';
  return null;
}

/** Maps a Graph-shaped policy onto the evaluator's condition set (unknown client types dropped). */
function toConditionSet(p: DoctorPolicy): ConditionalAccessConditionSet {
  const d = p.conditions.devices;
  const known = new Set(['all', 'browser', 'mobileAppsAndDesktopClients', 'exchangeActiveSync', 'other']);
  return {
    users: p.conditions.users,
    applications: p.conditions.applications,
    locations: p.conditions.locations ?? null,
    devices: d && d.includeDeviceStates ? { includeDeviceStates: d.includeDeviceStates, excludeDeviceStates: d.excludeDeviceStates ?? [] } : null,
    clientAppTypes: (p.conditions.clientAppTypes ?? []).filter((t): t is ClientAppType => known.has(t)),
  };
}

export interface PolicyCoverage {
  covers: boolean;
  /** Why not, or what limits it ("except from ..."). */
  reason: string;
}

/**
 * Would this policy ask the user for MFA at the target's interactive sign-in, from an unknown network
 * on a not-yet-registered Mac? That is the sign-in per-user MFA protected, so it is the bar for removing it.
 */
export function policyCoversUser(
  p: DoctorPolicy, user: DoctorUser, target: CoverageTarget, namedLocations: readonly NamedLocation[],
): PolicyCoverage {
  if (p.state !== 'enabled') return { covers: false, reason: p.state === 'disabled' ? 'policy is disabled' : 'policy is report-only' };
  if (!requiresMfa(p)) return { covers: false, reason: 'policy does not require MFA' };
  const narrow = narrowing(p);
  if (narrow !== null) return { covers: false, reason: narrow };
  const conditions = toConditionSet(p);
  const actionHit = target.userActions.find((a) => p.conditions.applications.includeUserActions?.includes(a));
  const location = locateIp('', namedLocations);
  for (const appId of target.appIds) {
    const facts: ConditionFacts = {
      userId: user.id, groupIds: user.groupIds, appId, deviceState: 'unregistered', clientAppType: target.clientAppType,
      interactive: target.interactive, location,
    };
    const results = matchConditions(conditions, facts);
    const failed = results.filter((r) => !r.applies && !(actionHit && r.condition === 'applications'));
    if (failed.length > 0) return { covers: false, reason: failed.map((r) => `${r.condition}: ${r.why}`).join('; ') };
  }
  const limits: string[] = [];
  const ex = p.conditions.locations?.excludeLocations ?? [];
  if (ex.length > 0) limits.push(`except from ${ex.join(', ')}`);
  const g = p.grantControls!;
  if (g.operator === 'OR' && g.builtInControls.length > 1) limits.push(`MFA or ${g.builtInControls.filter((c) => c !== 'mfa').join(', ')}`);
  return { covers: true, reason: limits.length ? limits.join('; ') : 'requires MFA' };
}

export interface UserCoverage {
  coveredBy: { id: string; displayName: string; note: string }[];
  /** Per policy that requires MFA but does not cover this user, why. */
  notCovering: { id: string; displayName: string; reason: string }[];
}

export function userMfaCoverage(
  user: DoctorUser, policies: readonly DoctorPolicy[], target: CoverageTarget, namedLocations: readonly NamedLocation[],
): UserCoverage {
  const out: UserCoverage = { coveredBy: [], notCovering: [] };
  for (const p of policies) {
    if (!requiresMfa(p)) continue;
    const c = policyCoversUser(p, user, target, namedLocations);
    if (c.covers) out.coveredBy.push({ id: p.id, displayName: p.displayName, note: c.reason });
    else out.notCovering.push({ id: p.id, displayName: p.displayName, reason: c.reason });
  }
  return out;
}

/** Is the user in the Platform SSO rollout? */
export function inPlatformSsoScope(user: DoctorUser, scope: { includeUsers?: string[]; includeGroups?: string[] } | undefined): boolean {
  if (scope === undefined) return true;
  if (scope.includeUsers?.includes('All') || scope.includeUsers?.includes(user.id)) return true;
  return (scope.includeGroups ?? []).some((g) => user.groupIds.includes(g));
}
