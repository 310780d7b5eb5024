// Conditional-access assignment matching (users, apps, locations, device state, client apps) with a reason per condition (entra-mdm.md §3.6).
import { appDisplayName } from './app-ids.js';
import { cidrContains, parseCidr, parseIp, type ParsedIp } from './ip-range.js';
import type { ClientAppType, ConditionalAccessConditionSet, DeviceConditionState, DeviceState, NamedLocation } from './types.js';

export interface ConditionResult {
  condition: 'users' | 'applications' | 'locations' | 'devices' | 'clientAppTypes';
  applies: boolean;
  why: string;
}

/** The facts conditions are matched against; the doctor builds these for hypothetical sign-ins. */
export interface ConditionFacts {
  userId: string;
  groupIds: readonly string[];
  appId: string;
  /** The app's display name for the trace (registered apps' names come from the caller). */
  appName?: string;
  /** The Platform SSO authorization scope the sign-in carries, if any (includeUserActions). */
  userAction?: string;
  deviceState: DeviceState;
  /** Apple device attestation at registration; absent = not attested. */
  deviceAttested?: boolean;
  clientAppType: Exclude<ClientAppType, 'all'>;
  /** false for the Mac's token endpoint, where only policies naming the app apply (see matchApplications). */
  interactive: boolean;
  location: LocationFacts;
}

export interface LocationFacts {
  ipAddress: string;
  ip: ParsedIp | null;
  /** Named locations whose ranges contain the address. */
  containing: NamedLocation[];
  known: ReadonlyMap<string, NamedLocation>;
}

/** Resolves the client address against every named location once per sign-in. */
export function locateIp(ipAddress: string, namedLocations: readonly NamedLocation[]): LocationFacts {
  const ip = ipAddress === '' ? null : parseIp(ipAddress);
  const containing = ip === null ? [] : namedLocations.filter((loc) =>
    (loc.ipRanges ?? []).some((r) => {
      const cidr = parseCidr(r.cidrAddress);
      return cidr !== null && cidrContains(cidr, ip);
    }));
  return { ipAddress, ip, containing, known: new Map(namedLocations.map((l) => [l.id, l])) };
}

export function describeLocation(loc: NamedLocation): string {
  return `"${loc.displayName}" (${loc.id}${loc.isTrusted ? ', trusted' : ''})`;
}

function matchUsers(c: ConditionalAccessConditionSet['users'], f: ConditionFacts): ConditionResult {
  const r = (applies: boolean, why: string): ConditionResult => ({ condition: 'users', applies, why });
  // Exclusion beats inclusion (§3.6), so it is checked first and named in the trace.
  if (c.excludeUsers.includes(f.userId)) return r(false, `user ${f.userId} is excluded (excludeUsers)`);
  const exGroup = c.excludeGroups.find((g) => f.groupIds.includes(g));
  if (exGroup !== undefined) return r(false, `user is excluded by group ${exGroup} (excludeGroups)`);
  if (c.includeUsers.includes('All')) return r(true, 'all users are included');
  if (c.includeUsers.includes(f.userId)) return r(true, `user ${f.userId} is included (includeUsers)`);
  const inGroup = c.includeGroups.find((g) => f.groupIds.includes(g));
  if (inGroup !== undefined) return r(true, `user is included by group ${inGroup} (includeGroups)`);
  if (c.includeUsers.includes('None') && c.includeGroups.length === 0) return r(false, 'includeUsers is None');
  return r(false, 'user is not in includeUsers or includeGroups');
}

function matchApplications(c: ConditionalAccessConditionSet['applications'], f: ConditionFacts): ConditionResult {
  const r = (applies: boolean, why: string): ConditionResult => ({ condition: 'applications', applies, why });
  const shown = f.appName ?? appDisplayName(f.appId);
  const name = `${shown}${shown === f.appId ? '' : ` (${f.appId})`}`;
  // A user-action policy (Entra: "User actions" instead of "Cloud apps") applies to the action
  // wherever it happens; naming the action is an explicit choice, so non-interactive requests count.
  if (c.includeUserActions && c.includeUserActions.length > 0) {
    if (f.userAction === undefined) return r(false, `the sign-in carries no user action (Platform SSO authorization scope); the policy targets ${c.includeUserActions.join(', ')}`);
    if (c.includeUserActions.includes(f.userAction)) return r(true, `user action ${f.userAction} is included (includeUserActions; app ${name})`);
    return r(false, `user action ${f.userAction} is not in includeUserActions`);
  }
  const has = (list: readonly string[]) => list.some((x) => x.toLowerCase() === f.appId.toLowerCase());
  if (has(c.excludeApplications) || c.excludeApplications.includes('All')) {
    return r(false, `app ${name} is excluded (excludeApplications)`);
  }
  // Entra does not evaluate CA when the PRT is issued or renewed (entra-mdm.md §2.4, §3.4), so an "All
  // apps" policy never reaches the login window there. OpenPSSO keeps that: a non-interactive request
  // is governed only by policies that name its app, an explicit admin choice that then fails visibly.
  if (!f.interactive && !has(c.includeApplications)) {
    return r(false, `app ${name} is non-interactive and not named in includeApplications ('All' covers interactive sign-ins only)`);
  }
  if (c.includeApplications.includes('All')) return r(true, `all apps are included (${name})`);
  if (has(c.includeApplications)) return r(true, `app ${name} is included`);
  return r(false, `app ${name} is not in includeApplications`);
}

/** The location ids ('All', 'AllTrusted', named ids) this sign-in's address belongs to. */
function locationIdsOf(l: LocationFacts): Set<string> {
  const ids = new Set<string>(['All']);
  for (const loc of l.containing) {
    ids.add(loc.id);
    if (loc.isTrusted) ids.add('AllTrusted');
  }
  return ids;
}

function describeEntry(id: string, l: LocationFacts): string {
  if (id === 'All' || id === 'AllTrusted') return id;
  const loc = l.known.get(id);
  return loc === undefined ? `${id} (unknown named location)` : describeLocation(loc);
}

function matchLocations(c: ConditionalAccessConditionSet['locations'], f: ConditionFacts): ConditionResult {
  const r = (applies: boolean, why: string): ConditionResult => ({ condition: 'locations', applies, why });
  if (c === undefined || c === null) return r(true, 'no location condition');
  const l = f.location;
  const ids = locationIdsOf(l);
  const where = l.ip === null
    ? `address ${l.ipAddress === '' ? '(unknown)' : `${l.ipAddress} (unparseable)`} is in no named location`
    : l.containing.length === 0
      ? `${l.ipAddress} is in no named location`
      : `${l.ipAddress} is in ${l.containing.map(describeLocation).join(', ')}`;
  const excluded = c.excludeLocations.find((id) => ids.has(id));
  if (excluded !== undefined) return r(false, `${where}; excluded by ${describeEntry(excluded, l)}`);
  const included = c.includeLocations.find((id) => ids.has(id));
  if (included !== undefined) return r(true, `${where}; included by ${describeEntry(included, l)}`);
  const unknown = c.includeLocations.filter((id) => id !== 'All' && id !== 'AllTrusted' && !l.known.has(id));
  const note = unknown.length > 0 ? ` (includeLocations names unknown ids ${unknown.join(', ')})` : '';
  return r(false, `${where}; not in includeLocations${note}`);
}

function matchDevices(c: ConditionalAccessConditionSet['devices'], f: ConditionFacts): ConditionResult {
  const r = (applies: boolean, why: string): ConditionResult => ({ condition: 'devices', applies, why });
  if (c === undefined || c === null) return r(true, 'no device condition');
  // The device carries two states at once: its registration state and its attestation state.
  const states: DeviceConditionState[] = [f.deviceState, f.deviceAttested === true ? 'attested' : 'unattested'];
  const label = `device state ${states.join(', ')}`;
  const excluded = states.find((st) => c.excludeDeviceStates.includes(st));
  if (excluded !== undefined) return r(false, `${label}: ${excluded} is excluded`);
  if (c.includeDeviceStates.includes('All')) return r(true, `${label}: all device states are included`);
  const included = states.find((st) => c.includeDeviceStates.includes(st));
  if (included !== undefined) return r(true, `${label}: ${included} is included`);
  return r(false, `${label}: not in includeDeviceStates`);
}

function matchClientApps(c: ConditionalAccessConditionSet['clientAppTypes'], f: ConditionFacts): ConditionResult {
  const r = (applies: boolean, why: string): ConditionResult => ({ condition: 'clientAppTypes', applies, why });
  if (c === undefined || c.length === 0 || c.includes('all')) return r(true, 'all client app types');
  if (c.includes(f.clientAppType)) return r(true, `client app type ${f.clientAppType} is included`);
  return r(false, `client app type ${f.clientAppType} is not in clientAppTypes`);
}

/** Every configured assignment, ANDed (§3.6). All are evaluated so the trace is complete. */
export function matchConditions(conditions: ConditionalAccessConditionSet, facts: ConditionFacts): ConditionResult[] {
  return [
    matchUsers(conditions.users, facts),
    matchApplications(conditions.applications, facts),
    matchLocations(conditions.locations, facts),
    matchDevices(conditions.devices, facts),
    matchClientApps(conditions.clientAppTypes, facts),
  ];
}
