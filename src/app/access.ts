// Access policy at each sign-in: gathers the facts (groups, per-user MFA state, MFA methods,
// policies, named locations, device state), asks the pure policy core, and turns a refusal into
// a catalogue error that names where the requirement came from (issue 4; entra-mdm.md §3.4, §3.9).

import type { AppContext } from './context.js';
import type { Device, User } from '../storage/ports.js';
import type { AccessDecision } from '../policy/types.js';
import { evaluateAccess } from '../policy/evaluate-access.js';
import { isBuiltInAppId } from '../policy/app-ids.js';
import { PssoError } from '../errors/psso-error.js';
import { toSeconds } from './clock.js';

export interface AccessRequest {
  user: User;
  appId: string;
  ipAddress: string;
  device?: Device | undefined;
  /** true only for the sign-in pages, which can prompt. */
  interactive: boolean;
  /** amr of this sign-in; 'mfa' means multi-factor. */
  amr: string[];
  /** Epoch ms of the full authentication behind the request (refresh, key exchange). */
  lastFullAuthAt?: number;
  /** The Platform SSO authorization scope (urn:apple:platformsso:auth:...) the Mac sent, for includeUserActions. */
  userAction?: string;
  /** The registered app's name for the trace, when the caller has loaded the app; looked up otherwise. */
  appDisplayName?: string;
}

/**
 * Read on every request, never cached: with several servers on one database a per-process cache
 * would let one instance keep allowing what an admin just blocked on another. Measured cost of
 * reading both lists (20 policies, one location): about 0.45 ms on PostgreSQL and 0.08 ms on SQLite
 * per request; a cache validated by a per-organisation version stamp would still need one round
 * trip (about 0.34 ms measured on PostgreSQL), so it would save little and add a write to keep in step.
 */
async function policiesFor(ctx: AppContext, orgId: string) {
  const [policies, locations] = await Promise.all([ctx.store.policies.list(orgId), ctx.store.namedLocations.list(orgId)]);
  return { policies, locations };
}

// Entra does not evaluate conditional access when the PRT is issued (entra-mdm.md §3.4); the policy
// core keeps that rule (a non-interactive request is governed only by policies naming its app) and
// records it in the trace, so every policy is passed in and a logged decision replays exactly.

const ERROR_FOR_ENTRA: Record<number, string> = {
  50076: 'mfa_required', 50074: 'mfa_required', 50079: 'mfa_registration_required', 50072: 'mfa_registration_required',
  53003: 'blocked_by_conditional_access', 53000: 'compliant_device_required', 70043: 'reauthentication_required',
};

/** Evaluates access; returns the decision when allowed, throws the matching catalogue error otherwise. */
export async function checkAccess(ctx: AppContext, r: AccessRequest): Promise<AccessDecision> {
  const { policies, locations } = await policiesFor(ctx, r.user.orgId);
  // Fetch only what can change the decision: group conditions need memberships, and whether the user
  // has an MFA method matters only where MFA can be required. Most token requests need neither.
  const live = policies.filter((p) => p.state !== 'disabled');
  const needsGroups = live.some((p) => p.conditions.users.includeGroups.length > 0 || p.conditions.users.excludeGroups.length > 0);
  const needsMethods = r.user.perUserMfaState !== 'disabled' || live.some((p) => p.grantControls?.builtInControls.includes('mfa'));
  const [groups, methods] = await Promise.all([
    needsGroups ? ctx.store.groups.groupsOfUser(r.user.id) : Promise.resolve([]),
    needsMethods ? ctx.store.mfaMethods.listForUser(r.user.id) : Promise.resolve(undefined),
  ]);
  // Traces name registered apps; OpenPSSO's own apps are named by the policy core.
  const appName = r.appDisplayName ?? (isBuiltInAppId(r.appId) ? undefined : (await ctx.store.applications.getByAppId(r.appId))?.displayName);
  const decision = evaluateAccess({
    user: {
      id: r.user.id, groupIds: groups.map((g) => g.id), perUserMfaState: r.user.perUserMfaState,
      ...(methods ? { mfaRegistered: methods.length > 0 } : {}),
    },
    appId: r.appId,
    ...(appName !== undefined ? { appDisplayName: appName } : {}),
    ...(r.userAction !== undefined ? { userAction: r.userAction } : {}),
    ipAddress: r.ipAddress,
    ...(r.device ? { device: { id: r.device.id, state: r.device.status === 'revoked' ? 'revoked' as const : 'registered' as const, isAttested: r.device.attestation !== null } } : {}),
    interactive: r.interactive,
    authMethodsSatisfied: r.amr,
    ...(r.lastFullAuthAt !== undefined ? { lastFullAuthAt: toSeconds(r.lastFullAuthAt) } : {}),
    now: toSeconds(ctx.clock.now()),
  }, policies, locations);
  if (decision.result === 'allow' || r.interactive) return decision;
  const name = ERROR_FOR_ENTRA[decision.entraErrorCode ?? 0] ?? 'blocked_by_conditional_access';
  const source = decision.authenticationRequirementSource;
  const sourceText = source === 'perUserMfa' ? `per-user MFA (${r.user.perUserMfaState})`
    : source?.startsWith('conditionalAccess:') ? `conditional access policy "${decision.appliedConditionalAccessPolicies.find((p) => `conditionalAccess:${p.id}` === source)?.displayName ?? source.slice(18)}"`
    : 'policy';
  throw new PssoError(name, `required by ${sourceText}`, { decision });
}
