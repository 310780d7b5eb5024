// The sign-in log $filter subset: parsing, matching rows, and errors with positions.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { matchesFilter, parseSignInFilter, SignInFilterError, type SignIn } from '../../src/policy/index.js';

function row(o: Partial<SignIn> = {}): SignIn {
  return {
    id: 'si_1', createdDateTime: '2026-03-10T12:00:00Z', userId: 'usr_alice', userPrincipalName: 'alice@example.com',
    userDisplayName: 'Alice', appId: '77a47347-de61-4957-ba33-aadeb4e8205a', appDisplayName: 'OpenPSSO Platform SSO',
    ipAddress: '203.0.113.5', clientAppUsed: 'Mobile Apps and Desktop clients', isInteractive: false, correlationId: 'c-1',
    status: { errorCode: 50076, failureReason: 'MFA required', additionalDetails: null },
    conditionalAccessStatus: 'notApplied', appliedConditionalAccessPolicies: [], authenticationRequirement: 'multiFactorAuthentication',
    authenticationRequirementSource: 'perUserMfa',
    deviceDetail: { deviceId: 'dev_1', displayName: 'Mac', operatingSystem: 'macOS', isCompliant: null, isManaged: true, trustType: 'AzureAD' },
    ...o,
  };
}

test('parses the Graph examples admins use', () => {
  assert.deepEqual(parseSignInFilter('status/errorCode eq 50076'), { kind: 'compare', field: 'status/errorCode', op: 'eq', value: 50076 });
  assert.deepEqual(parseSignInFilter("userPrincipalName eq 'a@contoso.com' and createdDateTime ge 2025-06-01T00:00:00Z"), {
    kind: 'and', operands: [
      { kind: 'compare', field: 'userPrincipalName', op: 'eq', value: 'a@contoso.com' },
      { kind: 'compare', field: 'createdDateTime', op: 'ge', value: '2025-06-01T00:00:00.000Z' },
    ],
  });
  assert.deepEqual(parseSignInFilter("conditionalAccessStatus eq 'failure'"), { kind: 'compare', field: 'conditionalAccessStatus', op: 'eq', value: 'failure' });
  assert.deepEqual(parseSignInFilter('isInteractive eq false'), { kind: 'compare', field: 'isInteractive', op: 'eq', value: false });
  assert.deepEqual(parseSignInFilter("userId eq 'usr_1'"), { kind: 'compare', field: 'userId', op: 'eq', value: 'usr_1' });
});

test("string literals unescape '' and keep spaces", () => {
  assert.deepEqual(parseSignInFilter("userPrincipalName eq 'o''brien@example.com'"), { kind: 'compare', field: 'userPrincipalName', op: 'eq', value: "o'brien@example.com" });
  assert.deepEqual(parseSignInFilter("appDisplayName eq 'Open PSSO '''"), { kind: 'compare', field: 'appDisplayName', op: 'eq', value: "Open PSSO '" });
});

test('and binds tighter than or; parentheses group; keywords are case-insensitive', () => {
  const ast = parseSignInFilter("status/errorCode eq 50076 or status/errorCode eq 50079 AND isInteractive eq false");
  assert.equal(ast.kind, 'or');
  assert.equal(ast.kind === 'or' && ast.operands[1]!.kind, 'and');
  const grouped = parseSignInFilter("(status/errorCode eq 50076 or status/errorCode eq 50079) and isInteractive eq false");
  assert.equal(grouped.kind, 'and');
  assert.equal(parseSignInFilter('STATUS/ERRORCODE EQ 0').kind, 'compare');
});

test('datetime comparisons: ge gt le lt, offsets and dates', () => {
  const r = row({ createdDateTime: '2026-03-10T12:00:00Z' });
  const m = (f: string) => matchesFilter(r, parseSignInFilter(f));
  assert.ok(m('createdDateTime ge 2026-03-10T12:00:00Z'));
  assert.ok(!m('createdDateTime gt 2026-03-10T12:00:00Z'));
  assert.ok(m('createdDateTime le 2026-03-10T12:00:00Z'));
  assert.ok(!m('createdDateTime lt 2026-03-10T12:00:00Z'));
  assert.ok(m('createdDateTime lt 2026-03-10T12:00:00.001Z'));
  assert.ok(m('createdDateTime eq 2026-03-10T13:00:00+01:00'), 'offsets are normalised');
  assert.ok(m('createdDateTime ge 2026-03-10'), 'a date means midnight UTC');
  assert.ok(m('createdDateTime ge 2026-03-01T00:00:00Z and createdDateTime lt 2026-04-01T00:00:00Z'));
});

test('matchesFilter: fields, case-insensitive strings, booleans, enums, or', () => {
  const r = row();
  const m = (f: string) => matchesFilter(r, parseSignInFilter(f));
  assert.ok(m('status/errorCode eq 50076'));
  assert.ok(!m('status/errorCode eq 50079'));
  assert.ok(m('status/errorCode ne 0'));
  assert.ok(m("userPrincipalName eq 'ALICE@example.com'"));
  assert.ok(m("appId eq '77A47347-DE61-4957-BA33-AADEB4E8205A'"));
  assert.ok(m('isInteractive eq false'));
  assert.ok(!m('isInteractive eq true'));
  assert.ok(m("conditionalAccessStatus eq 'notApplied'"));
  assert.ok(m("conditionalAccessStatus eq 'failure' or status/errorCode eq 50076"));
  assert.ok(!m("conditionalAccessStatus eq 'failure' and status/errorCode eq 50076"));
  assert.ok(m("authenticationRequirement eq 'multiFactorAuthentication'"));
  assert.ok(!matchesFilter(row({ createdDateTime: 'garbage' }), parseSignInFilter('createdDateTime ge 2020-01-01')));
});

const errors: [string, string, SignInFilterError['reason'], number, RegExp][] = [
  ['empty', '  ', 'syntax', 0, /empty filter/],
  ['unknown property', 'resourceId eq 1', 'unsupported', 0, /property 'resourceId' is not filterable; supported: status\/errorCode/],
  ['function', "startsWith(appDisplayName,'Graph')", 'unsupported', 0, /function startsWith\(\) is not supported/],
  ['any lambda', "signInEventTypes/any(t: t eq 'x')", 'unsupported', 0, /lambda operator signInEventTypes\/any\(\) is not supported/],
  ['not', 'not isInteractive eq true', 'unsupported', 0, /'not' is not supported/],
  ['in operator', "appId in ('a','b')", 'unsupported', 6, /operator 'in' is not supported/],
  ['missing operator', 'status/errorCode 50076', 'syntax', 17, /expected an operator/],
  ['ordering on strings', "userPrincipalName ge 'a'", 'unsupported', 18, /supports only eq, ne/],
  ['quoted number', "status/errorCode eq '50076'", 'invalid_value', 20, /integer like 50076/],
  ['quoted date', "createdDateTime ge '2026-01-01'", 'invalid_value', 19, /unquoted date-time/],
  ['bad date', 'createdDateTime ge 2026-13-45T00:00:00Z', 'invalid_value', 19, /valid date-time/],
  ['bad boolean', "isInteractive eq 'false'", 'invalid_value', 17, /true or false/],
  ['bad enum', "conditionalAccessStatus eq 'failed'", 'invalid_value', 27, /'success', 'failure', 'notApplied'/],
  ['unquoted string', 'userId eq usr_1', 'invalid_value', 10, /quoted string/],
  ['unterminated string', "userId eq 'usr_1", 'syntax', 10, /unterminated string/],
  ['dangling and', 'status/errorCode eq 50076 and', 'syntax', 29, /expected a property name, found the end/],
  ['missing paren', '(status/errorCode eq 50076', 'syntax', 26, /expected '\)'/],
  ['trailing junk', 'status/errorCode eq 50076 x', 'syntax', 26, /expected 'and', 'or' or the end/],
  ['bad character', 'status/errorCode eq 50076 & isInteractive eq true', 'syntax', 26, /unexpected character '&'/],
  ['too deep', `${'('.repeat(12)}isInteractive eq true${')'.repeat(12)}`, 'too_complex', 10, /nested deeper/],
  ['too long', `userId eq '${'x'.repeat(2000)}'`, 'too_complex', 2000, /longer than/],
];

for (const [name, filter, reason, position, message] of errors) {
  test(`parse error: ${name}`, () => {
    assert.throws(() => parseSignInFilter(filter), (e: unknown) => {
      assert.ok(e instanceof SignInFilterError, String(e));
      assert.equal(e.reason, reason, e.message);
      assert.equal(e.position, position, e.message);
      assert.match(e.detail, message);
      assert.match(e.message, new RegExp(`at position ${position}\\)$`));
      return true;
    });
  });
}

test('too many comparisons is refused', () => {
  const f = Array.from({ length: 41 }, (_, i) => `status/errorCode eq ${i}`).join(' or ');
  assert.throws(() => parseSignInFilter(f), (e: unknown) => e instanceof SignInFilterError && e.reason === 'too_complex');
});
