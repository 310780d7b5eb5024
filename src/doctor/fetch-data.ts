// Reads everything the readiness checks need through the Graph client, with the same calls against OpenPSSO's admin API and Entra (entra-mdm.md §3.2, §4.2, §5.4 step 1).

import { ADMIN_API_APP_ID } from '../policy/app-ids.js';
import type { DoctorData, DoctorDevice, DoctorUser, PlatformSsoScope } from '../policy/doctor-types.js';
import { GraphError, mapLimit, type GraphClient } from '../graph/index.js';
import { toDoctorPolicy, toNamedLocations, toPerUserMfaState, toSignIn } from './normalize.js';

export interface FetchOptions {
  target: 'openpsso' | 'entra';
  /** Epoch seconds; sign-ins are read from `now - signInWindowDays`. */
  now: number;
  signInWindowDays?: number;
  /** $top for directory lists (Graph allows up to 999 on users). */
  pageSize?: number;
  /** Caps on how much is read from a large tenant; a truncated read is reported as a warning. */
  maxSignIns?: number;
  maxDevices?: number;
  /** Requests in flight for per-user and per-device reads. */
  concurrency?: number;
  platformSsoScope?: PlatformSsoScope;
}

export interface FetchResult {
  data: DoctorData;
  /** What could not be read; the checks ran without it. */
  warnings: string[];
}

type Json = Record<string, unknown>;
const asString = (v: unknown) => (typeof v === 'string' ? v : '');

/** Optional data: a missing licence or permission (403/404) leaves it unknown instead of failing the whole run. */
async function optional<T>(warnings: string[], what: string, fallback: T, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof GraphError && e.status >= 400 && e.status < 500) {
      warnings.push(`${what} could not be read (${e.status} ${e.code}); checks needing it were skipped or assume defaults`);
      return fallback;
    }
    throw e;
  }
}

/**
 * Entra's beta endpoint lists non-interactive sign-ins only when asked through signInEventTypes (§4.1);
 * OpenPSSO has one log with isInteractive. Admin API sign-ins are service-principal sign-ins in Entra
 * terms, which the user sign-in log does not show, so they are left out here too.
 */
function signInsPath(o: FetchOptions): string {
  const since = new Date((o.now - (o.signInWindowDays ?? 7) * 86400) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const filter = o.target === 'entra'
    ? `createdDateTime ge ${since} and signInEventTypes/any(t: t eq 'nonInteractiveUser') and status/errorCode ne 0`
    : `createdDateTime ge ${since} and isInteractive eq false and status/errorCode ne 0 and appId ne '${ADMIN_API_APP_ID}'`;
  return `/${o.target === 'entra' ? 'beta' : 'v1.0'}/auditLogs/signIns?$filter=${encodeURIComponent(filter)}&$top=1000`;
}

/** Group ids the policies and the rollout scope name: the only memberships the checks look at. */
function referencedGroups(policies: DoctorData['conditionalAccessPolicies'], scope: PlatformSsoScope | undefined): string[] {
  const ids = new Set<string>(scope?.includeGroups ?? []);
  for (const p of policies) for (const g of [...p.conditions.users.includeGroups, ...p.conditions.users.excludeGroups]) ids.add(g);
  return [...ids];
}

export async function fetchDoctorData(client: GraphClient, o: FetchOptions): Promise<FetchResult> {
  const warnings: string[] = [];
  const top = o.pageSize ?? 999;
  const limit = o.concurrency ?? 8;

  const users = (await client.getAll<Json>(`/v1.0/users?$select=id,userPrincipalName,displayName,accountEnabled&$top=${top}`)).items;
  const policies = (await client.getAll<unknown>('/v1.0/identity/conditionalAccess/policies')).items.map(toDoctorPolicy);
  const namedLocations = toNamedLocations((await client.getAll<unknown>('/v1.0/identity/conditionalAccess/namedLocations')).items);
  const securityDefaultsEnabled = await optional(warnings, 'security defaults', null as boolean | null, async () =>
    (await client.get<Json>('/v1.0/policies/identitySecurityDefaultsEnforcementPolicy')).isEnabled === true);

  // Memberships are read per referenced group rather than per user: far fewer calls in a large directory.
  const groupsOf = new Map<string, string[]>();
  await mapLimit(referencedGroups(policies, o.platformSsoScope), limit, async (gid) => optional(warnings, `members of group ${gid}`, undefined, async () => {
    for (const m of (await client.getAll<Json>(`/v1.0/groups/${encodeURIComponent(gid)}/transitiveMembers?$select=id&$top=${top}`)).items) {
      const id = asString(m.id);
      groupsOf.set(id, [...(groupsOf.get(id) ?? []), gid]);
    }
  }));

  const details = await optional(warnings, 'user registration details', new Map<string, Json>(), async () => new Map(
    (await client.getAll<Json>(`/v1.0/reports/authenticationMethods/userRegistrationDetails?$top=${top}`)).items.map((d) => [asString(d.id), d])));

  // Per-user MFA state is the point of the doctor: a failure here fails the run.
  const states = await mapLimit(users, limit, (u) => client.get<unknown>(`/beta/users/${encodeURIComponent(asString(u.id))}/authentication/requirements`));
  const doctorUsers: DoctorUser[] = users.map((u, i) => {
    const id = asString(u.id);
    const d = details.get(id);
    const method = d?.platformSsoMethod;
    return {
      id, userPrincipalName: asString(u.userPrincipalName), displayName: asString(u.displayName), accountEnabled: u.accountEnabled !== false,
      groupIds: groupsOf.get(id) ?? [],
      perUserMfaState: toPerUserMfaState(states[i]),
      ...(typeof d?.isMfaRegistered === 'boolean' ? { isMfaRegistered: d.isMfaRegistered } : {}),
      ...(method === 'password' || method === 'secureEnclave' || method === 'smartCard' ? { platformSsoMethod: method } : {}),
    };
  });

  const signInRead = await optional(warnings, 'sign-in logs', { items: [] as unknown[], truncated: false, pages: 0 }, () =>
    client.getAll<unknown>(signInsPath(o), { max: o.maxSignIns ?? 5000 }));
  if (signInRead.truncated) warnings.push(`only the newest ${signInRead.items.length} failed sign-ins were read`);

  const deviceRead = await optional(warnings, 'devices', { items: [] as Json[], truncated: false, pages: 0 }, () =>
    client.getAll<Json>(`/v1.0/devices?$top=${top}`, { max: o.maxDevices ?? 5000 }));
  if (deviceRead.truncated) warnings.push(`only the first ${deviceRead.items.length} devices were read`);
  const macs = deviceRead.items.filter((d) => /mac/i.test(asString(d.operatingSystem)));
  const devices: DoctorDevice[] = await mapLimit(macs, limit, async (d) => {
    const id = asString(d.id);
    const enabled = d.accountEnabled !== false;
    // registeredUsers only matters for the stuck-registration check, which looks at enabled devices.
    const registered = enabled ? await optional(warnings, `registered users of device ${id}`, undefined, async () =>
      (await client.getAll<Json>(`/v1.0/devices/${encodeURIComponent(id)}/registeredUsers?$select=id`)).items.map((x) => asString(x.id))) : undefined;
    return {
      id, deviceId: asString(d.deviceId), displayName: asString(d.displayName) || id, accountEnabled: enabled, operatingSystem: asString(d.operatingSystem),
      registrationDateTime: typeof d.registrationDateTime === 'string' ? d.registrationDateTime : null,
      approximateLastSignInDateTime: typeof d.approximateLastSignInDateTime === 'string' ? d.approximateLastSignInDateTime : null,
      ...(registered !== undefined ? { registeredUserIds: registered } : {}),
    };
  });

  return {
    data: {
      users: doctorUsers, conditionalAccessPolicies: policies, namedLocations, securityDefaultsEnabled,
      signIns: signInRead.items.map(toSignIn), devices,
      ...(o.platformSsoScope ? { platformSsoScope: o.platformSsoScope } : {}),
    },
    warnings,
  };
}
