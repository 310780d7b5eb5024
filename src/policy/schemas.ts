// Zod validation of conditional-access policy and named-location input in Graph's shapes, refusing what OpenPSSO would otherwise silently ignore.
import { z } from 'zod';
import { parseCidr } from './ip-range.js';
import { APPLE_USER_ACTION_PREFIX, APPLE_USER_ACTIONS } from './app-ids.js';
import type { ConditionalAccessPolicy, NamedLocation } from './types.js';

/**
 * Graph clients send empty defaults for conditions OpenPSSO does not evaluate (includeRoles: [],
 * platforms: null ...). Those are accepted; a non-empty value is refused, because ignoring it would
 * make the policy apply more broadly than the admin wrote.
 */
const unsupportedWhenSet = (hint: string) =>
  z.unknown().superRefine((v, ctx) => {
    const empty = v === null || v === undefined || (Array.isArray(v) && v.length === 0);
    if (!empty) ctx.addIssue({ code: 'custom', message: `not supported by OpenPSSO: ${hint}` });
  });

/** Graph responses carry OData annotations at any level; they are accepted and dropped. */
const graphMeta = {
  '@odata.type': z.string().optional(),
  '@odata.context': z.string().optional(),
};

const idList = z.array(z.string().min(1, 'must not be empty').max(200));

const usersSchema = z.strictObject({
  ...graphMeta,
  includeUsers: idList.default([]),
  excludeUsers: idList.default([]),
  includeGroups: idList.default([]),
  excludeGroups: idList.default([]),
  includeRoles: unsupportedWhenSet('role assignments; target users or groups').optional(),
  excludeRoles: unsupportedWhenSet('role assignments; target users or groups').optional(),
  includeGuestsOrExternalUsers: unsupportedWhenSet('guest users').optional(),
  excludeGuestsOrExternalUsers: unsupportedWhenSet('guest users').optional(),
}).superRefine((u, ctx) => {
  if (u.includeUsers.length === 0 && u.includeGroups.length === 0) {
    ctx.addIssue({ code: 'custom', path: ['includeUsers'], message: "include at least one user or group ('All', 'None', ids)" });
  }
  u.includeUsers.forEach((id, i) => {
    if (id === 'GuestsOrExternalUsers') ctx.addIssue({ code: 'custom', path: ['includeUsers', i], message: 'not supported by OpenPSSO: guest users' });
  });
});

const applicationsSchema = z.strictObject({
  ...graphMeta,
  includeApplications: idList.default([]),
  excludeApplications: idList.default([]),
  includeUserActions: z.array(z.string()).default([]),
  includeAuthenticationContextClassReferences: unsupportedWhenSet('authentication contexts').optional(),
}).superRefine((a, ctx) => {
  const actions = a.includeUserActions;
  if (actions.length > 0) {
    // Entra's rule: a policy targets either cloud apps or user actions, never both.
    if (a.includeApplications.length > 0 || a.excludeApplications.length > 0) {
      ctx.addIssue({ code: 'custom', path: ['includeUserActions'], message: 'a policy targets either apps or user actions: leave includeApplications and excludeApplications empty with includeUserActions' });
    }
    actions.forEach((action, i) => {
      if (!APPLE_USER_ACTIONS.includes(action)) {
        ctx.addIssue({ code: 'custom', path: ['includeUserActions', i], message: `not supported by OpenPSSO: ${action}; use the Platform SSO authorization scopes ${APPLE_USER_ACTIONS.map((x) => x.slice(APPLE_USER_ACTION_PREFIX.length)).join(', ')} (each prefixed ${APPLE_USER_ACTION_PREFIX})` });
      }
    });
    return;
  }
  if (a.includeApplications.length === 0) {
    ctx.addIssue({ code: 'custom', path: ['includeApplications'], message: "include at least one app ('All' or an app id), or set includeUserActions" });
  }
  a.includeApplications.forEach((id, i) => {
    if (id === 'Office365' || id === 'MicrosoftAdminPortals') {
      ctx.addIssue({ code: 'custom', path: ['includeApplications', i], message: `not supported by OpenPSSO: ${id}; use 'All' or an app id` });
    }
  });
});

const locationsSchema = z.strictObject({
  ...graphMeta,
  includeLocations: idList.min(1, "include at least one location ('All', 'AllTrusted' or a named location id)"),
  excludeLocations: idList.default([]),
});

const deviceState = z.enum(['registered', 'unregistered', 'revoked', 'attested', 'unattested']);
const devicesSchema = z.strictObject({
  ...graphMeta,
  includeDeviceStates: z.array(z.union([z.literal('All'), deviceState])).min(1, "include at least one device state ('All', 'registered', 'unregistered', 'revoked', 'attested', 'unattested')"),
  excludeDeviceStates: z.array(deviceState).default([]),
  deviceFilter: unsupportedWhenSet('deviceFilter rules; use includeDeviceStates/excludeDeviceStates').optional(),
});

const conditionsSchema = z.strictObject({
  ...graphMeta,
  users: usersSchema,
  applications: applicationsSchema,
  locations: locationsSchema.nullish(),
  devices: devicesSchema.nullish(),
  clientAppTypes: z.array(z.enum(['all', 'browser', 'mobileAppsAndDesktopClients', 'exchangeActiveSync', 'other'])).optional(),
  clientApplications: unsupportedWhenSet('workload identities').optional(),
  platforms: unsupportedWhenSet('device platforms (every OpenPSSO client is a Mac)').optional(),
  signInRiskLevels: unsupportedWhenSet('sign-in risk').optional(),
  userRiskLevels: unsupportedWhenSet('user risk').optional(),
  servicePrincipalRiskLevels: unsupportedWhenSet('service principal risk').optional(),
  insiderRiskLevels: unsupportedWhenSet('insider risk').optional(),
  authenticationFlows: unsupportedWhenSet('authentication flows').optional(),
});

const grantControlsSchema = z.strictObject({
  ...graphMeta,
  operator: z.enum(['AND', 'OR']).default('AND'),
  builtInControls: z.array(z.enum(['block', 'mfa', 'compliantDevice'], {
    error: "supported controls are 'block', 'mfa' and 'compliantDevice'",
  })).min(1, 'name at least one control'),
  customAuthenticationFactors: unsupportedWhenSet('custom controls').optional(),
  termsOfUse: unsupportedWhenSet('terms of use').optional(),
  authenticationStrength: unsupportedWhenSet("authentication strengths; use 'mfa'").optional(),
}).superRefine((g, ctx) => {
  if (g.builtInControls.includes('block') && g.builtInControls.length > 1) {
    ctx.addIssue({ code: 'custom', path: ['builtInControls'], message: "'block' cannot be combined with other controls" });
  }
});

const signInFrequencySchema = z.strictObject({
  ...graphMeta,
  isEnabled: z.boolean(),
  type: z.enum(['hours', 'days']).nullish(),
  value: z.number().int().positive().nullish(),
  frequencyInterval: z.enum(['timeBased', 'everyTime']).default('timeBased'),
  authenticationType: z.literal('primaryAndSecondaryAuthentication', {
    error: "only 'primaryAndSecondaryAuthentication' is supported",
  }).default('primaryAndSecondaryAuthentication'),
}).superRefine((s, ctx) => {
  if (!s.isEnabled || s.frequencyInterval === 'everyTime') return;
  if (s.type == null) ctx.addIssue({ code: 'custom', path: ['type'], message: "timeBased frequency needs type 'hours' or 'days'" });
  if (s.value == null) ctx.addIssue({ code: 'custom', path: ['value'], message: 'timeBased frequency needs a value' });
  // Entra's limits: 1-24 hours or 1-365 days.
  if (s.type === 'hours' && s.value != null && s.value > 24) ctx.addIssue({ code: 'custom', path: ['value'], message: 'at most 24 hours; use days' });
  if (s.type === 'days' && s.value != null && s.value > 365) ctx.addIssue({ code: 'custom', path: ['value'], message: 'at most 365 days' });
});

const sessionControlsSchema = z.strictObject({
  ...graphMeta,
  signInFrequency: signInFrequencySchema.nullish(),
  persistentBrowser: unsupportedWhenSet('persistent browser session').optional(),
  applicationEnforcedRestrictions: unsupportedWhenSet('app-enforced restrictions').optional(),
  cloudAppSecurity: unsupportedWhenSet('Defender for Cloud Apps').optional(),
});

/** POST/PUT body of /identity/conditionalAccess/policies; id and timestamps are assigned by the server. */
export const conditionalAccessPolicyInputSchema = z.strictObject({
  ...graphMeta,
  id: z.string().min(1).optional(),
  createdDateTime: z.string().nullish(),
  modifiedDateTime: z.string().nullish(),
  templateId: z.string().nullish(),
  displayName: z.string().trim().min(1, 'a policy needs a name').max(256),
  state: z.enum(['enabled', 'disabled', 'enabledForReportingButNotEnforced']),
  conditions: conditionsSchema,
  grantControls: grantControlsSchema.nullable().default(null),
  sessionControls: sessionControlsSchema.nullish(),
}).superRefine((p, ctx) => {
  if (p.grantControls === null && !p.sessionControls?.signInFrequency?.isEnabled) {
    ctx.addIssue({ code: 'custom', path: ['grantControls'], message: 'a policy needs grant controls (block or grant) or a session control' });
  }
});

const ipRangeSchema = z.strictObject({
  ...graphMeta,
  '@odata.type': z.enum(['#microsoft.graph.iPv4CidrRange', '#microsoft.graph.iPv6CidrRange']),
  cidrAddress: z.string(),
}).superRefine((r, ctx) => {
  const cidr = parseCidr(r.cidrAddress);
  const want = r['@odata.type'] === '#microsoft.graph.iPv4CidrRange' ? 4 : 6;
  if (cidr === null) {
    ctx.addIssue({ code: 'custom', path: ['cidrAddress'], message: `not a CIDR range: '${r.cidrAddress}' (expected e.g. 203.0.113.0/24 or 2001:db8::/48)` });
  } else if (cidr.family !== want) {
    ctx.addIssue({ code: 'custom', path: ['cidrAddress'], message: `an IPv${cidr.family} range under @odata.type for IPv${want}` });
  } else if (cidr.hostBitsSet) {
    // Usually a typo for the network address; refusing it beats guessing which one was meant.
    ctx.addIssue({ code: 'custom', path: ['cidrAddress'], message: `host bits set in '${r.cidrAddress}'; the network address for /${cidr.prefix} differs` });
  }
});

/** POST body of /identity/conditionalAccess/namedLocations (ipNamedLocation only). */
export const namedLocationInputSchema = z.strictObject({
  ...graphMeta,
  '@odata.type': z.literal('#microsoft.graph.ipNamedLocation', {
    error: 'only #microsoft.graph.ipNamedLocation is supported (OpenPSSO has no country lookup)',
  }).optional(),
  id: z.string().min(1).optional(),
  createdDateTime: z.string().nullish(),
  modifiedDateTime: z.string().nullish(),
  displayName: z.string().trim().min(1, 'a named location needs a name').max(256),
  isTrusted: z.boolean().default(false),
  ipRanges: z.array(ipRangeSchema).min(1, 'name at least one IP range').max(2000),
});

export interface ValidationIssue {
  /** Dotted path with indexes, e.g. 'conditions.users.includeUsers[0]'. */
  path: string;
  message: string;
}

/** Flattens zod issues to stable path strings for the admin API's error body. */
export function toValidationIssues(error: z.ZodError): ValidationIssue[] {
  const join = (path: readonly PropertyKey[]): string =>
    path.reduce<string>((acc, seg) => (typeof seg === 'number' ? `${acc}[${seg}]` : acc ? `${acc}.${String(seg)}` : String(seg)), '');
  // An unknown key is reported at the key itself, so the path points at the offending field.
  return error.issues.flatMap((i) => i.code === 'unrecognized_keys'
    ? i.keys.map((k) => ({ path: join([...i.path, k]), message: 'unknown field (not in OpenPSSO\'s Graph subset)' }))
    : [{ path: join(i.path), message: i.message }]);
}

export type ParseResult<T> = { ok: true; value: T } | { ok: false; issues: ValidationIssue[] };

/** Policy input without server-assigned fields; `id` is kept when the caller supplied one. */
export type ConditionalAccessPolicyInput = Omit<ConditionalAccessPolicy, 'id' | 'createdDateTime' | 'modifiedDateTime'> & { id?: string };
export type NamedLocationInput = Omit<NamedLocation, 'id' | 'createdDateTime' | 'modifiedDateTime'> & { id?: string };

/** Validates and rebuilds a policy with only the fields OpenPSSO evaluates (accepted empty Graph defaults are dropped). */
export function parseConditionalAccessPolicyInput(input: unknown): ParseResult<ConditionalAccessPolicyInput> {
  const r = conditionalAccessPolicyInputSchema.safeParse(input);
  if (!r.success) return { ok: false, issues: toValidationIssues(r.error) };
  const p = r.data;
  const c = p.conditions;
  const sif = p.sessionControls?.signInFrequency;
  const value: ConditionalAccessPolicyInput = {
    ...(p.id !== undefined ? { id: p.id } : {}),
    displayName: p.displayName,
    state: p.state,
    conditions: {
      users: { includeUsers: c.users.includeUsers, excludeUsers: c.users.excludeUsers, includeGroups: c.users.includeGroups, excludeGroups: c.users.excludeGroups },
      applications: {
        includeApplications: c.applications.includeApplications, excludeApplications: c.applications.excludeApplications,
        ...(c.applications.includeUserActions.length > 0 ? { includeUserActions: [...new Set(c.applications.includeUserActions)] } : {}),
      },
      locations: c.locations ? { includeLocations: c.locations.includeLocations, excludeLocations: c.locations.excludeLocations } : null,
      devices: c.devices ? { includeDeviceStates: c.devices.includeDeviceStates, excludeDeviceStates: c.devices.excludeDeviceStates } : null,
      clientAppTypes: c.clientAppTypes ?? [],
    },
    grantControls: p.grantControls ? { operator: p.grantControls.operator, builtInControls: p.grantControls.builtInControls } : null,
    sessionControls: sif ? {
      signInFrequency: {
        isEnabled: sif.isEnabled, type: sif.type ?? null, value: sif.value ?? null,
        frequencyInterval: sif.frequencyInterval, authenticationType: sif.authenticationType,
      },
    } : null,
  };
  return { ok: true, value };
}

export function parseNamedLocationInput(input: unknown): ParseResult<NamedLocationInput> {
  const r = namedLocationInputSchema.safeParse(input);
  if (!r.success) return { ok: false, issues: toValidationIssues(r.error) };
  const l = r.data;
  return {
    ok: true,
    value: {
      '@odata.type': '#microsoft.graph.ipNamedLocation',
      ...(l.id !== undefined ? { id: l.id } : {}),
      displayName: l.displayName,
      isTrusted: l.isTrusted,
      ipRanges: l.ipRanges.map((x) => ({ '@odata.type': x['@odata.type'], cidrAddress: x.cidrAddress })),
    },
  };
}
