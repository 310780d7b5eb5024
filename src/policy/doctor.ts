// The readiness doctor's checks, pure over Graph-shaped data fetched from OpenPSSO's admin API or Entra (issue 4; entra-mdm.md §2.6, §3.8, §5.3, §5.4).
import { appDisplayName } from './app-ids.js';
import type { AffectedObject, DoctorData, DoctorFinding, DoctorOptions, DoctorReport, DoctorUser, Severity } from './doctor-types.js';
import { errorCodeHint } from './error-code-hints.js';
import { coverageTarget, inPlatformSsoScope, loginAppIds, policyCoversUser, requiresMfa, userMfaCoverage } from './mfa-coverage.js';

const DAY = 86400;
/** Codes meaning "MFA needed where it cannot be asked": the password-sync breakers (§2.6, §3.4). */
const MFA_CODES = new Set([50076, 50079]);

const userRef = (u: DoctorUser): AffectedObject => ({ type: 'user', id: u.id, displayName: u.userPrincipalName });

function epochSeconds(iso: string | null | undefined): number | null {
  if (iso === null || iso === undefined) return null;
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? null : Math.floor(ms / 1000);
}

function checkSecurityDefaults(data: DoctorData): DoctorFinding[] {
  if (data.securityDefaultsEnabled !== true) return [];
  return [{
    code: 'security-defaults-enabled', severity: 'warning', title: 'Security Defaults are on',
    affected: [{ type: 'tenant', id: 'securityDefaults' }],
    explanation: 'Security Defaults cannot be used together with conditional access, so MFA cannot be moved to a policy that asks for it where it can be answered.',
    remediation: 'Create the conditional-access MFA policy in report-only, then turn Security Defaults off and enable the policy.',
  }];
}

function checkPerUserMfa(data: DoctorData, options: DoctorOptions): DoctorFinding[] {
  const target = coverageTarget(options);
  const inScope = data.users.filter((u) => u.perUserMfaState !== 'disabled' && inPlatformSsoScope(u, data.platformSsoScope));
  const covered: DoctorUser[] = [];
  const uncovered: { user: DoctorUser; why: string }[] = [];
  for (const u of inScope) {
    const cov = userMfaCoverage(u, data.conditionalAccessPolicies, target, data.namedLocations);
    if (cov.coveredBy.length > 0) covered.push(u);
    else uncovered.push({ user: u, why: cov.notCovering.map((n) => `"${n.displayName}": ${n.reason}`).join('; ') || 'no conditional-access policy requires MFA' });
  }
  const apps = target.appIds.map((id) => appDisplayName(id)).join(', ');
  const out: DoctorFinding[] = [];
  if (covered.length > 0) {
    out.push({
      code: 'per-user-mfa-covered-by-ca', severity: 'error',
      title: `${covered.length} Platform SSO user(s) have per-user MFA although conditional access already requires MFA`,
      affected: covered.map(userRef),
      explanation: 'Per-user MFA also applies to the non-interactive login-window sign-in, which cannot answer MFA, so registration and password sync fail (50076). A conditional-access policy already asks these users for MFA where it can be answered.',
      remediation: 'Run `openpsso doctor --fix` to set their per-user MFA state to disabled.',
      details: { states: Object.fromEntries(covered.map((u) => [u.userPrincipalName, u.perUserMfaState])) },
    });
  }
  if (uncovered.length > 0) {
    out.push({
      code: 'per-user-mfa-not-covered', severity: 'error',
      title: `${uncovered.length} Platform SSO user(s) have per-user MFA and no conditional-access MFA policy covers them on ${apps}`,
      affected: uncovered.map((x) => userRef(x.user)),
      explanation: 'Per-user MFA breaks the non-interactive Platform SSO sign-in (50076/50079). It cannot simply be switched off for these users: nothing else would ask them for MFA.',
      remediation: `Create a conditional-access policy requiring MFA for these users on ${apps} (report-only first, then enabled), then run \`openpsso doctor --fix\`.`,
      details: { why: Object.fromEntries(uncovered.map((x) => [x.user.userPrincipalName, x.why])) },
    });
  }
  return out;
}

function checkPolicies(data: DoctorData, options: DoctorOptions): DoctorFinding[] {
  const out: DoctorFinding[] = [];
  const mfaPolicies = data.conditionalAccessPolicies.filter(requiresMfa);
  const reportOnly = mfaPolicies.filter((p) => p.state === 'enabledForReportingButNotEnforced');
  if (!mfaPolicies.some((p) => p.state === 'enabled')) {
    out.push({
      code: 'no-ca-mfa-policy', severity: data.users.some((u) => u.perUserMfaState !== 'disabled') ? 'warning' : 'info',
      title: 'No enabled conditional-access policy requires MFA',
      affected: [{ type: 'tenant', id: 'conditionalAccess' }],
      explanation: 'MFA through conditional access is asked in interactive sign-ins and respects named locations; it is the replacement for per-user MFA.',
      remediation: 'Create "Require MFA for all users" (all users minus break-glass accounts, all apps or the registration app, grant mfa), in report-only first.',
    });
  }
  if (reportOnly.length > 0) {
    out.push({
      code: 'ca-mfa-report-only', severity: 'info', title: `${reportOnly.length} MFA policy(ies) are report-only`,
      affected: reportOnly.map((p) => ({ type: 'policy', id: p.id, displayName: p.displayName })),
      explanation: 'Report-only policies are evaluated and logged (reportOnly* results) but never enforced, so they do not replace per-user MFA yet.',
      remediation: 'Review the reportOnly results in the sign-in logs, then set the policy state to enabled.',
    });
  }
  // Like Entra, OpenPSSO leaves the non-interactive login to policies that name its app explicitly
  // (conditions.ts); such an MFA policy fails password-method logins at the login window just as
  // per-user MFA does.
  if (options.target !== 'entra') {
    const loginTarget = { appIds: loginAppIds(options), userActions: [], clientAppType: 'mobileAppsAndDesktopClients' as const, interactive: false };
    for (const p of mfaPolicies.filter((x) => x.state === 'enabled')) {
      const hit = data.users.filter((u) => u.platformSsoMethod === 'password' && inPlatformSsoScope(u, data.platformSsoScope) &&
        policyCoversUser(p, u, loginTarget, data.namedLocations).covers);
      if (hit.length === 0) continue;
      out.push({
        code: 'ca-mfa-on-platform-sso-login', severity: 'warning',
        title: `Policy "${p.displayName}" requires MFA on the non-interactive Platform SSO login for ${hit.length} password-method user(s)`,
        affected: [{ type: 'policy', id: p.id, displayName: p.displayName }, ...hit.map(userRef)],
        explanation: 'A password login at the login window is single-factor and cannot prompt, so these logins fail with interaction required. Secure Enclave and smart card credentials registered after MFA count as multi-factor and are unaffected.',
        remediation: `Remove ${loginAppIds(options).map((id) => appDisplayName(id)).join(', ')} from the policy's applications (MFA is then asked at registration and in interactive sign-ins), or move the users to the Secure Enclave method.`,
      });
    }
  }
  return out;
}

function checkSignInFailures(data: DoctorData, now: number, options: DoctorOptions): DoctorFinding[] {
  const since = now - (options.signInWindowDays ?? 7) * DAY;
  const groups = new Map<number, typeof data.signIns>();
  for (const row of data.signIns) {
    const t = epochSeconds(row.createdDateTime);
    if (row.isInteractive || row.status.errorCode === 0 || t === null || t < since || t > now) continue;
    const list = groups.get(row.status.errorCode) ?? [];
    list.push(row);
    groups.set(row.status.errorCode, list);
  }
  return [...groups.entries()].sort((a, b) => b[1].length - a[1].length).map(([code, rows]) => {
    const hint = errorCodeHint(code);
    const users = [...new Map(rows.map((r) => [r.userId, r.userPrincipalName])).entries()];
    const times = rows.map((r) => r.createdDateTime).sort();
    const sources = [...new Set(rows.map((r) => r.authenticationRequirementSource).filter((s): s is string => s !== null))];
    const label = hint.entra !== null && hint.entra !== code ? `${code} (Entra ${hint.entra})` : String(code);
    return {
      code: 'non-interactive-sign-in-failures', severity: hint.severity,
      title: `${rows.length} non-interactive sign-in failure(s) with error ${label} ${hint.name} for ${users.length} user(s)`,
      affected: users.map(([id, upn]) => ({ type: 'user' as const, id, displayName: upn })),
      explanation: hint.meaning,
      remediation: hint.remediation,
      details: {
        errorCode: code, entraErrorCode: hint.entra, count: rows.length, firstSeen: times[0], lastSeen: times[times.length - 1],
        apps: [...new Set(rows.map((r) => r.appDisplayName || r.appId))], requirementSources: sources,
      },
    };
  });
}

function checkDevices(data: DoctorData, now: number, options: DoctorOptions): DoctorFinding[] {
  const stuckAfter = (options.registrationStuckHours ?? 1) * 3600;
  const expiredAfter = (options.tokenExpiryDays ?? 14) * DAY;
  const stuck = data.devices.filter((d) => {
    const reg = epochSeconds(d.registrationDateTime);
    return d.accountEnabled && d.registeredUserIds !== undefined && d.registeredUserIds.length === 0 && reg !== null && now - reg > stuckAfter;
  });
  const expired = data.devices.filter((d) => {
    if (!d.accountEnabled || stuck.includes(d)) return false;
    const last = epochSeconds(d.approximateLastSignInDateTime) ?? epochSeconds(d.registrationDateTime);
    return last !== null && now - last > expiredAfter;
  });
  const ref = (d: (typeof data.devices)[number]): AffectedObject => ({ type: 'device', id: d.id, displayName: d.displayName });
  const out: DoctorFinding[] = [];
  if (stuck.length > 0) {
    out.push({
      code: 'device-registration-stuck', severity: 'warning',
      title: `${stuck.length} device(s) registered but no user completed registration`,
      affected: stuck.map(ref),
      explanation: 'Device registration succeeded but user registration never followed (the Mac shows "Registration Required"). Common causes: per-user MFA or a policy failing the user step, a dismissed notification.',
      remediation: 'Check the sign-in logs for these devices; have the user open System Settings > Users & Groups and Repair, or re-run registration.',
    });
  }
  if (expired.length > 0) {
    out.push({
      code: 'device-tokens-expired', severity: 'warning',
      title: `${expired.length} device(s) have not signed in for over ${options.tokenExpiryDays ?? 14} days`,
      affected: expired.map(ref),
      explanation: 'Platform SSO tokens carry a 14-day rolling expiry renewed every 4 hours of use; a silent device has expired tokens and needs a full sign-in, or was retired.',
      remediation: 'Have the user sign in at the login window (or Repair); delete devices that were retired.',
    });
  }
  return out;
}

function checkPasswordSync(data: DoctorData, now: number, options: DoctorOptions): DoctorFinding[] {
  const since = now - (options.signInWindowDays ?? 7) * DAY;
  const logins = new Set(loginAppIds(options));
  const failing = new Set(data.signIns.filter((r) => {
    const t = epochSeconds(r.createdDateTime);
    const entra = errorCodeHint(r.status.errorCode).entra;
    return !r.isInteractive && logins.has(r.appId) && entra !== null && MFA_CODES.has(entra) && t !== null && t >= since;
  }).map((r) => r.userId));
  const blocked = data.users.filter((u) => u.platformSsoMethod === 'password' && (u.perUserMfaState !== 'disabled' || failing.has(u.id)));
  if (blocked.length === 0) return [];
  return [{
    code: 'password-sync-blocked', severity: 'error',
    title: `${blocked.length} password-method user(s) cannot sync their password`,
    affected: blocked.map(userRef),
    explanation: 'Only the password method syncs the IdP password to the Mac, through the non-interactive login grant; MFA required there (per-user MFA, or a policy on the login app) makes every sync fail.',
    remediation: 'Move MFA to conditional access and disable per-user MFA (doctor --fix), and keep MFA policies off the Platform SSO login app.',
    details: { reasons: Object.fromEntries(blocked.map((u) => [u.userPrincipalName,
      u.perUserMfaState !== 'disabled' ? `per-user MFA ${u.perUserMfaState}` : 'recent MFA-required failures at the login window'])) },
  }];
}

const ORDER: Record<Severity, number> = { error: 0, warning: 1, info: 2 };

export function runDoctorChecks(data: DoctorData, now: number, options: DoctorOptions = {}): DoctorReport {
  const findings = [
    ...checkSecurityDefaults(data),
    ...checkPerUserMfa(data, options),
    ...checkPolicies(data, options),
    ...checkPasswordSync(data, now, options),
    ...checkSignInFailures(data, now, options),
    ...checkDevices(data, now, options),
  ].sort((a, b) => ORDER[a.severity] - ORDER[b.severity]);
  const counts: Record<Severity, number> = { error: 0, warning: 0, info: 0 };
  for (const f of findings) counts[f.severity]++;
  return { generatedAt: new Date(now * 1000).toISOString(), ok: counts.error === 0, counts, findings };
}
