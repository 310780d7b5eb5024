// Conditional access by Platform SSO authorization scope (Graph includeUserActions, issue 9 item 4):
// MFA for elevation only, app policies unchanged by the scope, registered app names in traces, and
// policies refused when they name an app id nobody registered.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  APPLE_USER_ACTIONS, applicationReferenceIssues, evaluateAccess, parseConditionalAccessPolicyInput, policiesUsingApplication, PLATFORM_SSO_APP_ID,
} from '../../src/policy/index.js';
import { ctx, policy } from './helpers.js';

const ELEVATION = 'urn:apple:platformsso:auth:elevation';
const LOGIN = 'urn:apple:platformsso:auth:login';
const mfaForElevation = policy('pol_elev', { displayName: 'MFA for elevation only', conditions: { applications: { includeApplications: [], includeUserActions: [ELEVATION] } } });

test('MFA for elevation only: an elevation prompt needs MFA, a login does not, a request without a scope is not concerned', () => {
  const elevation = evaluateAccess(ctx({ userAction: ELEVATION }), [mfaForElevation], []);
  assert.equal(elevation.result, 'interactionRequired');
  assert.equal(elevation.conditionalAccessStatus, 'failure');
  assert.equal(elevation.entraErrorCode, 50076);
  assert.ok(elevation.trace.some((l) => l.includes(`user action ${ELEVATION} is included (includeUserActions`)), elevation.trace.join('\n'));
  assert.ok(elevation.trace[0]!.includes(`user action ${ELEVATION}`));

  const login = evaluateAccess(ctx({ userAction: LOGIN }), [mfaForElevation], []);
  assert.equal(login.result, 'allow');
  assert.equal(login.appliedConditionalAccessPolicies[0]!.result, 'notApplied');
  assert.ok(login.trace.some((l) => l.includes(`user action ${LOGIN} is not in includeUserActions`)), login.trace.join('\n'));

  // Older Macs and extensions that do not opt in send no scope: the policy does not apply.
  const none = evaluateAccess(ctx(), [mfaForElevation], []);
  assert.equal(none.result, 'allow');
  assert.ok(none.trace.some((l) => l.includes('carries no user action')), none.trace.join('\n'));

  const withMfa = evaluateAccess(ctx({ userAction: ELEVATION, authMethodsSatisfied: ['pwd', 'mfa'] }), [mfaForElevation], []);
  assert.equal(withMfa.result, 'allow');
  assert.equal(withMfa.conditionalAccessStatus, 'success');
});

test('a user-action policy applies whatever the app and interactivity; app policies ignore the scope', () => {
  assert.equal(evaluateAccess(ctx({ userAction: ELEVATION, interactive: true, appId: '6a1f2b3c-0000-4000-8000-000000000001' }), [mfaForElevation], []).result, 'interactionRequired');
  const allApps = policy('pol_all', { conditions: { applications: { includeApplications: ['All'] } } });
  // 'All' still covers interactive sign-ins only, with or without a scope.
  assert.equal(evaluateAccess(ctx({ userAction: LOGIN, interactive: true }), [allApps], []).result, 'interactionRequired');
  assert.equal(evaluateAccess(ctx({ userAction: LOGIN }), [allApps], []).result, 'allow');
  const named = policy('pol_psso', { conditions: { applications: { includeApplications: [PLATFORM_SSO_APP_ID] } } });
  assert.equal(evaluateAccess(ctx({ userAction: ELEVATION }), [named], []).result, 'interactionRequired');
});

test('a registered app is named in the trace by the name the caller passes, and matched case-insensitively', () => {
  const appId = '6a1f2b3c-0000-4000-8000-00000000abcd';
  const p = policy('pol_wiki', { conditions: { applications: { includeApplications: [appId.toUpperCase()] } } });
  const d = evaluateAccess(ctx({ appId, appDisplayName: 'Team Wiki', interactive: true }), [p], []);
  assert.equal(d.result, 'interactionRequired');
  assert.ok(d.trace[0]!.includes('app Team Wiki'), d.trace[0]);
  assert.ok(d.trace.some((l) => l.includes(`app Team Wiki (${appId}) is included`)), d.trace.join('\n'));
});

test('includeUserActions parses alone, de-duplicated; every macOS 27 scope is accepted', () => {
  const r = parseConditionalAccessPolicyInput({
    displayName: 'x', state: 'enabled', grantControls: { operator: 'OR', builtInControls: ['mfa'] },
    conditions: { users: { includeUsers: ['All'] }, applications: { includeApplications: [], includeUserActions: [...APPLE_USER_ACTIONS, ELEVATION] } },
  });
  assert.ok(r.ok, JSON.stringify(r));
  assert.deepEqual(r.value.conditions.applications, { includeApplications: [], excludeApplications: [], includeUserActions: APPLE_USER_ACTIONS });
  assert.equal(APPLE_USER_ACTIONS.length, 10);
  // Without user actions the stored shape is as before (no empty includeUserActions key).
  const plain = parseConditionalAccessPolicyInput({ displayName: 'y', state: 'enabled', grantControls: { operator: 'OR', builtInControls: ['mfa'] }, conditions: { users: { includeUsers: ['All'] }, applications: { includeApplications: ['All'] } } });
  assert.ok(plain.ok);
  assert.deepEqual(Object.keys(plain.value.conditions.applications), ['includeApplications', 'excludeApplications']);
});

test('unknown app ids are refused with the nearest registered app; known ones pass', () => {
  const wiki = { appId: '6a1f2b3c-1111-4000-8000-000000000001', displayName: 'Team Wiki' };
  const crm = { appId: '0b0b0b0b-2222-4000-8000-000000000002', displayName: 'CRM' };
  const withApps = (include: string[], exclude: string[] = []) => ({ conditions: { ...policy('p').conditions, applications: { includeApplications: include, excludeApplications: exclude } } });
  assert.deepEqual(applicationReferenceIssues(withApps(['All', wiki.appId.toUpperCase(), PLATFORM_SSO_APP_ID], [crm.appId]), [wiki, crm]), []);
  const typo = applicationReferenceIssues(withApps([wiki.appId.replace('1111', '1112')]), [wiki, crm]);
  assert.equal(typo.length, 1);
  assert.equal(typo[0]!.path, 'conditions.applications.includeApplications[0]');
  assert.match(typo[0]!.message, /did you mean "Team Wiki" \(6a1f2b3c-1111/);
  assert.match(applicationReferenceIssues(withApps(['All'], ['team wiki']), [wiki, crm])[0]!.message, /did you mean "Team Wiki"/);
  assert.match(applicationReferenceIssues(withApps(['ffffffff-ffff-4fff-8fff-ffffffffffff']), [wiki, crm])[0]!.message, /registered apps: "Team Wiki".*"CRM"/);
  assert.match(applicationReferenceIssues(withApps(['ffffffff-ffff-4fff-8fff-ffffffffffff']), [])[0]!.message, /no apps are registered/);
});

test('policiesUsingApplication finds includes and excludes, case-insensitively', () => {
  const id = '6a1f2b3c-1111-4000-8000-000000000001';
  const a = policy('a', { conditions: { applications: { includeApplications: [id.toUpperCase()] } } });
  const b = policy('b', { conditions: { applications: { includeApplications: ['All'], excludeApplications: [id] } } });
  const c = policy('c');
  assert.deepEqual(policiesUsingApplication(id, [a, b, c]).map((p) => p.id), ['a', 'b']);
});
