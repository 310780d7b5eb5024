// Five conditional access policies for the benchmark: every one is evaluated on each Secure Enclave
// login (they name the Platform SSO app), none blocks it, and together they exercise each condition
// kind (client app, location, sign-in frequency, report-only MFA, group membership).

import { performance } from 'node:perf_hooks';
import type { AppContext } from '../app/context.js';
import { evaluateAccess } from '../policy/evaluate-access.js';
import type { ConditionalAccessPolicy, NamedLocation } from '../policy/types.js';
import { PLATFORM_SSO_APP_ID } from '../policy/app-ids.js';

const users = (extra: Partial<ConditionalAccessPolicy['conditions']['users']> = {}) =>
  ({ includeUsers: ['All'], excludeUsers: [], includeGroups: [], excludeGroups: [], ...extra });
const apps = { includeApplications: [PLATFORM_SSO_APP_ID], excludeApplications: [] };

export function benchPolicies(engineeringGroupId: string): { policies: ConditionalAccessPolicy[]; locations: NamedLocation[] } {
  const office: NamedLocation = {
    '@odata.type': '#microsoft.graph.ipNamedLocation', id: 'loc_bench_office', displayName: 'Office (loopback)', isTrusted: true,
    ipRanges: [{ '@odata.type': '#microsoft.graph.iPv4CidrRange', cidrAddress: '127.0.0.0/8' }],
  };
  const policies: ConditionalAccessPolicy[] = [
    { id: 'pol_bench_legacy', displayName: 'Block legacy clients', state: 'enabled',
      conditions: { users: users(), applications: apps, clientAppTypes: ['exchangeActiveSync', 'other'] },
      grantControls: { operator: 'OR', builtInControls: ['block'] } },
    { id: 'pol_bench_outside', displayName: 'Block outside the office', state: 'enabled',
      conditions: { users: users(), applications: apps, locations: { includeLocations: ['All'], excludeLocations: [office.id] } },
      grantControls: { operator: 'OR', builtInControls: ['block'] } },
    { id: 'pol_bench_sif', displayName: 'Sign-in frequency 1 day', state: 'enabled',
      conditions: { users: users(), applications: apps }, grantControls: null,
      sessionControls: { signInFrequency: { isEnabled: true, type: 'days', value: 1, frequencyInterval: 'timeBased', authenticationType: 'primaryAndSecondaryAuthentication' } } },
    { id: 'pol_bench_mfa_ro', displayName: 'Require MFA (report-only)', state: 'enabledForReportingButNotEnforced',
      conditions: { users: users(), applications: apps }, grantControls: { operator: 'OR', builtInControls: ['mfa'] } },
    { id: 'pol_bench_eng', displayName: 'Engineering MFA (report-only)', state: 'enabledForReportingButNotEnforced',
      conditions: { users: users({ includeUsers: [], includeGroups: [engineeringGroupId] }), applications: apps },
      grantControls: { operator: 'OR', builtInControls: ['mfa'] } },
  ];
  return { policies, locations: [office] };
}

export async function installPolicies(ctx: AppContext, orgId: string, on: boolean): Promise<number> {
  const eng = await ctx.store.groups.getByName(orgId, 'engineering');
  const { policies, locations } = benchPolicies(eng?.id ?? 'grp_none');
  for (const l of locations) {
    if (on) await ctx.store.namedLocations.create(orgId, l); else await ctx.store.namedLocations.delete(orgId, l.id);
  }
  for (const p of policies) {
    if (on) await ctx.store.policies.create(orgId, p); else await ctx.store.policies.delete(orgId, p.id);
  }
  return (await ctx.store.policies.list(orgId)).length;
}

/** The pure evaluation alone, on the main thread: microseconds per decision with the five policies. */
export function measureEvaluation(iterations = 20_000): { microsPerEvaluation: number } {
  const { policies, locations } = benchPolicies('grp_eng');
  const now = Math.floor(Date.now() / 1000);
  const ctx = {
    user: { id: 'usr_bench', groupIds: ['grp_eng'], perUserMfaState: 'disabled' as const, mfaRegistered: true },
    appId: PLATFORM_SSO_APP_ID, ipAddress: '127.0.0.1', device: { id: 'dev_bench', state: 'registered' as const },
    interactive: false, authMethodsSatisfied: ['swk', 'hwk'], lastFullAuthAt: now - 60, now,
  };
  for (let i = 0; i < 2000; i++) evaluateAccess(ctx, policies, locations);
  const t0 = performance.now();
  for (let i = 0; i < iterations; i++) evaluateAccess(ctx, policies, locations);
  return { microsPerEvaluation: ((performance.now() - t0) * 1000) / iterations };
}
