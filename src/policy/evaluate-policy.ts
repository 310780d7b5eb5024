// Evaluates one conditional-access policy for one sign-in: assignments, grant controls (AND/OR) and sign-in frequency (entra-mdm.md §3.6).
import { matchConditions, type ConditionFacts } from './conditions.js';
import type {
  AccessContext, AccessRequirement, AppliedConditionalAccessPolicy, AppliedPolicyResult, BuiltInControl,
  ConditionalAccessPolicy, RequirementSource, SignInFrequencySessionControl,
} from './types.js';

export interface PolicyEvaluation {
  applied: AppliedConditionalAccessPolicy;
  /** What the policy demands of this sign-in; enforced by the caller only for enabled policies. */
  requirements: AccessRequirement[];
  enforced: boolean;
  trace: string[];
}

/** Entra's "everyTime" frequency tolerates five minutes of skew (§3.6), so a just-completed sign-in counts. */
export const EVERY_TIME_SKEW_SECONDS = 300;

/** Graph's enforcedGrantControls spellings as seen in sign-in logs. */
const GRANT_LABEL: Record<BuiltInControl, string> = { block: 'Block', mfa: 'Mfa', compliantDevice: 'RequireCompliantDevice' };

export function policyLabel(p: { id: string; displayName: string }): string {
  return `policy "${p.displayName}" (${p.id})`;
}

export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  const d = Math.floor(s / 86400), h = Math.floor((s % 86400) / 3600), m = Math.floor((s % 3600) / 60);
  return [d ? `${d}d` : '', h ? `${h}h` : '', m ? `${m}m` : ''].filter(Boolean).join(' ') || '0m';
}

/** Maximum credential age in seconds, or null when the control is off or incomplete. */
export function signInFrequencySeconds(sif: SignInFrequencySessionControl): number | null {
  if (!sif.isEnabled) return null;
  if (sif.frequencyInterval === 'everyTime') return EVERY_TIME_SKEW_SECONDS;
  if (sif.value === undefined || sif.value === null || sif.value <= 0) return null;
  if (sif.type === 'hours') return sif.value * 3600;
  if (sif.type === 'days') return sif.value * 86400;
  return null;
}

function controlSatisfied(control: BuiltInControl, ctx: AccessContext): boolean {
  switch (control) {
    case 'block': return false;
    case 'mfa': return ctx.authMethodsSatisfied.includes('mfa');
    case 'compliantDevice': return ctx.device?.state === 'registered' && ctx.device.isCompliant === true;
  }
}

function requirementFor(control: BuiltInControl, ctx: AccessContext, source: RequirementSource, satisfied: boolean): AccessRequirement {
  if (control === 'block') return { kind: 'block', source, satisfied: false, detail: 'access is blocked' };
  if (control === 'compliantDevice') {
    return { kind: 'compliantDevice', source, satisfied, detail: satisfied ? 'device is compliant' : 'a compliant, registered device is required' };
  }
  const req: AccessRequirement = { kind: 'mfa', source, satisfied, detail: satisfied ? 'MFA done in this session' : 'MFA required' };
  if (!satisfied && ctx.user.mfaRegistered === false) {
    req.registrationRequired = true;
    req.detail = 'MFA required; the user has no MFA method and must register one first';
  }
  return req;
}

/** AND: every control; OR: one satisfied control suffices, else MFA is offered because it can be prompted for. */
function grantRequirements(policy: ConditionalAccessPolicy, ctx: AccessContext, source: RequirementSource): AccessRequirement[] {
  const g = policy.grantControls;
  if (g === null || g.builtInControls.length === 0) return [];
  // Block is exclusive in Entra; if it is present nothing else can grant access.
  if (g.builtInControls.includes('block')) return [requirementFor('block', ctx, source, false)];
  const checked = g.builtInControls.map((c) => ({ c, ok: controlSatisfied(c, ctx) }));
  if (g.operator === 'AND') return checked.map(({ c, ok }) => requirementFor(c, ctx, source, ok));
  const met = checked.find((x) => x.ok);
  if (met !== undefined) return [requirementFor(met.c, ctx, source, true)];
  const prompted = checked.find((x) => x.c === 'mfa') ?? checked[0];
  if (prompted === undefined) return [];
  const req = requirementFor(prompted.c, ctx, source, false);
  const others = checked.filter((x) => x !== prompted).map((x) => x.c);
  if (others.length > 0) req.detail += ` (or: ${others.join(', ')})`;
  return [req];
}

function frequencyRequirement(policy: ConditionalAccessPolicy, ctx: AccessContext, source: RequirementSource): AccessRequirement | null {
  const sif = policy.sessionControls?.signInFrequency;
  if (sif === undefined || sif === null) return null;
  const maxAge = signInFrequencySeconds(sif);
  if (maxAge === null) return null;
  const every = sif.frequencyInterval === 'everyTime' ? 'every time' : `${sif.value} ${sif.type}`;
  if (ctx.lastFullAuthAt === undefined) {
    return { kind: 'reauth', source, satisfied: false, detail: `sign-in frequency ${every}: no full authentication on record` };
  }
  const age = ctx.now - ctx.lastFullAuthAt;
  const satisfied = age <= maxAge;
  return {
    kind: 'reauth', source, satisfied,
    detail: `sign-in frequency ${every}: last full authentication ${formatDuration(age)} ago${satisfied ? '' : ', re-authentication required'}`,
  };
}

function resultFor(enforced: boolean, matched: boolean, unmet: AccessRequirement[]): AppliedPolicyResult {
  if (!matched) return enforced ? 'notApplied' : 'reportOnlyNotApplied';
  if (unmet.length === 0) return enforced ? 'success' : 'reportOnlySuccess';
  if (enforced) return 'failure';
  // Report-only: a control the user could satisfy by acting (MFA, sign in again) "interrupts";
  // block and device controls cannot be satisfied by the user, so they "fail" (Graph's definitions).
  return unmet.some((r) => r.kind === 'block' || r.kind === 'compliantDevice') ? 'reportOnlyFailure' : 'reportOnlyInterrupted';
}

export function evaluatePolicy(policy: ConditionalAccessPolicy, ctx: AccessContext, facts: ConditionFacts): PolicyEvaluation {
  const label = policyLabel(policy);
  const base = { id: policy.id, displayName: policy.displayName, enforcedGrantControls: [] as string[], enforcedSessionControls: [] as string[] };
  if (policy.state === 'disabled') {
    return { applied: { ...base, result: 'notEnabled' }, requirements: [], enforced: false, trace: [`${label}: disabled -> notEnabled`] };
  }
  const enforced = policy.state === 'enabled';
  const mode = enforced ? 'enabled' : 'report-only';
  const trace = [`${label} [${mode}]`];
  const conditions = matchConditions(policy.conditions, facts);
  for (const c of conditions) trace.push(`  ${c.condition}: ${c.applies ? 'match' : 'NO MATCH'} - ${c.why}`);
  const matched = conditions.every((c) => c.applies);
  if (!matched) {
    const result = resultFor(enforced, false, []);
    trace.push(`  -> ${result}`);
    return { applied: { ...base, result }, requirements: [], enforced, trace };
  }
  const source: RequirementSource = { type: 'conditionalAccess', policyId: policy.id, displayName: policy.displayName };
  const requirements = grantRequirements(policy, ctx, source);
  const freq = frequencyRequirement(policy, ctx, source);
  if (freq !== null) requirements.push(freq);
  for (const r of requirements) trace.push(`  ${r.kind}: ${r.satisfied ? 'satisfied' : 'NOT satisfied'} - ${r.detail}`);
  if (policy.grantControls !== null && policy.grantControls.builtInControls.length > 1) {
    trace.push(`  grant operator ${policy.grantControls.operator} over ${policy.grantControls.builtInControls.join(', ')}`);
  }
  const unmet = requirements.filter((r) => !r.satisfied);
  const result = resultFor(enforced, true, unmet);
  trace.push(`  -> ${result}${enforced ? '' : ' (report-only: recorded, not enforced)'}`);
  const applied: AppliedConditionalAccessPolicy = {
    ...base,
    enforcedGrantControls: (policy.grantControls?.builtInControls ?? []).map((c) => GRANT_LABEL[c]),
    enforcedSessionControls: freq !== null ? ['SignInFrequency'] : [],
    result,
  };
  return { applied, requirements, enforced, trace };
}
