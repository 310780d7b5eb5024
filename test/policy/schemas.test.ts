// Zod validation of policy and named-location input: accepted Graph shapes, refused unsupported parts, issue paths.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConditionalAccessPolicyInput, parseNamedLocationInput, PLATFORM_SSO_APP_ID } from '../../src/policy/index.js';

const valid = {
  displayName: 'Require MFA for all users',
  state: 'enabledForReportingButNotEnforced',
  conditions: {
    users: { includeUsers: ['All'], excludeUsers: [], includeGroups: [], excludeGroups: ['grp_breakglass'], includeRoles: [], excludeRoles: [] },
    applications: { includeApplications: ['All'], excludeApplications: [PLATFORM_SSO_APP_ID], includeUserActions: [] },
    locations: { includeLocations: ['All'], excludeLocations: ['AllTrusted'] },
    clientAppTypes: ['all'],
    platforms: null,
    signInRiskLevels: [],
  },
  grantControls: { operator: 'OR', builtInControls: ['mfa'], customAuthenticationFactors: [], termsOfUse: [], authenticationStrength: null },
  sessionControls: null,
};

function issuesOf(input: unknown): Record<string, string> {
  const r = parseConditionalAccessPolicyInput(input);
  assert.equal(r.ok, false, 'expected validation to fail');
  return r.ok ? {} : Object.fromEntries(r.issues.map((i) => [i.path, i.message]));
}

const withPatch = (patch: (p: any) => void): unknown => {
  const p = structuredClone(valid) as any;
  patch(p);
  return p;
};

test('policy input: a Graph-shaped policy with empty Entra-only defaults is accepted and normalised', () => {
  const r = parseConditionalAccessPolicyInput(valid);
  assert.ok(r.ok, JSON.stringify(r));
  assert.deepEqual(r.value.conditions.users, { includeUsers: ['All'], excludeUsers: [], includeGroups: [], excludeGroups: ['grp_breakglass'] });
  assert.equal('platforms' in r.value.conditions, false, 'accepted empty defaults are dropped');
  assert.deepEqual(r.value.grantControls, { operator: 'OR', builtInControls: ['mfa'] });
  assert.equal(r.value.conditions.devices, null);
});

test('policy input: defaults for omitted lists and sign-in frequency', () => {
  const r = parseConditionalAccessPolicyInput({
    displayName: 'SIF', state: 'enabled', '@odata.type': '#microsoft.graph.conditionalAccessPolicy',
    conditions: { users: { includeGroups: ['grp_mac'] }, applications: { includeApplications: [PLATFORM_SSO_APP_ID] } },
    sessionControls: { signInFrequency: { isEnabled: true, type: 'hours', value: 12 } },
  });
  assert.ok(r.ok, JSON.stringify(r));
  assert.equal(r.value.grantControls, null);
  assert.deepEqual(r.value.sessionControls?.signInFrequency, {
    isEnabled: true, type: 'hours', value: 12, frequencyInterval: 'timeBased', authenticationType: 'primaryAndSecondaryAuthentication',
  });
  assert.deepEqual(r.value.conditions.users.includeUsers, []);
});

const refused: [string, (p: any) => void, string, RegExp][] = [
  ['missing name', (p) => { p.displayName = ' '; }, 'displayName', /needs a name/],
  ['bad state', (p) => { p.state = 'on'; }, 'state', /enabled/],
  ['roles', (p) => { p.conditions.users.includeRoles = ['62e90394-69f5-4237-9190-012177145e10']; }, 'conditions.users.includeRoles', /role/],
  ['no users', (p) => { p.conditions.users.includeUsers = []; }, 'conditions.users.includeUsers', /at least one user or group/],
  ['guests', (p) => { p.conditions.users.includeUsers = ['GuestsOrExternalUsers']; }, 'conditions.users.includeUsers[0]', /guest/],
  ['user actions with apps', (p) => { p.conditions.applications.includeUserActions = ['urn:apple:platformsso:auth:elevation']; }, 'conditions.applications.includeUserActions', /either apps or user actions/],
  ['Entra user action', (p) => { p.conditions.applications = { includeApplications: [], includeUserActions: ['urn:user:registerdevice'] }; }, 'conditions.applications.includeUserActions[0]', /Platform SSO authorization scopes/],
  ['no apps and no actions', (p) => { p.conditions.applications = { includeApplications: [], includeUserActions: [] }; }, 'conditions.applications.includeApplications', /or set includeUserActions/],
  ['Office365', (p) => { p.conditions.applications.includeApplications = ['Office365']; }, 'conditions.applications.includeApplications[0]', /Office365/],
  ['platforms', (p) => { p.conditions.platforms = { includePlatforms: ['macOS'] }; }, 'conditions.platforms', /platforms/],
  ['risk', (p) => { p.conditions.signInRiskLevels = ['high']; }, 'conditions.signInRiskLevels', /risk/],
  ['device filter', (p) => { p.conditions.devices = { includeDeviceStates: ['All'], deviceFilter: { mode: 'include', rule: 'x' } }; }, 'conditions.devices.deviceFilter', /includeDeviceStates/],
  ['bad device state', (p) => { p.conditions.devices = { includeDeviceStates: ['compliant'] }; }, 'conditions.devices.includeDeviceStates[0]', /.+/],
  ['unknown condition', (p) => { p.conditions.times = {}; }, 'conditions.times', /unknown field/],
  ['typo in users', (p) => { p.conditions.users.excludeUser = ['x']; }, 'conditions.users.excludeUser', /unknown field/],
  ['empty location include', (p) => { p.conditions.locations.includeLocations = []; }, 'conditions.locations.includeLocations', /at least one location/],
  ['unsupported control', (p) => { p.grantControls.builtInControls = ['mfa', 'passwordChange']; }, 'grantControls.builtInControls[1]', /supported controls/],
  ['block with mfa', (p) => { p.grantControls.builtInControls = ['block', 'mfa']; }, 'grantControls.builtInControls', /cannot be combined/],
  ['no controls at all', (p) => { p.grantControls = null; }, 'grantControls', /grant controls/],
  ['auth strength', (p) => { p.grantControls.authenticationStrength = { id: '00000000-0000-0000-0000-000000000002' }; }, 'grantControls.authenticationStrength', /use 'mfa'/],
  ['sif without value', (p) => { p.sessionControls = { signInFrequency: { isEnabled: true, type: 'hours' } }; }, 'sessionControls.signInFrequency.value', /needs a value/],
  ['sif too many hours', (p) => { p.sessionControls = { signInFrequency: { isEnabled: true, type: 'hours', value: 48 } }; }, 'sessionControls.signInFrequency.value', /24 hours/],
  ['sif secondary only', (p) => { p.sessionControls = { signInFrequency: { isEnabled: true, frequencyInterval: 'everyTime', authenticationType: 'secondaryAuthentication' } }; }, 'sessionControls.signInFrequency.authenticationType', /primaryAndSecondary/],
];

for (const [name, patch, path, message] of refused) {
  test(`policy input refused: ${name} at ${path}`, () => {
    const issues = issuesOf(withPatch(patch));
    assert.ok(path in issues, `no issue at ${path}: ${JSON.stringify(issues)}`);
    assert.match(issues[path]!, message);
  });
}

test('named location: valid IPv4 and IPv6 ranges', () => {
  const r = parseNamedLocationInput({
    '@odata.type': '#microsoft.graph.ipNamedLocation', displayName: 'HQ', isTrusted: true,
    ipRanges: [
      { '@odata.type': '#microsoft.graph.iPv4CidrRange', cidrAddress: '203.0.113.0/24' },
      { '@odata.type': '#microsoft.graph.iPv6CidrRange', cidrAddress: '2001:db8::/48' },
    ],
  });
  assert.ok(r.ok, JSON.stringify(r));
  assert.equal(r.value.ipRanges.length, 2);
  assert.equal(r.value['@odata.type'], '#microsoft.graph.ipNamedLocation');
});

test('named location: refused inputs point at the field', () => {
  const r = parseNamedLocationInput({
    displayName: '', ipRanges: [
      { '@odata.type': '#microsoft.graph.iPv4CidrRange', cidrAddress: '203.0.113.7/24' },
      { '@odata.type': '#microsoft.graph.iPv6CidrRange', cidrAddress: '10.0.0.0/8' },
      { '@odata.type': '#microsoft.graph.iPv4CidrRange', cidrAddress: 'HQ' },
    ],
  });
  assert.equal(r.ok, false);
  const issues = r.ok ? {} : Object.fromEntries(r.issues.map((i) => [i.path, i.message]));
  assert.match(issues['displayName']!, /needs a name/);
  assert.match(issues['ipRanges[0].cidrAddress']!, /host bits set/);
  assert.match(issues['ipRanges[1].cidrAddress']!, /IPv4 range under @odata.type for IPv6/);
  assert.match(issues['ipRanges[2].cidrAddress']!, /not a CIDR range/);
  const country = parseNamedLocationInput({ '@odata.type': '#microsoft.graph.countryNamedLocation', displayName: 'US', ipRanges: [] });
  assert.equal(country.ok, false);
  assert.ok(!country.ok && country.issues.some((i) => i.path === '@odata.type' && /country/.test(i.message)));
});

test('policy input: attested and unattested are device states (docs/attestation.md)', () => {
  const r = parseConditionalAccessPolicyInput(withPatch((p) => { p.conditions.devices = { includeDeviceStates: ['unattested'], excludeDeviceStates: ['revoked'] }; }));
  assert.ok(r.ok, JSON.stringify(r));
  assert.deepEqual(r.value.conditions.devices, { includeDeviceStates: ['unattested'], excludeDeviceStates: ['revoked'] });
  const ex = parseConditionalAccessPolicyInput(withPatch((p) => { p.conditions.devices = { includeDeviceStates: ['All'], excludeDeviceStates: ['attested'] }; }));
  assert.ok(ex.ok, JSON.stringify(ex));
  assert.ok('conditions.devices.includeDeviceStates[0]' in issuesOf(withPatch((p) => { p.conditions.devices = { includeDeviceStates: ['attestedd'] }; })));
});
