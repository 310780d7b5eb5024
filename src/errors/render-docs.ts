// Renders the error catalogue as the docs page docs/errors.md (a test keeps the two in step).

import { catalogue, formatCode } from './catalogue.js';

export function renderErrorDocs(): string {
  const rows = [...catalogue.values()].sort((a, b) => a.code - b.code).map((e) =>
    `| ${formatCode(e)} | \`${e.name}\` | ${e.status} | \`${e.oauthError}\` | ${e.audience} | ${e.entra !== undefined ? `AADSTS${e.entra}` : ''} | ${e.message}${e.userAction ? ` User: ${e.userAction}` : ''} | ${e.remediation} |`);
  return [
    '# OpenPSSO error catalogue',
    '',
    'Generated from `src/errors/catalogue.ts` (`npm run docs:errors`); a test fails when this page and the code differ.',
    'Every error body has `error`, `error_description`, `error_code`, `error_codes`, `remediation`, `correlation_id` and `timestamp`.',
    'Only a bad credential is HTTP 401, because a Mac asks for the password again on 401; everything else a device can cause is 400.',
    'Look a code up from the command line with `openpsso explain OPSSO1108` (or `1108`, `nonce_replayed`, or an Entra number such as `50126`).',
    '',
    '| code | name | HTTP | OAuth error | for | Entra | what happened | how to fix |',
    '|---|---|---|---|---|---|---|---|',
    ...rows,
    '',
  ].join('\n');
}
