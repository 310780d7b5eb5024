// Builders for policy tests: Graph-shaped policies, named locations and access contexts with sensible defaults.
import type { AccessContext, ConditionalAccessPolicy, NamedLocation } from '../../src/policy/index.js';
import { ADMIN_API_APP_ID, DEVICE_REGISTRATION_APP_ID, PLATFORM_SSO_APP_ID } from '../../src/policy/index.js';

/** Every OpenPSSO app named explicitly: 'All' does not reach the non-interactive login (conditions.ts). */
export const EVERY_APP = [PLATFORM_SSO_APP_ID, DEVICE_REGISTRATION_APP_ID, ADMIN_API_APP_ID];

export const NOW = 1_800_000_000; // 2027-01-15T08:00:00Z

export const HQ: NamedLocation = {
  '@odata.type': '#microsoft.graph.ipNamedLocation', id: 'nl_hq', displayName: 'HQ', isTrusted: true,
  ipRanges: [
    { '@odata.type': '#microsoft.graph.iPv4CidrRange', cidrAddress: '203.0.113.0/24' },
    { '@odata.type': '#microsoft.graph.iPv6CidrRange', cidrAddress: '2001:db8:10::/48' },
  ],
};
export const BRANCH: NamedLocation = {
  id: 'nl_branch', displayName: 'Branch', isTrusted: false,
  ipRanges: [{ '@odata.type': '#microsoft.graph.iPv4CidrRange', cidrAddress: '198.51.100.0/24' }],
};
export const LOCATIONS = [HQ, BRANCH];

type PolicyOverrides = Partial<Omit<ConditionalAccessPolicy, 'conditions'>> & {
  conditions?: Partial<Omit<ConditionalAccessPolicy['conditions'], 'users' | 'applications'>> & {
    users?: Partial<ConditionalAccessPolicy['conditions']['users']>;
    applications?: Partial<ConditionalAccessPolicy['conditions']['applications']>;
  };
};

/** An enabled "require MFA for all users on every OpenPSSO app" policy, adjusted by overrides. */
export function policy(id: string, o: PolicyOverrides = {}): ConditionalAccessPolicy {
  const { conditions: c = {}, ...rest } = o;
  return {
    id,
    displayName: o.displayName ?? id,
    state: 'enabled',
    grantControls: { operator: 'AND', builtInControls: ['mfa'] },
    ...rest,
    conditions: {
      ...c,
      users: { includeUsers: ['All'], excludeUsers: [], includeGroups: [], excludeGroups: [], ...c.users },
      applications: { includeApplications: EVERY_APP, excludeApplications: [], ...c.applications },
    },
  };
}

type CtxOverrides = Partial<Omit<AccessContext, 'user'>> & { user?: Partial<AccessContext['user']> };

/** A non-interactive password login at the login window by alice from an unknown address. */
export function ctx(o: CtxOverrides = {}): AccessContext {
  const { user, ...rest } = o;
  return {
    appId: PLATFORM_SSO_APP_ID,
    ipAddress: '192.0.2.10',
    device: { id: 'dev_1', state: 'registered' },
    interactive: false,
    authMethodsSatisfied: ['pwd'],
    lastFullAuthAt: NOW,
    now: NOW,
    ...rest,
    user: { id: 'usr_alice', groupIds: ['grp_staff'], perUserMfaState: 'disabled', ...user },
  };
}
