// Decides one sign-in from per-user MFA and every conditional-access policy, as Entra does (entra-mdm.md §3.1, §3.4, §3.6).
import { appDisplayName } from './app-ids.js';
import { describeLocation, locateIp, type ConditionFacts } from './conditions.js';
import { evaluatePolicy } from './evaluate-policy.js';
import type {
  AccessContext, AccessDecision, AccessRequirement, AccessResult, ConditionalAccessPolicy, NamedLocation, RequirementSource,
} from './types.js';

export function sourceLabel(s: RequirementSource): string {
  return s.type === 'perUserMfa' ? 'perUserMfa' : `conditionalAccess:${s.policyId}`;
}

export function describeSource(s: RequirementSource): string {
  return s.type === 'perUserMfa' ? `per-user MFA (${s.perUserMfaState})` : `conditional access policy "${s.displayName}" (${s.policyId})`;
}

/**
 * Per-user MFA (§3.1): 'enforced' means MFA on every sign-in; 'enabled' means the user must register
 * methods at the next sign-in and then does MFA every time (Entra moves them to 'enforced' once
 * registered, see perUserMfaStateAfterRegistration). Unlike CA, it also applies to the non-interactive
 * PSSO grant (§3.4), which is exactly the failure this project makes visible.
 */
function perUserMfaRequirement(ctx: AccessContext, mfaDone: boolean): AccessRequirement | null {
  const state = ctx.user.perUserMfaState;
  if (state === 'disabled') return null;
  const req: AccessRequirement = {
    kind: 'mfa', source: { type: 'perUserMfa', perUserMfaState: state }, satisfied: mfaDone,
    detail: state === 'enforced' ? 'MFA on every sign-in' : 'MFA methods must be registered, then MFA on every sign-in',
  };
  if (!mfaDone && (ctx.user.mfaRegistered === false)) {
    req.registrationRequired = true;
    req.detail += '; the user has no MFA method yet, so registration comes first';
  }
  return req;
}

/** Entra moves an 'enabled' user to 'enforced' once they have registered MFA methods (§3.1). */
export function perUserMfaStateAfterRegistration(state: AccessContext['user']['perUserMfaState']): AccessContext['user']['perUserMfaState'] {
  return state === 'enabled' ? 'enforced' : state;
}

/** The AADSTS number an admin would search for, chosen from the requirement that decided the result. */
function entraCodeFor(result: AccessResult, decisive: AccessRequirement | undefined, interactive: boolean): number | null {
  if (result === 'allow' || decisive === undefined) return null;
  switch (decisive.kind) {
    case 'block': return 53003;
    case 'compliantDevice': return 53000;
    case 'mfa':
      if (decisive.registrationRequired) return interactive ? 50072 : 50079;
      return interactive ? 50074 : 50076;
    case 'reauth': return 70043;
  }
}

/** Block and device controls cannot be fixed by prompting; MFA and re-authentication can. */
const BLOCKING = new Set(['block', 'compliantDevice']);
const PRIORITY = ['block', 'compliantDevice', 'mfa', 'reauth'] as const;

export function evaluateAccess(
  ctx: AccessContext,
  policies: readonly ConditionalAccessPolicy[],
  namedLocations: readonly NamedLocation[],
): AccessDecision {
  const mfaDone = ctx.authMethodsSatisfied.includes('mfa');
  const clientAppType = ctx.clientAppType ?? (ctx.interactive ? 'browser' : 'mobileAppsAndDesktopClients');
  const location = locateIp(ctx.ipAddress, namedLocations);
  const deviceState = ctx.device?.state ?? 'unregistered';
  const facts: ConditionFacts = {
    userId: ctx.user.id, groupIds: ctx.user.groupIds, appId: ctx.appId, deviceState, deviceAttested: ctx.device?.isAttested === true, clientAppType, interactive: ctx.interactive, location,
    ...(ctx.appDisplayName !== undefined ? { appName: ctx.appDisplayName } : {}),
    ...(ctx.userAction !== undefined ? { userAction: ctx.userAction } : {}),
  };

  const trace: string[] = [
    `sign-in: user ${ctx.user.id}${ctx.user.groupIds.length ? ` (groups ${ctx.user.groupIds.join(', ')})` : ''}, app ${ctx.appDisplayName ?? appDisplayName(ctx.appId)}, ` +
      `${ctx.interactive ? 'interactive' : 'non-interactive'} (${clientAppType}), methods [${ctx.authMethodsSatisfied.join(', ')}]` +
      `${ctx.userAction !== undefined ? `, user action ${ctx.userAction}` : ''}`,
    `location: ${ctx.ipAddress || '(no address)'}${location.containing.length ? ` in ${location.containing.map(describeLocation).join(', ')}` : ' in no named location'}`,
    `device: ${ctx.device ? `${ctx.device.id} ${deviceState}, ${ctx.device.isAttested ? 'attested' : 'unattested'}${ctx.device.isCompliant ? ', compliant' : ''}` : 'none (unregistered, unattested)'}`,
  ];

  const requirements: AccessRequirement[] = [];
  const perUser = perUserMfaRequirement(ctx, mfaDone);
  if (perUser === null) {
    trace.push('per-user MFA: disabled -> no requirement');
  } else {
    requirements.push(perUser);
    trace.push(`per-user MFA ${ctx.user.perUserMfaState}: ${perUser.detail} -> ${perUser.satisfied ? 'satisfied' : 'NOT satisfied'}`);
  }

  const applied = [];
  let anyEnforcedApplied = false;
  for (const policy of policies) {
    const ev = evaluatePolicy(policy, ctx, facts);
    applied.push(ev.applied);
    trace.push(...ev.trace);
    if (ev.enforced) {
      requirements.push(...ev.requirements);
      if (ev.applied.result === 'success' || ev.applied.result === 'failure') anyEnforcedApplied = true;
    }
  }
  if (policies.length === 0) trace.push('conditional access: no policies');

  const unmet = requirements.filter((r) => !r.satisfied);
  // Block wins over everything (§3.6); otherwise anything left can be satisfied by an interactive prompt.
  const result: AccessResult = unmet.some((r) => BLOCKING.has(r.kind)) ? 'block' : unmet.length > 0 ? 'interactionRequired' : 'allow';
  const decisive = PRIORITY.map((k) => unmet.find((r) => r.kind === k)).find((r) => r !== undefined);
  const firstMfa = requirements.find((r) => r.kind === 'mfa');
  const sourceOf = decisive ?? firstMfa;

  const conditionalAccessStatus = applied.some((a) => a.result === 'failure')
    ? 'failure' : anyEnforcedApplied ? 'success' : 'notApplied';
  const entraErrorCode = entraCodeFor(result, decisive, ctx.interactive);

  if (result === 'allow') {
    trace.push('decision: allow');
  } else if (decisive !== undefined) {
    const why = `${decisive.kind} required by ${describeSource(decisive.source)}`;
    if (result === 'block') trace.push(`decision: block - ${why} (Entra ${entraErrorCode})`);
    else if (ctx.interactive) trace.push(`decision: interactionRequired - ${why}; prompt the user`);
    else trace.push(`decision: interactionRequired - ${why}; a non-interactive request cannot prompt, so it fails (Entra ${entraErrorCode})`);
  }

  return {
    result,
    requirements,
    conditionalAccessStatus,
    appliedConditionalAccessPolicies: applied,
    authenticationRequirement: firstMfa !== undefined ? 'multiFactorAuthentication' : 'singleFactorAuthentication',
    authenticationRequirementSource: sourceOf !== undefined ? sourceLabel(sourceOf.source) : null,
    entraErrorCode,
    interactive: ctx.interactive,
    trace,
  };
}
