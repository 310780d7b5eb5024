// `openpsso logs`: turns friendly flags into the Graph $filter the admin API accepts, and renders sign-in rows as a readable table.

import { lookupError } from '../../errors/catalogue.js';
import { PssoError } from '../../errors/psso-error.js';
import { ADMIN_API_APP_ID, DEVICE_REGISTRATION_APP_ID, PLATFORM_SSO_APP_ID } from '../../policy/app-ids.js';
import type { SignIn } from '../../policy/sign-in.js';

export const APP_ALIASES: Record<string, string> = {
  'platform-sso': PLATFORM_SSO_APP_ID, psso: PLATFORM_SSO_APP_ID, login: PLATFORM_SSO_APP_ID,
  registration: DEVICE_REGISTRATION_APP_ID, admin: ADMIN_API_APP_ID,
};

const SHORT_APP: Record<string, string> = { [PLATFORM_SSO_APP_ID]: 'platform-sso', [DEVICE_REGISTRATION_APP_ID]: 'registration', [ADMIN_API_APP_ID]: 'admin' };

export function resolveAppId(app: string): string {
  return APP_ALIASES[app.toLowerCase()] ?? app;
}

/**
 * Rows store the Entra number when the error has one (admins search for 50076), else OpenPSSO's code;
 * so OPSSO1701, mfa_required and 50076 all find the same rows.
 */
export function errorCodeForFilter(code: string): number {
  const e = lookupError(code.replace(/^AADSTS/i, ''));
  if (e) return e.entra ?? e.code;
  if (/^\d{1,9}$/.test(code)) return Number(code);
  throw new PssoError('invalid_filter', `--error ${code}: not a number, OPSSO code or error name`);
}

/** '7d', '24h', '30m' before `nowMs`, or an ISO date-time. */
export function parseSince(since: string, nowMs: number): string {
  const m = /^(\d{1,5})([dhm])$/.exec(since.trim());
  const ms = m ? nowMs - Number(m[1]) * { d: 86400_000, h: 3600_000, m: 60_000 }[m[2] as 'd' | 'h' | 'm'] : Date.parse(since);
  if (Number.isNaN(ms)) throw new PssoError('invalid_filter', `--since ${since}: use 7d, 24h, 30m or an ISO 8601 date-time`);
  return new Date(ms).toISOString();
}

export interface LogsFlags {
  error?: string;
  user?: string;
  app?: string;
  since?: string;
  interactive?: boolean;
  nonInteractive?: boolean;
  caStatus?: string;
}

const quote = (s: string) => `'${s.replace(/'/g, "''")}'`;

export function buildLogsFilter(f: LogsFlags, nowMs: number): string | null {
  const parts: string[] = [];
  if (f.error !== undefined) parts.push(`status/errorCode eq ${errorCodeForFilter(f.error)}`);
  if (f.user !== undefined) parts.push(`userPrincipalName eq ${quote(f.user)}`);
  if (f.app !== undefined) parts.push(`appId eq ${quote(resolveAppId(f.app))}`);
  if (f.since !== undefined) parts.push(`createdDateTime ge ${parseSince(f.since, nowMs)}`);
  if (f.interactive && f.nonInteractive) throw new PssoError('invalid_filter', 'choose --interactive or --non-interactive, not both');
  if (f.interactive) parts.push('isInteractive eq true');
  if (f.nonInteractive) parts.push('isInteractive eq false');
  if (f.caStatus !== undefined) parts.push(`conditionalAccessStatus eq ${quote(f.caStatus)}`);
  return parts.length > 0 ? parts.join(' and ') : null;
}

/** What the row was: the recorder writes the operation into additionalDetails on success. */
function operationOf(r: SignIn): string {
  if (r.status.errorCode === 0 && r.status.additionalDetails) return r.status.additionalDetails.split(' ')[0]!;
  return r.isInteractive ? 'interactive' : 'non-interactive';
}

function sourceOf(r: SignIn): string {
  const s = r.authenticationRequirementSource;
  if (s === null) return '-';
  if (s === 'perUserMfa') return 'per-user MFA';
  if (s.startsWith('conditionalAccess:')) {
    const id = s.slice('conditionalAccess:'.length);
    return `CA "${r.appliedConditionalAccessPolicies.find((p) => p.id === id)?.displayName ?? id}"`;
  }
  return s;
}

function cut(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s.padEnd(n);
}

export function formatSignInTable(rows: SignIn[]): string {
  const head = `${'TIME (UTC)'.padEnd(20)} ${'USER'.padEnd(28)} ${'APP'.padEnd(13)} ${'OPERATION'.padEnd(18)} ${'RESULT'.padEnd(44)} REQUIREMENT FROM`;
  const lines = rows.map((r) => {
    const result = r.status.errorCode === 0 ? 'ok' : `${r.status.errorCode} ${r.status.failureReason ?? ''}`.trim();
    return [
      r.createdDateTime.replace('T', ' ').replace(/(\.\d+)?Z$/, '').padEnd(20), cut(r.userPrincipalName || r.userId || '-', 28),
      cut(SHORT_APP[r.appId] ?? r.appDisplayName ?? r.appId, 13), cut(operationOf(r), 18), cut(result, 44), sourceOf(r),
    ].join(' ');
  });
  return [head, ...lines, rows.length === 0 ? '(no sign-ins match)' : ''].filter((l) => l !== '').join('\n');
}
