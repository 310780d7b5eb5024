// Table-driven conditional-access and per-user MFA evaluation: report-only, exclusions, named locations, block-wins, AND/OR, non-interactive.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ADMIN_API_APP_ID, DEVICE_REGISTRATION_APP_ID, evaluateAccess, formatDecision,
  type AccessContext, type AccessDecision, type AppliedPolicyResult, type ConditionalAccessPolicy,
} from '../../src/policy/index.js';
import { ctx, LOCATIONS, NOW, policy } from './helpers.js';

const mfaAll = policy('pol_mfa_all', { displayName: 'Require MFA for all users', conditions: { users: { excludeGroups: ['grp_breakglass'] } } });
const mfaUntrustedReg = policy('pol_mfa_reg', {
  displayName: 'MFA for registration off-site',
  conditions: { applications: { includeApplications: [DEVICE_REGISTRATION_APP_ID] }, locations: { includeLocations: ['All'], excludeLocations: ['AllTrusted'] } },
});
const blockBranch = policy('pol_block_branch', {
  displayName: 'Block branch', grantControls: { operator: 'AND', builtInControls: ['block'] },
  conditions: { locations: { includeLocations: ['nl_branch'], excludeLocations: [] } },
});
const reportOnlyBlock = policy('pol_ro_block', { state: 'enabledForReportingButNotEnforced', grantControls: { operator: 'AND', builtInControls: ['block'] } });
const reportOnlyMfa = policy('pol_ro_mfa', { state: 'enabledForReportingButNotEnforced' });
const reportOnlyMfaAdmin = policy('pol_ro_admin', { state: 'enabledForReportingButNotEnforced', conditions: { applications: { includeApplications: [ADMIN_API_APP_ID] } } });
const disabled = policy('pol_off', { state: 'disabled', grantControls: { operator: 'AND', builtInControls: ['block'] } });
const mfaOrCompliant = policy('pol_or', { grantControls: { operator: 'OR', builtInControls: ['mfa', 'compliantDevice'] } });
const mfaAndCompliant = policy('pol_and', { grantControls: { operator: 'AND', builtInControls: ['mfa', 'compliantDevice'] } });
const blockRevoked = policy('pol_revoked', {
  grantControls: { operator: 'AND', builtInControls: ['block'] },
  conditions: { devices: { includeDeviceStates: ['revoked'], excludeDeviceStates: [] } },
});
// Apple device attestation as a condition (docs/attestation.md): block what Apple did not attest.
const blockUnattested = policy('pol_unattested', {
  grantControls: { operator: 'AND', builtInControls: ['block'] },
  conditions: { devices: { includeDeviceStates: ['unattested'], excludeDeviceStates: [] } },
});
const mfaUnlessAttested = policy('pol_mfa_unattested', { conditions: { devices: { includeDeviceStates: ['All'], excludeDeviceStates: ['attested'] } } });
const mfaExceptAdmin = policy('pol_not_admin', { conditions: { applications: { includeApplications: ['All'], excludeApplications: [ADMIN_API_APP_ID] } } });
const mfaBrowserOnly = policy('pol_browser', { conditions: { clientAppTypes: ['browser'] } });
const mfaAllApps = policy('pol_all_apps', { conditions: { applications: { includeApplications: ['All'] } } });
const blockBranchAllApps = policy('pol_block_all', {
  grantControls: { operator: 'AND', builtInControls: ['block'] },
  conditions: { applications: { includeApplications: ['All'] }, locations: { includeLocations: ['nl_branch'], excludeLocations: [] } },
});
const mfaForAlice = policy('pol_alice', { conditions: { users: { includeUsers: [], includeGroups: ['grp_staff'], excludeUsers: ['usr_alice'] } } });

interface Case {
  name: string;
  ctx: Parameters<typeof ctx>[0];
  policies: ConditionalAccessPolicy[];
  result: AccessDecision['result'];
  caStatus?: AccessDecision['conditionalAccessStatus'];
  policyResults?: Record<string, AppliedPolicyResult>;
  entra?: number | null;
  authReq?: AccessDecision['authenticationRequirement'];
  source?: string | null;
  traceIncludes?: string[];
}

const interactive: Partial<AccessContext> = { interactive: true, appId: DEVICE_REGISTRATION_APP_ID };

const cases: Case[] = [
  { name: 'nothing configured allows single-factor', ctx: {}, policies: [], result: 'allow', caStatus: 'notApplied', entra: null, authReq: 'singleFactorAuthentication', source: null },
  { name: 'per-user MFA enforced fails a non-interactive login (50076)', ctx: { user: { perUserMfaState: 'enforced' } }, policies: [],
    result: 'interactionRequired', caStatus: 'notApplied', entra: 50076, authReq: 'multiFactorAuthentication', source: 'perUserMfa',
    traceIncludes: ['non-interactive request cannot prompt'] },
  { name: 'per-user MFA enforced prompts in an interactive sign-in (50074)', ctx: { ...interactive, user: { perUserMfaState: 'enforced' } }, policies: [],
    result: 'interactionRequired', entra: 50074, source: 'perUserMfa', traceIncludes: ['prompt the user'] },
  { name: 'per-user MFA enforced is met by an MFA session', ctx: { user: { perUserMfaState: 'enforced' }, authMethodsSatisfied: ['swk', 'mfa'] }, policies: [],
    result: 'allow', authReq: 'multiFactorAuthentication', source: 'perUserMfa' },
  { name: 'per-user MFA enabled without methods needs registration (50079)', ctx: { user: { perUserMfaState: 'enabled', mfaRegistered: false } }, policies: [],
    result: 'interactionRequired', entra: 50079, traceIncludes: ['registration comes first'] },
  { name: 'per-user MFA enabled without methods, interactive (50072)', ctx: { ...interactive, user: { perUserMfaState: 'enabled', mfaRegistered: false } }, policies: [],
    result: 'interactionRequired', entra: 50072 },
  { name: 'CA MFA on all apps fails the non-interactive login', ctx: {}, policies: [mfaAll],
    result: 'interactionRequired', caStatus: 'failure', policyResults: { pol_mfa_all: 'failure' }, entra: 50076, source: 'conditionalAccess:pol_mfa_all' },
  { name: 'CA MFA is met by an MFA session', ctx: { authMethodsSatisfied: ['swk', 'mfa'] }, policies: [mfaAll],
    result: 'allow', caStatus: 'success', policyResults: { pol_mfa_all: 'success' }, authReq: 'multiFactorAuthentication' },
  { name: 'group exclusion (break-glass) beats All', ctx: { user: { groupIds: ['grp_breakglass'] } }, policies: [mfaAll],
    result: 'allow', caStatus: 'notApplied', policyResults: { pol_mfa_all: 'notApplied' }, traceIncludes: ['excluded by group grp_breakglass'] },
  { name: 'user exclusion beats group inclusion', ctx: {}, policies: [mfaForAlice],
    result: 'allow', policyResults: { pol_alice: 'notApplied' }, traceIncludes: ['user usr_alice is excluded (excludeUsers)'] },
  { name: 'group inclusion applies to other members', ctx: { user: { id: 'usr_bob' } }, policies: [mfaForAlice],
    result: 'interactionRequired', traceIncludes: ['included by group grp_staff'] },
  { name: 'trusted IPv4 location is excluded via AllTrusted', ctx: { ...interactive, ipAddress: '203.0.113.77' }, policies: [mfaUntrustedReg],
    result: 'allow', policyResults: { pol_mfa_reg: 'notApplied' }, traceIncludes: ['"HQ" (nl_hq, trusted)', 'excluded by AllTrusted'] },
  { name: 'trusted IPv6 location is excluded', ctx: { ...interactive, ipAddress: '2001:db8:10:ffff::1' }, policies: [mfaUntrustedReg],
    result: 'allow', policyResults: { pol_mfa_reg: 'notApplied' } },
  { name: 'IPv4-mapped IPv6 address matches the IPv4 range', ctx: { ...interactive, ipAddress: '::ffff:203.0.113.5' }, policies: [mfaUntrustedReg],
    result: 'allow', policyResults: { pol_mfa_reg: 'notApplied' } },
  { name: 'IPv6 just outside the /48 is untrusted', ctx: { ...interactive, ipAddress: '2001:db8:11::1' }, policies: [mfaUntrustedReg],
    result: 'interactionRequired', policyResults: { pol_mfa_reg: 'failure' } },
  { name: 'untrusted named location gets MFA', ctx: { ...interactive, ipAddress: '198.51.100.7' }, policies: [mfaUntrustedReg],
    result: 'interactionRequired', policyResults: { pol_mfa_reg: 'failure' }, traceIncludes: ['included by All'] },
  { name: 'unknown address gets MFA (matches only All)', ctx: { ...interactive, ipAddress: '' }, policies: [mfaUntrustedReg],
    result: 'interactionRequired' },
  { name: 'policy for another app does not apply', ctx: { ...interactive, appId: ADMIN_API_APP_ID, ipAddress: '198.51.100.7' }, policies: [mfaUntrustedReg],
    result: 'allow', policyResults: { pol_mfa_reg: 'notApplied' }, traceIncludes: ['is not in includeApplications'] },
  { name: "an 'All' apps policy does not reach the non-interactive login (as Entra at PRT issuance)", ctx: {}, policies: [mfaAllApps],
    result: 'allow', caStatus: 'notApplied', policyResults: { pol_all_apps: 'notApplied' }, traceIncludes: ["'All' covers interactive sign-ins only"] },
  { name: "an 'All' apps policy applies to interactive registration", ctx: interactive, policies: [mfaAllApps],
    result: 'interactionRequired', policyResults: { pol_all_apps: 'failure' }, entra: 50074, traceIncludes: ['all apps are included'] },
  { name: "an 'All' apps block still blocks interactive sign-ins", ctx: { ...interactive, ipAddress: '198.51.100.7' }, policies: [blockBranchAllApps],
    result: 'block', entra: 53003 },
  { name: 'block wins over satisfied MFA (53003)', ctx: { ipAddress: '198.51.100.7', authMethodsSatisfied: ['pwd', 'mfa'] }, policies: [mfaAll, blockBranch],
    result: 'block', caStatus: 'failure', policyResults: { pol_mfa_all: 'success', pol_block_branch: 'failure' }, entra: 53003,
    source: 'conditionalAccess:pol_block_branch' },
  { name: 'block wins over per-user MFA too', ctx: { ipAddress: '198.51.100.7', user: { perUserMfaState: 'enforced' } }, policies: [blockBranch],
    result: 'block', entra: 53003 },
  { name: 'report-only block is recorded, not enforced', ctx: {}, policies: [reportOnlyBlock],
    result: 'allow', caStatus: 'notApplied', policyResults: { pol_ro_block: 'reportOnlyFailure' }, traceIncludes: ['not enforced'] },
  { name: 'report-only MFA would interrupt', ctx: {}, policies: [reportOnlyMfa],
    result: 'allow', policyResults: { pol_ro_mfa: 'reportOnlyInterrupted' }, authReq: 'singleFactorAuthentication' },
  { name: 'report-only MFA satisfied', ctx: { authMethodsSatisfied: ['pwd', 'mfa'] }, policies: [reportOnlyMfa],
    result: 'allow', policyResults: { pol_ro_mfa: 'reportOnlySuccess' } },
  { name: 'report-only not applied', ctx: {}, policies: [reportOnlyMfaAdmin],
    result: 'allow', policyResults: { pol_ro_admin: 'reportOnlyNotApplied' } },
  { name: 'disabled policy is notEnabled', ctx: {}, policies: [disabled], result: 'allow', caStatus: 'notApplied', policyResults: { pol_off: 'notEnabled' } },
  { name: 'OR: compliant device satisfies without MFA', ctx: { device: { id: 'dev_1', state: 'registered', isCompliant: true } }, policies: [mfaOrCompliant],
    result: 'allow', policyResults: { pol_or: 'success' } },
  { name: 'OR: neither met asks for MFA', ctx: {}, policies: [mfaOrCompliant],
    result: 'interactionRequired', entra: 50076, traceIncludes: ['(or: compliantDevice)', 'grant operator OR over mfa, compliantDevice'] },
  { name: 'AND: MFA alone is not enough (53000)', ctx: { authMethodsSatisfied: ['pwd', 'mfa'] }, policies: [mfaAndCompliant],
    result: 'block', policyResults: { pol_and: 'failure' }, entra: 53000 },
  { name: 'AND: both met', ctx: { authMethodsSatisfied: ['pwd', 'mfa'], device: { id: 'd', state: 'registered', isCompliant: true } }, policies: [mfaAndCompliant],
    result: 'allow' },
  { name: 'revoked device is blocked', ctx: { device: { id: 'dev_1', state: 'revoked' } }, policies: [blockRevoked],
    result: 'block', traceIncludes: ['device state revoked, unattested: revoked is included'] },
  { name: 'registered device passes the revoked-device block', ctx: {}, policies: [blockRevoked], result: 'allow' },
  { name: 'unattested registered device is blocked by the attestation policy', ctx: { device: { id: 'dev_1', state: 'registered' } }, policies: [blockUnattested],
    result: 'block', entra: 53003, traceIncludes: ['device: dev_1 registered, unattested', 'device state registered, unattested: unattested is included'] },
  { name: 'attested device passes the attestation policy', ctx: { device: { id: 'dev_1', state: 'registered', isAttested: true } }, policies: [blockUnattested],
    result: 'allow', policyResults: { pol_unattested: 'notApplied' }, traceIncludes: ['device: dev_1 registered, attested', 'device state registered, attested: not in includeDeviceStates'] },
  { name: 'no device at all counts as unattested', ctx: { device: undefined }, policies: [blockUnattested], result: 'block', traceIncludes: ['none (unregistered, unattested)'] },
  { name: 'exclude attested: MFA for every device except attested ones', ctx: { device: { id: 'dev_1', state: 'registered', isAttested: true } }, policies: [mfaUnlessAttested],
    result: 'allow', policyResults: { pol_mfa_unattested: 'notApplied' }, traceIncludes: ['attested is excluded'] },
  { name: 'exclude attested still covers an unattested device', ctx: { device: { id: 'dev_1', state: 'registered' } }, policies: [mfaUnlessAttested],
    result: 'interactionRequired', entra: 50076 },
  { name: 'excluded app is not covered', ctx: { ...interactive, appId: ADMIN_API_APP_ID }, policies: [mfaExceptAdmin],
    result: 'allow', traceIncludes: ['OpenPSSO Admin API', 'excluded (excludeApplications)'] },
  { name: 'browser-only policy skips the Mac token endpoint', ctx: {}, policies: [mfaBrowserOnly],
    result: 'allow', policyResults: { pol_browser: 'notApplied' }, traceIncludes: ['client app type mobileAppsAndDesktopClients is not in clientAppTypes'] },
  { name: 'browser-only policy applies to sign-in pages', ctx: interactive, policies: [mfaBrowserOnly], result: 'interactionRequired' },
  { name: 'per-user MFA and CA both recorded; per-user is the source', ctx: { user: { perUserMfaState: 'enforced' } }, policies: [mfaAll],
    result: 'interactionRequired', source: 'perUserMfa', caStatus: 'failure' },
];

for (const c of cases) {
  test(`evaluateAccess: ${c.name}`, () => {
    const d = evaluateAccess(ctx(c.ctx), c.policies, LOCATIONS);
    const why = `\n${formatDecision(d)}`;
    assert.equal(d.result, c.result, why);
    if (c.caStatus !== undefined) assert.equal(d.conditionalAccessStatus, c.caStatus, why);
    if (c.entra !== undefined) assert.equal(d.entraErrorCode, c.entra, why);
    if (c.authReq !== undefined) assert.equal(d.authenticationRequirement, c.authReq, why);
    if (c.source !== undefined) assert.equal(d.authenticationRequirementSource, c.source, why);
    for (const [id, result] of Object.entries(c.policyResults ?? {})) {
      assert.equal(d.appliedConditionalAccessPolicies.find((p) => p.id === id)?.result, result, `${id}${why}`);
    }
    for (const s of c.traceIncludes ?? []) assert.ok(d.trace.some((l) => l.includes(s)), `trace lacks "${s}"${why}`);
  });
}

test('evaluateAccess: requirements carry their sources and report-only adds none', () => {
  const d = evaluateAccess(ctx({ user: { perUserMfaState: 'enforced' } }), [mfaAll, reportOnlyBlock], LOCATIONS);
  assert.deepEqual(d.requirements.map((r) => [r.kind, r.source.type, r.satisfied]), [['mfa', 'perUserMfa', false], ['mfa', 'conditionalAccess', false]]);
  assert.deepEqual(d.requirements[1]!.source, { type: 'conditionalAccess', policyId: 'pol_mfa_all', displayName: 'Require MFA for all users' });
});

test('evaluateAccess: appliedConditionalAccessPolicies is Graph-shaped', () => {
  const d = evaluateAccess(ctx({ ipAddress: '198.51.100.1' }), [mfaAll, blockBranch, disabled], LOCATIONS);
  assert.deepEqual(d.appliedConditionalAccessPolicies, [
    { id: 'pol_mfa_all', displayName: 'Require MFA for all users', enforcedGrantControls: ['Mfa'], enforcedSessionControls: [], result: 'failure' },
    { id: 'pol_block_branch', displayName: 'Block branch', enforcedGrantControls: ['Block'], enforcedSessionControls: [], result: 'failure' },
    { id: 'pol_off', displayName: 'pol_off', enforcedGrantControls: [], enforcedSessionControls: [], result: 'notEnabled' },
  ]);
});

test('evaluateAccess: is deterministic, so a logged context replays to the same decision', () => {
  const c = ctx({ ipAddress: '203.0.113.9', user: { perUserMfaState: 'enabled' } });
  const policies = [mfaAll, mfaUntrustedReg, reportOnlyMfa];
  assert.deepEqual(evaluateAccess(JSON.parse(JSON.stringify(c)), policies, LOCATIONS), evaluateAccess(c, policies, LOCATIONS));
});

test('formatDecision: readable what-if report', () => {
  const d = evaluateAccess(ctx({ user: { perUserMfaState: 'enforced' } }), [mfaAll, reportOnlyMfa], LOCATIONS);
  const text = formatDecision(d);
  assert.match(text, /^Result: INTERACTION REQUIRED \(Entra equivalent AADSTS50076\)/);
  assert.match(text, /cannot prompt \(non-interactive\)/);
  assert.match(text, /\[UNMET\] mfa from per-user MFA \(enforced\)/);
  assert.match(text, /reportOnlyInterrupted\s+pol_ro_mfa/);
  assert.match(text, /Trace:\n {2}sign-in: user usr_alice/);
  assert.equal(NOW, 1_800_000_000);
});
