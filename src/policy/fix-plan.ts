// Plans the per-user MFA to conditional-access migration (entra-mdm.md §5.4 step 5): disable per-user MFA only where a policy already requires MFA.
import { appDisplayName } from './app-ids.js';
import type { DoctorData, DoctorOptions, FixChange, FixPlan } from './doctor-types.js';
import { coverageTarget, inPlatformSsoScope, requiresMfa, userMfaCoverage } from './mfa-coverage.js';

export function planMfaFix(data: DoctorData, options: DoctorOptions = {}): FixPlan {
  const target = coverageTarget(options);
  const apps = target.appIds.map((id) => appDisplayName(id)).join(', ');
  const plan: FixPlan = { changes: [], leftAlone: [], notes: [] };

  if (data.securityDefaultsEnabled === true) {
    plan.notes.push('Security Defaults are on: turn them off when enabling conditional access.');
  }
  const reportOnly = data.conditionalAccessPolicies.filter((p) => requiresMfa(p) && p.state === 'enabledForReportingButNotEnforced');
  for (const p of reportOnly) {
    plan.notes.push(`Policy "${p.displayName}" is report-only and covers nobody yet; review its results, then enable it.`);
  }

  for (const user of data.users) {
    const state = user.perUserMfaState;
    if (state === 'disabled') continue;
    const cov = userMfaCoverage(user, data.conditionalAccessPolicies, target, data.namedLocations);
    if (cov.coveredBy.length === 0) {
      const why = cov.notCovering.length > 0
        ? `no enabled conditional-access policy requires MFA for this user on ${apps}: ${cov.notCovering.map((n) => `"${n.displayName}" ${n.reason}`).join('; ')}`
        : `no enabled conditional-access policy requires MFA on ${apps}`;
      plan.leftAlone.push({ userId: user.id, userPrincipalName: user.userPrincipalName, perUserMfaState: state, reason: why });
      continue;
    }
    const notes: string[] = [];
    if (!inPlatformSsoScope(user, data.platformSsoScope)) notes.push('not in Platform SSO scope');
    if (user.isMfaRegistered === false) notes.push('has no MFA method yet: the policy will ask them to register at their next interactive sign-in');
    const limited = cov.coveredBy.filter((c) => c.note !== 'requires MFA').map((c) => `"${c.displayName}": ${c.note}`);
    if (limited.length > 0 && limited.length === cov.coveredBy.length) notes.push(`coverage is conditional (${limited.join('; ')})`);
    const change: FixChange = {
      userId: user.id,
      userPrincipalName: user.userPrincipalName,
      from: state,
      to: 'disabled',
      coveredBy: cov.coveredBy.map((c) => ({ id: c.id, displayName: c.displayName })),
      request: {
        method: 'PATCH',
        path: `/beta/users/${encodeURIComponent(user.id)}/authentication/requirements`,
        body: { perUserMfaState: 'disabled' },
      },
    };
    if (notes.length > 0) change.note = notes.join('; ');
    plan.changes.push(change);
  }
  if (plan.changes.length > 0) {
    plan.notes.push('Disabling per-user MFA keeps registered methods (Graph); afterwards re-run registration or password sync on affected Macs.');
  }
  return plan;
}
