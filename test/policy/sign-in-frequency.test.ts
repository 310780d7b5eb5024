// Sign-in frequency (session control) against a controllable clock: timeBased hours/days, everyTime with Entra's 5-minute skew.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluateAccess, type ConditionalAccessPolicy, type SignInFrequencySessionControl } from '../../src/policy/index.js';
import { ctx, LOCATIONS, NOW, policy } from './helpers.js';

function sifPolicy(sif: Partial<SignInFrequencySessionControl>, state: ConditionalAccessPolicy['state'] = 'enabled'): ConditionalAccessPolicy {
  return policy('pol_sif', {
    displayName: 'Sign-in frequency', state, grantControls: null,
    sessionControls: { signInFrequency: { isEnabled: true, frequencyInterval: 'timeBased', authenticationType: 'primaryAndSecondaryAuthentication', ...sif } },
  });
}

/** A clock the test moves; the refresh token's family keeps the original full sign-in time. */
function clock(start: number) {
  let now = start;
  return { now: () => now, advance: (s: number) => { now += s; } };
}

test('sign-in frequency 4 hours: refreshes pass until the credential is older, then 70043', () => {
  const c = clock(NOW);
  const signedInAt = c.now();
  const p = [sifPolicy({ type: 'hours', value: 4 })];
  const refresh = () => evaluateAccess(ctx({ lastFullAuthAt: signedInAt, now: c.now() }), p, LOCATIONS);

  assert.equal(refresh().result, 'allow');
  c.advance(4 * 3600 - 1);
  assert.equal(refresh().result, 'allow');
  assert.equal(refresh().appliedConditionalAccessPolicies[0]!.enforcedSessionControls[0], 'SignInFrequency');
  c.advance(1);
  assert.equal(refresh().result, 'allow', 'exactly at the limit still counts');
  c.advance(1);
  const late = refresh();
  assert.equal(late.result, 'interactionRequired');
  assert.equal(late.entraErrorCode, 70043);
  assert.equal(late.conditionalAccessStatus, 'failure');
  assert.equal(late.requirements[0]!.kind, 'reauth');
  assert.equal(late.authenticationRequirementSource, 'conditionalAccess:pol_sif');
  assert.equal(late.authenticationRequirement, 'singleFactorAuthentication');
  assert.ok(late.trace.some((l) => l.includes('last full authentication 4h ago, re-authentication required')), late.trace.join('\n'));

  // A full login (credential presented now) satisfies it again.
  assert.equal(evaluateAccess(ctx({ lastFullAuthAt: c.now(), now: c.now() }), p, LOCATIONS).result, 'allow');
});

test('sign-in frequency in days', () => {
  const p = [sifPolicy({ type: 'days', value: 7 })];
  assert.equal(evaluateAccess(ctx({ lastFullAuthAt: NOW - 7 * 86400, now: NOW }), p, LOCATIONS).result, 'allow');
  assert.equal(evaluateAccess(ctx({ lastFullAuthAt: NOW - 7 * 86400 - 1, now: NOW }), p, LOCATIONS).result, 'interactionRequired');
});

test('sign-in frequency everyTime tolerates five minutes, then requires re-authentication', () => {
  const c = clock(NOW);
  const at = c.now();
  const p = [sifPolicy({ frequencyInterval: 'everyTime', type: null, value: null })];
  c.advance(300);
  assert.equal(evaluateAccess(ctx({ lastFullAuthAt: at, now: c.now() }), p, LOCATIONS).result, 'allow');
  c.advance(1);
  assert.equal(evaluateAccess(ctx({ lastFullAuthAt: at, now: c.now() }), p, LOCATIONS).result, 'interactionRequired');
});

test('sign-in frequency without a recorded full sign-in requires one', () => {
  const d = evaluateAccess(ctx({ lastFullAuthAt: undefined }), [sifPolicy({ type: 'hours', value: 1 })], LOCATIONS);
  assert.equal(d.result, 'interactionRequired');
  assert.match(d.requirements[0]!.detail, /no full authentication on record/);
});

test('sign-in frequency in an interactive sign-in prompts rather than fails', () => {
  const d = evaluateAccess(ctx({ interactive: true, lastFullAuthAt: NOW - 86400 }), [sifPolicy({ type: 'hours', value: 1 })], LOCATIONS);
  assert.equal(d.result, 'interactionRequired');
  assert.ok(d.trace.at(-1)!.includes('prompt the user'));
});

test('sign-in frequency: report-only records interruption; disabled control is ignored', () => {
  const ro = evaluateAccess(ctx({ lastFullAuthAt: NOW - 86400 }), [sifPolicy({ type: 'hours', value: 1 }, 'enabledForReportingButNotEnforced')], LOCATIONS);
  assert.equal(ro.result, 'allow');
  assert.equal(ro.appliedConditionalAccessPolicies[0]!.result, 'reportOnlyInterrupted');
  const off = evaluateAccess(ctx({ lastFullAuthAt: NOW - 86400 }), [sifPolicy({ type: 'hours', value: 1, isEnabled: false })], LOCATIONS);
  assert.equal(off.result, 'allow');
  assert.equal(off.appliedConditionalAccessPolicies[0]!.result, 'success');
});
