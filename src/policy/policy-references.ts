// Cross-object checks the admin API runs on write: policies may only name existing locations, and a location or app in use cannot be deleted (as in Entra).
import { nearestKey } from '../config/nearest-key.js';
import { isBuiltInAppId, OPENPSSO_APPS } from './app-ids.js';
import type { ValidationIssue } from './schemas.js';
import type { ConditionalAccessPolicy, NamedLocation } from './types.js';

const SPECIAL = new Set(['All', 'AllTrusted']);

/** Issues for location ids in a policy that name no existing named location. */
export function policyReferenceIssues(
  policy: Pick<ConditionalAccessPolicy, 'conditions'>, namedLocations: readonly Pick<NamedLocation, 'id'>[],
): ValidationIssue[] {
  const known = new Set(namedLocations.map((l) => l.id));
  const loc = policy.conditions.locations;
  if (!loc) return [];
  const issues: ValidationIssue[] = [];
  for (const key of ['includeLocations', 'excludeLocations'] as const) {
    loc[key].forEach((id, i) => {
      if (key === 'excludeLocations' && id === 'All') {
        issues.push({ path: `conditions.locations.${key}[${i}]`, message: "excluding 'All' would make the policy apply nowhere" });
      } else if (!SPECIAL.has(id) && !known.has(id)) {
        issues.push({ path: `conditions.locations.${key}[${i}]`, message: `no named location with id '${id}'` });
      }
    });
  }
  return issues;
}

/** Policies that name the location; deleting it is refused while this is non-empty. */
export function policiesUsingLocation<P extends Pick<ConditionalAccessPolicy, 'id' | 'displayName' | 'conditions'>>(
  locationId: string, policies: readonly P[],
): P[] {
  return policies.filter((p) => {
    const loc = p.conditions.locations;
    return !!loc && (loc.includeLocations.includes(locationId) || loc.excludeLocations.includes(locationId));
  });
}

/** Policies that include or exclude the app; deleting a registered app is refused while this is non-empty. */
export function policiesUsingApplication<P extends Pick<ConditionalAccessPolicy, 'id' | 'displayName' | 'conditions'>>(
  appId: string, policies: readonly P[],
): P[] {
  const id = appId.toLowerCase();
  return policies.filter((p) => {
    const a = p.conditions.applications;
    return [...a.includeApplications, ...a.excludeApplications].some((x) => x.toLowerCase() === id);
  });
}

export interface RegisteredAppName { appId: string; displayName: string }

/**
 * Issues for app ids that are neither 'All'/'None', one of OpenPSSO's apps nor a registered app of
 * the organisation. A policy naming an unknown id would never apply (or never exclude), so the
 * mistake is refused with the nearest app by id or name.
 */
export function applicationReferenceIssues(
  policy: Pick<ConditionalAccessPolicy, 'conditions'>, registered: readonly RegisteredAppName[],
): ValidationIssue[] {
  const known = new Set(registered.map((a) => a.appId.toLowerCase()));
  const everyApp = [...Object.values(OPENPSSO_APPS), ...registered];
  const issues: ValidationIssue[] = [];
  const a = policy.conditions.applications;
  for (const key of ['includeApplications', 'excludeApplications'] as const) {
    a[key].forEach((id, i) => {
      if (id === 'All' || id === 'None' || isBuiltInAppId(id) || known.has(id.toLowerCase())) return;
      const byId = nearestKey(id, everyApp.map((x) => x.appId));
      const byName = everyApp.find((x) => x.displayName.toLowerCase() === id.toLowerCase())
        ?? everyApp.find((x) => x.displayName === nearestKey(id, everyApp.map((y) => y.displayName)));
      const guess = everyApp.find((x) => x.appId === byId) ?? byName;
      const hint = guess !== undefined
        ? `did you mean "${guess.displayName}" (${guess.appId})?`
        : registered.length > 0
          ? `registered apps: ${registered.slice(0, 5).map((x) => `"${x.displayName}" (${x.appId})`).join(', ')}${registered.length > 5 ? ', ...' : ''}`
          : 'no apps are registered (openpsso app create)';
      issues.push({ path: `conditions.applications.${key}[${i}]`, message: `no registered app or OpenPSSO app has appId '${id}'; ${hint}` });
    });
  }
  return issues;
}
