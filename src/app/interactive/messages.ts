// Words for the user: why a second factor is asked, or why a sign-in is blocked, from the access decision.

import type { AccessDecision, AccessRequirement, RequirementSource } from '../../policy/types.js';

function sourceWords(s: RequirementSource): string {
  return s.type === 'perUserMfa'
    ? `per-user MFA is '${s.perUserMfaState}' for your account`
    : `conditional access policy '${s.displayName}'`;
}

function unique(words: string[]): string[] {
  return [...new Set(words)];
}

export function unmetMfa(decision: AccessDecision): AccessRequirement[] {
  return decision.requirements.filter((r) => r.kind === 'mfa' && !r.satisfied);
}

/** "your organisation requires MFA (conditional access policy 'Require MFA')" */
export function mfaReason(decision: AccessDecision): string {
  const reqs = unmetMfa(decision);
  if (reqs.length === 0) return 'your organisation requires a second factor for this sign-in';
  return `your organisation requires MFA (${unique(reqs.map((r) => sourceWords(r.source))).join('; ')})`;
}

export function blockReason(decision: AccessDecision): string {
  const reqs = decision.requirements.filter((r) => !r.satisfied && (r.kind === 'block' || r.kind === 'compliantDevice'));
  if (reqs.length === 0) return 'your organisation does not allow this sign-in';
  return `blocked by ${unique(reqs.map((r) => sourceWords(r.source))).join('; ')}`;
}

export const METHOD_LABEL = {
  totp: 'authenticator app code',
  passkey: 'passkey',
  tap: 'temporary access pass',
} as const;
