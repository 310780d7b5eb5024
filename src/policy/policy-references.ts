// Cross-object checks the admin API runs on write: policies may only name existing locations, and a location or app in use cannot be deleted (as in Entra).
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
