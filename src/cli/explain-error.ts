// `openpsso explain CODE`: the catalogue entry for a code, name or Entra AADSTS number.

import { catalogue, formatCode, lookupError } from '../errors/catalogue.js';

export function explainError(code: string): number {
  const e = lookupError(code.replace(/^AADSTS/i, ''));
  if (!e) {
    console.error(`unknown code ${code}; known codes: ${[...catalogue.values()].map(formatCode).join(', ')}`);
    return 1;
  }
  console.log([
    `${formatCode(e)}  ${e.name}`,
    `  HTTP ${e.status}, OAuth error "${e.oauthError}", for the ${e.audience}`,
    e.entra !== undefined ? `  Entra equivalent: AADSTS${e.entra}` : undefined,
    `  what happened: ${e.message}`,
    `  how to fix:    ${e.remediation}`,
  ].filter(Boolean).join('\n'));
  return 0;
}
