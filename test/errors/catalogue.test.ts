// The error catalogue: unique codes, only credentials are 401, and docs/errors.md is in step.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { catalogue, lookupError } from '../../src/errors/catalogue.js';
import { renderErrorDocs } from '../../src/errors/render-docs.js';
import { PssoError, errorBody } from '../../src/errors/psso-error.js';

describe('error catalogue', () => {
  it('codes and names are unique', () => {
    const entries = [...catalogue.values()];
    assert.equal(new Set(entries.map((e) => e.code)).size, entries.length);
    assert.equal(new Set(entries.map((e) => e.name)).size, entries.length);
  });

  it('only credential failures and unauthenticated API calls are 401', () => {
    const allowed = new Set(['invalid_credentials', 'user_disabled', 'assertion_invalid', 'certificate_untrusted',
      'bearer_token_invalid', 'registration_unauthorized', 'registration_token_expired', 'admin_unauthorized', 'malformed_client_credentials',
      'mfa_required_interactive', 'mfa_enrollment_required_interactive', 'mfa_failed',
      // The OpenID Provider's client and bearer token failures (RFC 6749 §5.2, RFC 6750 §3.1).
      'oidc_invalid_client', 'oidc_invalid_token',
      // UiO enrolment without, or with a bad, user access token (an unauthenticated registration call).
      'uio_credential_missing', 'uio_access_token_invalid']);
    // Policy refusals at the token endpoint must never look like a wrong password.
    for (const name of ['mfa_required', 'mfa_registration_required', 'blocked_by_conditional_access', 'reauthentication_required']) {
      assert.equal(catalogue.get(name as never)?.status, 400, name);
      assert.notEqual(catalogue.get(name as never)?.oauthError, 'invalid_grant', name);
    }
    for (const e of catalogue.values()) if (e.status === 401) assert.ok(allowed.has(e.name), `${e.name} must not be 401`);
    // Locked, throttled or busy says nothing about the password: a Mac must not re-prompt for it.
    for (const name of ['user_locked', 'sign_in_throttled', 'server_busy']) assert.notEqual(catalogue.get(name as never)?.status, 401, name);
    for (const name of ['unknown_device', 'device_revoked', 'nonce_replayed', 'bad_signature', 'refresh_token_invalid', 'refresh_token_reused',
      'request_expired', 'request_too_old', 'request_lifetime_too_long', 'request_times_inverted', 'request_issued_in_future']) {
      assert.equal(catalogue.get(name as never)?.status, 400, name);
    }
  });

  it('every entry has a message and a remediation', () => {
    for (const e of catalogue.values()) assert.ok(e.message.length > 10 && e.remediation.length > 10, e.name);
  });

  it('looks codes up by OPSSO code, number, name and Entra number', () => {
    assert.equal(lookupError('OPSSO1108')?.name, 'nonce_replayed');
    assert.equal(lookupError('1108')?.name, 'nonce_replayed');
    assert.equal(lookupError('nonce_replayed')?.code, 1108);
    assert.equal(lookupError(50126)?.name, 'invalid_credentials');
    assert.equal(lookupError('nope'), undefined);
  });

  it('error bodies carry code, correlation id and timestamp', () => {
    const b = errorBody(new PssoError('nonce_replayed', 'x'), 'CID', new Date(0));
    assert.deepEqual(b.error_codes, [1108, 50008]);
    assert.equal(b.error_code, 'OPSSO1108');
    assert.equal(b.correlation_id, 'CID');
    assert.equal(b.timestamp, '1970-01-01T00:00:00.000Z');
  });

  it('docs/errors.md is generated from the catalogue (run npm run docs:errors)', () => {
    assert.equal(readFileSync('docs/errors.md', 'utf8'), renderErrorDocs());
  });
});
