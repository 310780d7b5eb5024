// Renders an access decision as a readable what-if report for the CLI and the admin console.
import { describeSource } from './evaluate-access.js';
import type { AccessDecision } from './types.js';

const RESULT_TEXT: Record<AccessDecision['result'], string> = {
  allow: 'ALLOW',
  block: 'BLOCK',
  interactionRequired: 'INTERACTION REQUIRED',
};

export function formatDecision(decision: AccessDecision): string {
  const out: string[] = [];
  out.push(`Result: ${RESULT_TEXT[decision.result]}${decision.entraErrorCode !== null ? ` (Entra equivalent AADSTS${decision.entraErrorCode})` : ''}`);
  if (decision.result === 'interactionRequired') {
    out.push(decision.interactive
      ? '  The sign-in page must prompt for what is listed below.'
      : '  This request cannot prompt (non-interactive), so it fails; the user must sign in interactively.');
  }
  out.push(`Authentication requirement: ${decision.authenticationRequirement}` +
    (decision.authenticationRequirementSource ? ` (source: ${decision.authenticationRequirementSource})` : ''));
  out.push(`Conditional access status: ${decision.conditionalAccessStatus}`);

  out.push('', 'Requirements:');
  if (decision.requirements.length === 0) out.push('  none');
  for (const r of decision.requirements) {
    out.push(`  [${r.satisfied ? 'met' : 'UNMET'}] ${r.kind} from ${describeSource(r.source)}: ${r.detail}`);
  }

  out.push('', 'Conditional access policies:');
  if (decision.appliedConditionalAccessPolicies.length === 0) out.push('  none');
  const width = Math.max(0, ...decision.appliedConditionalAccessPolicies.map((p) => p.result.length));
  for (const p of decision.appliedConditionalAccessPolicies) {
    const controls = [...p.enforcedGrantControls, ...p.enforcedSessionControls];
    out.push(`  ${p.result.padEnd(width)}  ${p.displayName} (${p.id})${controls.length ? ` [${controls.join(', ')}]` : ''}`);
  }

  out.push('', 'Trace:');
  for (const line of decision.trace) out.push(`  ${line}`);
  return out.join('\n');
}
