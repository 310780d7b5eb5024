// Renders a doctor report and a fix plan as readable text for `openpsso doctor` (JSON output is the objects themselves).
import type { DoctorReport, FixPlan } from './doctor-types.js';

const MAX_LISTED = 10;

function listAffected(names: string[]): string {
  const shown = names.slice(0, MAX_LISTED).join(', ');
  return names.length > MAX_LISTED ? `${shown} and ${names.length - MAX_LISTED} more` : shown;
}

export function formatDoctorReport(report: DoctorReport): string {
  const out = [`OpenPSSO doctor (${report.generatedAt}): ${report.counts.error} error(s), ${report.counts.warning} warning(s), ${report.counts.info} note(s)`];
  if (report.findings.length === 0) out.push('', 'No findings: ready for Platform SSO.');
  for (const f of report.findings) {
    out.push('', `[${f.severity.toUpperCase()}] ${f.title}  (${f.code})`);
    if (f.affected.length > 0) out.push(`  Affected: ${listAffected(f.affected.map((a) => a.displayName ?? a.id))}`);
    out.push(`  Why: ${f.explanation}`, `  Fix: ${f.remediation}`);
  }
  return out.join('\n');
}

export function formatFixPlan(plan: FixPlan): string {
  const out = [`Per-user MFA fix plan: ${plan.changes.length} change(s), ${plan.leftAlone.length} user(s) left alone`];
  if (plan.changes.length > 0) out.push('', 'Set per-user MFA to disabled:');
  for (const c of plan.changes) {
    out.push(`  ${c.userPrincipalName}: ${c.from} -> disabled (covered by ${c.coveredBy.map((p) => `"${p.displayName}"`).join(', ')})${c.note ? ` - ${c.note}` : ''}`);
  }
  if (plan.leftAlone.length > 0) out.push('', 'Left alone:');
  for (const l of plan.leftAlone) out.push(`  ${l.userPrincipalName} (${l.perUserMfaState}): ${l.reason}`);
  if (plan.notes.length > 0) out.push('', 'Notes:', ...plan.notes.map((n) => `  - ${n}`));
  return out.join('\n');
}
