// Server refusals in plain words: code, message and remediation, with 401 (credential) told apart from other refusals.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { refusalError } from '../../src/mac/errors.js';

const body = (code: string, d: string, r: string) => JSON.stringify({
  error: 'invalid_grant', error_description: d, error_code: code, error_codes: [Number(code.slice(5))], remediation: r, correlation_id: 'C1', timestamp: 't',
});

test('401: a credential problem, with code, message and what to do', () => {
  const e = refusalError('login', 401, body('OPSSO1201', 'Incorrect username or password.', 'Type the password of your organisation account.'));
  assert.equal(e.kind, 'credential');
  assert.equal(e.code, 'OPSSO1201');
  assert.equal(e.message, 'The server refused the login because the credential is not accepted (HTTP 401): OPSSO1201 Incorrect username or password. What to do: Type the password of your organisation account. (correlation id C1)');
});

test('400: a refusal that is not about the password', () => {
  const e = refusalError('refresh', 400, body('OPSSO1102', 'This Mac has been revoked by an administrator.', 'Re-register the device.'));
  assert.equal(e.kind, 'refused');
  assert.equal(e.status, 400);
  assert.match(e.message, /^The server refused the refresh \(HTTP 400; not a password problem\): OPSSO1102 This Mac has been revoked/);
  assert.match(e.message, /What to do: Re-register the device\./);
});

test('other servers: OAuth error only, or no JSON at all', () => {
  assert.match(refusalError('login', 400, '{"error":"invalid_request"}').message, /HTTP 400; not a password problem\): invalid_request/);
  const e = refusalError('login', 502, '<html>Bad gateway</html>');
  assert.equal(e.body, undefined);
  assert.match(e.message, /HTTP 502.*Bad gateway/);
});

test('a policy refusal shows the user action first and the admin remediation after it', () => {
  const text = JSON.stringify({
    error: 'interaction_required', error_code: 'OPSSO1701', error_description: 'Multi-factor authentication is required for this sign-in. (required by per-user MFA (enforced))',
    user_action: 'Sign in once in the browser sign-in page.', remediation: 'Move MFA to conditional access.', correlation_id: 'C9',
  });
  const e = refusalError('user registration', 400, text);
  assert.equal(e.kind, 'refused');
  assert.equal(e.code, 'OPSSO1701');
  assert.match(e.message, /not a password problem\): OPSSO1701 Multi-factor authentication is required .*per-user MFA \(enforced\)\)\. What you can do: Sign in once in the browser sign-in page\. For your IT admin: Move MFA to conditional access\. \(correlation id C9\)$/);
});
