// Gives the OpenID Provider's OAuth errors (RFC 6749 §5.2, OpenID Connect Core §3.1.2.6) their
// catalogue entry: the same error and error_description, plus OpenPSSO's code, remediation and
// correlation id, like every other endpoint's error body.

import type { CatalogueEntry } from '../../errors/catalogue.js';
import { lookupError, formatCode } from '../../errors/catalogue.js';

const BY_OAUTH_ERROR: Record<string, string> = {
  invalid_client: 'oidc_invalid_client',
  invalid_grant: 'oidc_invalid_grant',
  invalid_request: 'oidc_invalid_request',
  unauthorized_client: 'oidc_unauthorized_client',
  invalid_scope: 'oidc_invalid_scope',
  invalid_token: 'oidc_invalid_token',
  login_required: 'oidc_login_required',
  interaction_required: 'oidc_interaction_required',
  consent_required: 'oidc_interaction_required',
  access_denied: 'oidc_access_denied',
  unsupported_grant_type: 'oidc_unsupported_grant_type',
  unsupported_response_type: 'oidc_unsupported_response_type',
  server_error: 'internal_error',
};

/** The catalogue entry for an OAuth error oidc-provider produced. */
export function entryForOAuthError(error: string, description = ''): CatalogueEntry {
  if (error === 'invalid_redirect_uri' || (error === 'invalid_request' && /redirect_uri/.test(description))) return lookupError('oidc_redirect_uri_mismatch')!;
  return lookupError(BY_OAUTH_ERROR[error] ?? 'oidc_request_failed')!;
}

/** The catalogue fields added to an OAuth JSON error body (error and error_description stay as they are). */
export function catalogueFields(error: string, description: string, correlationId: string, now: Date): Record<string, unknown> {
  const e = entryForOAuthError(error, description);
  return {
    error_code: formatCode(e),
    error_codes: e.entra !== undefined ? [e.code, e.entra] : [e.code],
    remediation: e.remediation,
    correlation_id: correlationId,
    timestamp: now.toISOString(),
  };
}
