// Readiness doctor checks and the per-user MFA fix plan over Graph-shaped data, for OpenPSSO and Entra targets.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ENTRA_APPS, formatDoctorReport, formatFixPlan, PLATFORM_SSO_APP_ID, planMfaFix, runDoctorChecks,
  type DoctorData, type DoctorFinding, type DoctorPolicy, type DoctorUser, type SignIn,
} from '../../src/policy/index.js';
import { LOCATIONS, NOW } from './helpers.js';

const iso = (t: number) => new Date(t * 1000).toISOString();
const DAY = 86400;

const users: DoctorUser[] = [
  { id: 'usr_alice', userPrincipalName: 'alice@example.com', groupIds: ['grp_mac'], perUserMfaState: 'enforced', isMfaRegistered: true, platformSsoMethod: 'password' },
  { id: 'usr_bob', userPrincipalName: 'bob@example.com', groupIds: ['grp_mac'], perUserMfaState: 'enabled', isMfaRegistered: false, platformSsoMethod: null },
  { id: 'usr_carol', userPrincipalName: 'carol@example.com', groupIds: ['grp_mac'], perUserMfaState: 'disabled', platformSsoMethod: 'secureEnclave' },
  { id: 'usr_bg', userPrincipalName: 'breakglass@example.com', groupIds: ['grp_mac', 'grp_breakglass'], perUserMfaState: 'enforced' },
  { id: 'usr_dave', userPrincipalName: 'dave@example.com', groupIds: [], perUserMfaState: 'enforced' },
];

function caPolicy(id: string, o: Partial<Omit<DoctorPolicy, 'conditions'>> & { conditions?: Partial<DoctorPolicy['conditions']> } = {}): DoctorPolicy {
  const { conditions, ...rest } = o;
  return {
    id, displayName: o.displayName ?? id, state: 'enabled',
    grantControls: { operator: 'OR', builtInControls: ['mfa'] },
    ...rest,
    conditions: {
      users: { includeUsers: ['All'], excludeUsers: [], includeGroups: [], excludeGroups: ['grp_breakglass'] },
      applications: { includeApplications: ['All'], excludeApplications: [] },
      ...conditions,
    },
  };
}

const requireMfa = caPolicy('pol_mfa', { displayName: 'Require MFA for all users' });
const requireMfaOnLogin = caPolicy('pol_mfa_login', {
  displayName: 'Require MFA at the login window',
  conditions: {
    users: { includeUsers: ['All'], excludeUsers: [], includeGroups: [], excludeGroups: ['grp_breakglass'] },
    applications: { includeApplications: [PLATFORM_SSO_APP_ID], excludeApplications: [] },
  },
});
const requireMfaNotLogin = caPolicy('pol_mfa2', {
  displayName: 'Require MFA except PSSO login',
  conditions: {
    users: { includeUsers: ['All'], excludeUsers: [], includeGroups: [], excludeGroups: ['grp_breakglass'] },
    applications: { includeApplications: ['All'], excludeApplications: [PLATFORM_SSO_APP_ID] },
  },
});

function signIn(o: Partial<SignIn> & { at: number; code: number }): SignIn {
  const { at, code, ...rest } = o;
  return {
    id: `si_${at}_${code}`, createdDateTime: iso(at), userId: 'usr_alice', userPrincipalName: 'alice@example.com', userDisplayName: 'Alice',
    appId: PLATFORM_SSO_APP_ID, appDisplayName: 'OpenPSSO Platform SSO', ipAddress: '203.0.113.5', clientAppUsed: 'Mobile Apps and Desktop clients',
    isInteractive: false, correlationId: 'c', status: { errorCode: code, failureReason: null, additionalDetails: null },
    conditionalAccessStatus: 'notApplied', appliedConditionalAccessPolicies: [], authenticationRequirement: 'multiFactorAuthentication',
    authenticationRequirementSource: code === 50076 ? 'perUserMfa' : null,
    deviceDetail: { deviceId: 'dev_ok', displayName: 'Mac', operatingSystem: 'macOS', isCompliant: null, isManaged: null, trustType: null },
    ...rest,
  };
}

function data(o: Partial<DoctorData> = {}): DoctorData {
  return {
    users, conditionalAccessPolicies: [], namedLocations: LOCATIONS, securityDefaultsEnabled: false, signIns: [], devices: [],
    platformSsoScope: { includeGroups: ['grp_mac'] }, ...o,
  };
}

const byCode = (findings: DoctorFinding[], code: string) => findings.filter((f) => f.code === code);
const one = (findings: DoctorFinding[], code: string): DoctorFinding => {
  const hits = byCode(findings, code);
  assert.equal(hits.length, 1, `${code} in ${findings.map((f) => f.code).join(', ')}`);
  return hits[0]!;
};
const ids = (f: DoctorFinding) => f.affected.map((a) => a.id).sort();

test('doctor: per-user MFA with no CA policy and Security Defaults on', () => {
  const r = runDoctorChecks(data({ securityDefaultsEnabled: true }), NOW);
  assert.equal(r.ok, false);
  assert.equal(r.generatedAt, '2027-01-15T08:00:00.000Z');
  assert.deepEqual(ids(one(r.findings, 'per-user-mfa-not-covered')), ['usr_alice', 'usr_bg', 'usr_bob'], 'dave is outside the PSSO scope');
  assert.equal(byCode(r.findings, 'per-user-mfa-covered-by-ca').length, 0);
  assert.equal(one(r.findings, 'security-defaults-enabled').severity, 'warning');
  assert.equal(one(r.findings, 'no-ca-mfa-policy').severity, 'warning');
  assert.deepEqual(ids(one(r.findings, 'password-sync-blocked')), ['usr_alice']);
  assert.equal(r.findings[0]!.severity, 'error', 'errors first');
});

test('doctor: CA MFA policy splits covered users from the excluded break-glass account', () => {
  const r = runDoctorChecks(data({ conditionalAccessPolicies: [requireMfaNotLogin] }), NOW);
  assert.deepEqual(ids(one(r.findings, 'per-user-mfa-covered-by-ca')), ['usr_alice', 'usr_bob']);
  const nc = one(r.findings, 'per-user-mfa-not-covered');
  assert.deepEqual(ids(nc), ['usr_bg']);
  assert.match(String((nc.details!['why'] as Record<string, string>)['breakglass@example.com']), /excluded by group grp_breakglass/);
  assert.equal(byCode(r.findings, 'no-ca-mfa-policy').length, 0);
  assert.equal(byCode(r.findings, 'ca-mfa-on-platform-sso-login').length, 0, 'the PSSO login app is excluded');
});

test('doctor: an MFA policy naming the PSSO login app hits password users at the login window', () => {
  const r = runDoctorChecks(data({ conditionalAccessPolicies: [requireMfaOnLogin, requireMfa] }), NOW);
  const f = one(r.findings, 'ca-mfa-on-platform-sso-login');
  assert.deepEqual(ids(f), ['pol_mfa_login', 'usr_alice'], "the 'All' apps policy does not reach the non-interactive login");
  assert.match(f.remediation, /Remove OpenPSSO Platform SSO/);
  // The login app is not where per-user MFA is replaced: that policy alone covers nobody for the fix.
  assert.deepEqual(ids(one(runDoctorChecks(data({ conditionalAccessPolicies: [requireMfaOnLogin] }), NOW).findings, 'per-user-mfa-not-covered')),
    ['usr_alice', 'usr_bg', 'usr_bob']);
  const entra = runDoctorChecks(data({ conditionalAccessPolicies: [requireMfaOnLogin] }), NOW, { target: 'entra' });
  assert.equal(byCode(entra.findings, 'ca-mfa-on-platform-sso-login').length, 0, 'Entra does not evaluate CA at PRT issuance');
});

test('doctor: report-only and location-limited policies', () => {
  const ro = caPolicy('pol_ro', { state: 'enabledForReportingButNotEnforced' });
  const trustedOnly = caPolicy('pol_trusted', { conditions: { locations: { includeLocations: ['AllTrusted'], excludeLocations: [] } } });
  const r = runDoctorChecks(data({ conditionalAccessPolicies: [ro, trustedOnly] }), NOW);
  assert.deepEqual(ids(one(r.findings, 'ca-mfa-report-only')), ['pol_ro']);
  const why = one(r.findings, 'per-user-mfa-not-covered').details!['why'] as Record<string, string>;
  assert.match(why['alice@example.com']!, /"pol_ro": policy is report-only/);
  assert.match(why['alice@example.com']!, /"pol_trusted": locations: .*not in includeLocations/);
  assert.equal(byCode(r.findings, 'no-ca-mfa-policy').length, 0, 'an enabled MFA policy exists, it just covers nobody here');
  const onlyRo = runDoctorChecks(data({ conditionalAccessPolicies: [ro] }), NOW);
  assert.equal(one(onlyRo.findings, 'no-ca-mfa-policy').severity, 'warning', 'report-only does not count as enabled');
});

test('doctor: non-interactive failures grouped by code within the window', () => {
  const rows = [
    signIn({ at: NOW - 3600, code: 50076 }), signIn({ at: NOW - 7200, code: 50076 }),
    signIn({ at: NOW - 2 * DAY, code: 50076, userId: 'usr_bob', userPrincipalName: 'bob@example.com' }),
    signIn({ at: NOW - 8 * DAY, code: 50076 }), // outside the 7-day window
    signIn({ at: NOW - 60, code: 50074, isInteractive: true }), // interactive: not counted
    signIn({ at: NOW - 60, code: 0 }),
    signIn({ at: NOW - 600, code: 53003, userId: 'usr_bob', userPrincipalName: 'bob@example.com' }),
    signIn({ at: NOW - 600, code: 1004 }), // an OpenPSSO catalogue code naming its Entra equivalent
  ];
  const r = runDoctorChecks(data({ signIns: rows }), NOW);
  const failures = byCode(r.findings, 'non-interactive-sign-in-failures');
  assert.deepEqual(failures.map((f) => f.details!['errorCode']).sort(), [1004, 50076, 53003]);
  const mfa = failures.find((f) => f.details!['errorCode'] === 50076)!;
  assert.equal(mfa.severity, 'error');
  assert.equal(mfa.details!['count'], 3);
  assert.deepEqual(ids(mfa), ['usr_alice', 'usr_bob']);
  assert.deepEqual(mfa.details!['requirementSources'], ['perUserMfa']);
  assert.equal(mfa.details!['lastSeen'], iso(NOW - 3600));
  assert.match(mfa.title, /50076 UserStrongAuthClientAuthNRequired/);
  const ours = failures.find((f) => f.details!['errorCode'] === 1004)!;
  assert.match(ours.title, /1004 \(Entra 50012\) malformed_jws/);
  // MFA-required failures at the login window mark even a per-user-disabled password user as blocked.
  const carolRows = [signIn({ at: NOW - 60, code: 50079, userId: 'usr_carol', userPrincipalName: 'carol@example.com' })];
  const carolUsers = users.map((u) => (u.id === 'usr_carol' ? { ...u, platformSsoMethod: 'password' as const } : u));
  const r2 = runDoctorChecks(data({ users: carolUsers, signIns: carolRows }), NOW);
  assert.deepEqual(ids(one(r2.findings, 'password-sync-blocked')), ['usr_alice', 'usr_carol']);
});

test('doctor: stuck registrations and expired device tokens', () => {
  const devices = [
    { id: 'dev_stuck', displayName: 'Stuck Mac', accountEnabled: true, registrationDateTime: iso(NOW - 2 * DAY), registeredUserIds: [] },
    { id: 'dev_new', displayName: 'New Mac', accountEnabled: true, registrationDateTime: iso(NOW - 600), registeredUserIds: [] },
    { id: 'dev_old', displayName: 'Old Mac', accountEnabled: true, registrationDateTime: iso(NOW - 90 * DAY), approximateLastSignInDateTime: iso(NOW - 20 * DAY), registeredUserIds: ['usr_alice'] },
    { id: 'dev_ok', displayName: 'Fine Mac', accountEnabled: true, registrationDateTime: iso(NOW - 90 * DAY), approximateLastSignInDateTime: iso(NOW - 3600), registeredUserIds: ['usr_carol'] },
    { id: 'dev_off', displayName: 'Retired Mac', accountEnabled: false, approximateLastSignInDateTime: iso(NOW - 200 * DAY) },
    { id: 'dev_unknown', displayName: 'Unknown users', accountEnabled: true, registrationDateTime: iso(NOW - 2 * DAY), approximateLastSignInDateTime: iso(NOW - DAY) },
  ];
  const r = runDoctorChecks(data({ devices, users: [] }), NOW);
  assert.deepEqual(ids(one(r.findings, 'device-registration-stuck')), ['dev_stuck']);
  assert.deepEqual(ids(one(r.findings, 'device-tokens-expired')), ['dev_old']);
  assert.equal(r.ok, true, 'device findings are warnings');
});

test('doctor: a ready tenant has no findings', () => {
  const ready = users.map((u) => ({ ...u, perUserMfaState: 'disabled' as const }));
  const r = runDoctorChecks(data({ users: ready, conditionalAccessPolicies: [requireMfaNotLogin] }), NOW);
  assert.deepEqual(r.findings, []);
  assert.equal(r.ok, true);
  assert.match(formatDoctorReport(r), /No findings/);
});

test('fix plan: disables per-user MFA only for covered users, says why others stay', () => {
  const plan = planMfaFix(data({ conditionalAccessPolicies: [requireMfaNotLogin] }));
  assert.deepEqual(plan.changes.map((c) => c.userPrincipalName), ['alice@example.com', 'bob@example.com', 'dave@example.com']);
  const alice = plan.changes[0]!;
  assert.deepEqual(alice.request, { method: 'PATCH', path: '/beta/users/usr_alice/authentication/requirements', body: { perUserMfaState: 'disabled' } });
  assert.deepEqual(alice.coveredBy, [{ id: 'pol_mfa2', displayName: 'Require MFA except PSSO login' }]);
  assert.equal(alice.from, 'enforced');
  assert.match(plan.changes[1]!.note!, /no MFA method yet/);
  assert.match(plan.changes[2]!.note!, /not in Platform SSO scope/);
  assert.deepEqual(plan.leftAlone.map((l) => l.userId), ['usr_bg']);
  assert.match(plan.leftAlone[0]!.reason, /excluded by group grp_breakglass/);
  assert.ok(plan.notes.some((n) => /keeps registered methods/.test(n)));
  assert.match(formatFixPlan(plan), /alice@example.com: enforced -> disabled \(covered by "Require MFA except PSSO login"\)/);
});

test('fix plan: nothing changes without an enabled CA MFA policy', () => {
  const ro = caPolicy('pol_ro', { state: 'enabledForReportingButNotEnforced' });
  const block = caPolicy('pol_block', { grantControls: { operator: 'AND', builtInControls: ['block'] } });
  const plan = planMfaFix(data({ conditionalAccessPolicies: [ro, block], securityDefaultsEnabled: true }));
  assert.deepEqual(plan.changes, []);
  assert.equal(plan.leftAlone.length, 4);
  assert.match(plan.leftAlone[0]!.reason, /"pol_ro" policy is report-only/);
  assert.ok(plan.notes.some((n) => /Security Defaults/.test(n)));
  assert.ok(plan.notes.some((n) => /report-only/.test(n)));
});

test('fix plan: conditional coverage is noted; untrusted-only MFA still counts', () => {
  const offsite = caPolicy('pol_offsite', { conditions: { locations: { includeLocations: ['All'], excludeLocations: ['AllTrusted'] } } });
  const plan = planMfaFix(data({ conditionalAccessPolicies: [offsite] }));
  assert.equal(plan.changes.length, 3);
  assert.match(plan.changes[0]!.note!, /coverage is conditional .*except from AllTrusted/);
});

test('fix plan against Entra: user actions, authentication strength, platforms and roles', () => {
  const drs = ENTRA_APPS.deviceRegistrationService.appId;
  const registerDevice = caPolicy('e_reg', {
    grantControls: { operator: 'OR', builtInControls: ['mfa'] },
    conditions: { applications: { includeApplications: [], excludeApplications: [], includeUserActions: ['urn:user:registerdevice'] } },
  });
  const strength = caPolicy('e_strength', {
    grantControls: { operator: 'AND', builtInControls: [], authenticationStrength: { id: '00000000-0000-0000-0000-000000000002' } },
    conditions: { applications: { includeApplications: [drs], excludeApplications: [] } },
  });
  const iosOnly = caPolicy('e_ios', { conditions: { platforms: { includePlatforms: ['iOS'] } } });
  const rolesOnly = caPolicy('e_roles', {
    conditions: { users: { includeUsers: [], excludeUsers: [], includeGroups: [], excludeGroups: [], includeRoles: ['62e90394-69f5-4237-9190-012177145e10'] } },
  });
  const risky = caPolicy('e_risk', { conditions: { signInRiskLevels: ['high'] } });
  for (const [p, covers, reason] of [
    [registerDevice, true, ''], [strength, true, ''], [iosOnly, false, /leaves out macOS/],
    [rolesOnly, false, /not in includeUsers or includeGroups/], [risky, false, /risky/],
  ] as const) {
    const plan = planMfaFix(data({ conditionalAccessPolicies: [p] }), { target: 'entra' });
    assert.equal(plan.changes.some((c) => c.userId === 'usr_alice'), covers, p.id);
    if (!covers) assert.match(plan.leftAlone.find((l) => l.userId === 'usr_alice')!.reason, reason);
  }
});

test('formatDoctorReport: severity, affected objects, fix', () => {
  const text = formatDoctorReport(runDoctorChecks(data(), NOW));
  assert.match(text, /^OpenPSSO doctor \(2027-01-15T08:00:00.000Z\): 2 error\(s\)/);
  assert.match(text, /\[ERROR\] 3 Platform SSO user\(s\) have per-user MFA and no conditional-access MFA policy covers them on OpenPSSO Device Registration/);
  assert.match(text, /Affected: alice@example.com, bob@example.com, breakglass@example.com/);
  assert.match(text, /Fix: Create a conditional-access policy/);
});
