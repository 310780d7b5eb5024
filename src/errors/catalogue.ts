// The one error catalogue: every error the server, CLI and virtual Mac can report, with its wire
// status, OAuth `error`, audience, message, remediation and, where one exists, the Entra AADSTS
// number admins already know. Codes are stable and never reused (architecture.md, "Errors").

export type Audience = 'user' | 'admin' | 'developer';

export interface CatalogueEntry {
  /** Stable numeric code; shown as `OPSSO<code>` and stored in sign-in logs as status.errorCode. */
  readonly code: number;
  /** Short machine name, snake_case. */
  readonly name: string;
  /** HTTP status. Only a bad credential is 401 (a Mac re-prompts for the password on 401). */
  readonly status: 400 | 401 | 403 | 404 | 409 | 413 | 415 | 429 | 500 | 503;
  /** OAuth 2.0 `error` value for the JSON body. */
  readonly oauthError: string;
  readonly audience: Audience;
  readonly message: string;
  readonly remediation: string;
  /** Equivalent Microsoft Entra AADSTS error number, if there is one. */
  readonly entra?: number;
  /** What the user can do, when `remediation` is addressed to the admin. */
  readonly userAction?: string;
}

const entries = [
  // 1000-1099: transport and request shape
  { code: 1001, name: 'malformed_request', status: 400, oauthError: 'invalid_request', audience: 'developer',
    message: 'The request body is not a valid form or lacks a required field.',
    remediation: 'Send application/x-www-form-urlencoded with grant_type and assertion (or request).', entra: 90014 },
  { code: 1002, name: 'unsupported_content_type', status: 400, oauthError: 'invalid_request', audience: 'developer',
    message: 'This endpoint does not accept that content type.',
    remediation: 'Use the content type documented for the endpoint (form-urlencoded for PSSO requests, JSON for the registration API).' },
  { code: 1003, name: 'body_too_large', status: 400, oauthError: 'invalid_request', audience: 'developer',
    message: 'The request body is larger than 64 KiB.',
    remediation: 'PSSO requests are a few kilobytes; check what the client is sending.' },
  { code: 1004, name: 'malformed_jws', status: 400, oauthError: 'invalid_request', audience: 'developer',
    message: 'The signed request is not a well-formed compact JWS (segments, base64url or JSON).',
    remediation: 'Inspect the request with `openpsso inspect`; the header and claims must be base64url-encoded JSON.', entra: 50012 },
  { code: 1005, name: 'unsupported_algorithm', status: 400, oauthError: 'invalid_request', audience: 'developer',
    message: 'The request is signed with an algorithm other than ES256.',
    remediation: 'Platform SSO device requests are always ES256; alg none and HMAC algorithms are refused.', entra: 50012 },
  { code: 1006, name: 'unsupported_grant_type', status: 400, oauthError: 'unsupported_grant_type', audience: 'developer',
    message: 'The grant type is not supported by this endpoint.',
    remediation: 'Use grant_type=srv_challenge for a nonce and urn:ietf:params:oauth:grant-type:jwt-bearer for PSSO requests.', entra: 70003 },
  { code: 1007, name: 'not_found', status: 404, oauthError: 'not_found', audience: 'developer',
    message: 'No such endpoint.', remediation: 'Check the URL against /.well-known/openid-configuration.' },
  { code: 1009, name: 'malformed_url', status: 400, oauthError: 'invalid_request', audience: 'developer',
    message: 'The URL cannot be routed (bad percent-encoding or a path segment over 1000 characters).',
    remediation: 'Check how the client builds the URL; ids and user principal names must be percent-encoded.' },
  { code: 1010, name: 'unrepresentable_input', status: 400, oauthError: 'invalid_request', audience: 'developer',
    message: 'The request contains a NUL character, a lone UTF-16 surrogate or bytes that are not UTF-8; no field accepts them.',
    remediation: 'Send text as UTF-8 without control character U+0000; the error names the part of the request (URL, query, header or body field).' },
  { code: 1011, name: 'malformed_client_credentials', status: 401, oauthError: 'invalid_client', audience: 'developer',
    message: 'The HTTP Basic client credentials cannot be read (bad base64, no colon, bad %-escapes or characters no client id has).',
    remediation: 'Send Authorization: Basic base64(urlencode(client_id) ":" urlencode(client_secret)) as RFC 6749 section 2.3.1 describes.' },
  { code: 1012, name: 'value_not_storable', status: 400, oauthError: 'invalid_request', audience: 'developer',
    message: 'A value in the request cannot be stored (wrong type, out of range or too long for its field).',
    remediation: 'Check the request against the API reference; the correlation id finds the refused value in the server log.' },
  { code: 1008, name: 'rate_limited', status: 429, oauthError: 'slow_down', audience: 'user',
    message: 'Too many requests. Wait a moment and try again.', remediation: 'If this persists, an admin can check the rate limits in the configuration.' },

  // 1100-1199: device identity and request verification
  { code: 1101, name: 'unknown_device', status: 400, oauthError: 'invalid_client', audience: 'admin',
    message: 'This Mac is not registered with OpenPSSO (its signing key id is unknown).',
    remediation: 'Register the device again (System Settings > Users & Groups > Repair, or `openpsso mac register`).', entra: 700003 },
  { code: 1102, name: 'device_revoked', status: 400, oauthError: 'invalid_client', audience: 'admin',
    message: 'This Mac has been revoked by an administrator.',
    remediation: 'Re-register the device if the revocation was a mistake; all its tokens were ended.', entra: 135011 },
  { code: 1103, name: 'bad_signature', status: 400, oauthError: 'invalid_request', audience: 'developer',
    message: 'The request signature does not verify with the registered device signing key.',
    remediation: 'The device keys changed without re-registration; repair the device registration.', entra: 50012 },
  { code: 1104, name: 'request_expired', status: 400, oauthError: 'invalid_request', audience: 'developer',
    message: 'The request has expired (its exp is in the past, beyond the allowed clock skew).',
    remediation: "Check the Mac's clock (System Settings > General > Date & Time); a Mac's request is valid for 5 minutes. Skew: tokens.clockSkewSeconds.", entra: 700024 },
  { code: 1105, name: 'missing_claim', status: 400, oauthError: 'invalid_request', audience: 'developer',
    message: 'A required claim is missing or has the wrong type.', remediation: 'See the reference for the claims of each request type.', entra: 90014 },
  { code: 1106, name: 'nonce_unknown', status: 400, oauthError: 'invalid_grant', audience: 'developer',
    message: 'The server nonce (request_nonce) was not issued by this server.',
    remediation: 'Fetch a nonce with grant_type=srv_challenge immediately before the request.', entra: 50008 },
  { code: 1107, name: 'nonce_expired', status: 400, oauthError: 'invalid_grant', audience: 'developer',
    message: 'The server nonce has expired.', remediation: 'Fetch a fresh nonce; nonces live a short time.', entra: 50008 },
  { code: 1108, name: 'nonce_replayed', status: 400, oauthError: 'invalid_grant', audience: 'developer',
    message: 'The server nonce was already used.', remediation: 'Each nonce is single use; fetch a new one per request.', entra: 50008 },
  { code: 1109, name: 'wrong_client', status: 400, oauthError: 'invalid_client', audience: 'admin',
    message: 'The request iss/client_id does not match the configured client id.',
    remediation: 'Set the SSO extension client id to the value shown by `openpsso config check` (clientId).', entra: 700016 },
  { code: 1110, name: 'wrong_audience', status: 400, oauthError: 'invalid_request', audience: 'admin',
    message: 'The request aud does not match this token endpoint URL.',
    remediation: 'Configure tokenEndpointURL exactly as the issuer publishes it (scheme, host, port and path).', entra: 50128 },
  { code: 1111, name: 'missing_scope', status: 400, oauthError: 'invalid_scope', audience: 'developer',
    message: 'The request scope must contain openid and urn:apple:platformsso.', remediation: 'Do not remove the default scopes.', entra: 70011 },
  { code: 1112, name: 'unsupported_jwe_crypto', status: 400, oauthError: 'invalid_request', audience: 'developer',
    message: 'jwe_crypto must ask for ECDH-ES with A256GCM.', remediation: 'Use the default encryption algorithm (ECDHE-A256GCM).' },
  { code: 1113, name: 'apv_mismatch', status: 400, oauthError: 'invalid_request', audience: 'developer',
    message: "jwe_crypto.apv does not name this device's encryption key and the request nonce.",
    remediation: 'The device encryption key changed without re-registration; repair the device registration.' },
  { code: 1114, name: 'malformed_base64', status: 400, oauthError: 'invalid_request', audience: 'developer',
    message: 'A value that must be base64 or base64url could not be decoded.', remediation: 'Check the encoding of keys and tokens.' },
  { code: 1115, name: 'malformed_assertion', status: 400, oauthError: 'invalid_request', audience: 'developer',
    message: 'The embedded assertion is malformed (not a JWS/JWE, wrong type or algorithm).',
    remediation: 'Inspect it with `openpsso inspect`.' },
  // 1116-1119: request times, one code per cause so the sign-in log tells a Mac's clock from a client's bug.
  // No Entra number on these: the log's errorCode would then be 700024 for all of them and hide which.
  { code: 1116, name: 'request_too_old', status: 400, oauthError: 'invalid_request', audience: 'admin',
    message: 'The request was issued too long ago (iat is older than the maximum request age plus the clock skew).',
    remediation: "Check that the Mac's clock is not behind (System Settings > General > Date & Time). A request replayed later looks the same. Limits: tokens.maxRequestAgeSeconds, tokens.clockSkewSeconds." },
  { code: 1117, name: 'request_lifetime_too_long', status: 400, oauthError: 'invalid_request', audience: 'developer',
    message: 'The request is valid for too long (exp - iat is above the maximum request lifetime).',
    remediation: 'Macs send exp = iat + 300 s; check what built this request (`openpsso inspect`). Limit: tokens.maxRequestLifetimeSeconds.' },
  { code: 1118, name: 'request_times_inverted', status: 400, oauthError: 'invalid_request', audience: 'developer',
    message: 'The request exp is not after its iat.',
    remediation: 'exp must be later than iat (a Mac sends exp = iat + 300 s); check what built this request (`openpsso inspect`).' },
  { code: 1119, name: 'request_issued_in_future', status: 400, oauthError: 'invalid_request', audience: 'admin',
    message: 'The request was issued in the future (iat is ahead of the server clock by more than the clock skew).',
    remediation: "Check that the Mac's clock is not ahead (System Settings > General > Date & Time, set automatically) and that the server's clock is synchronised (NTP). Skew: tokens.clockSkewSeconds." },

  // 1200-1299: credentials (the only 401s)
  { code: 1201, name: 'invalid_credentials', status: 401, oauthError: 'invalid_grant', audience: 'user',
    message: 'Incorrect username or password.', remediation: 'Type the password of your organisation account. An admin can reset it with `openpsso user set-password`.', entra: 50126 },
  { code: 1202, name: 'user_disabled', status: 401, oauthError: 'invalid_grant', audience: 'user',
    message: 'Your account is disabled.', remediation: 'Ask your administrator to enable the account.', entra: 50057 },
  { code: 1203, name: 'assertion_invalid', status: 401, oauthError: 'invalid_grant', audience: 'user',
    message: 'The sign-in key or smart card could not be verified for this user.',
    remediation: 'Register this user on this Mac again (Secure Enclave key) or check the smart card certificate mapping.', entra: 50155 },
  { code: 1204, name: 'certificate_untrusted', status: 401, oauthError: 'invalid_grant', audience: 'admin',
    message: 'The smart card certificate does not chain to a trusted certificate authority or is outside its validity.',
    remediation: 'Add the issuing CA to smartCard.trustedCaFiles in the configuration.', entra: 500181 },
  // Not 401: the password may well be right, and a Mac re-prompts for it on 401 (see the status rules).
  { code: 1205, name: 'user_locked', status: 400, oauthError: 'invalid_grant', audience: 'user',
    message: 'Your account is temporarily locked after too many failed sign-ins.',
    remediation: 'Wait until the time given and try again, or ask an administrator to unlock the account (`openpsso user unlock`). Repeated locks last longer each time; the sign-in logs show where the failures came from.',
    userAction: 'Wait until the time shown, then sign in again. At a Mac\'s login window your local password still opens the session.', entra: 50053 },
  { code: 1206, name: 'sign_in_throttled', status: 400, oauthError: 'invalid_grant', audience: 'user',
    message: 'Too many sign-in attempts from this device or network; wait a moment and try again.',
    remediation: 'The sign-in logs show the address and account behind the attempts (status/errorCode eq 50196). Limits are credentialGuard.perAddress and perAccount in the configuration.',
    userAction: 'Wait for the number of seconds shown, then sign in again.', entra: 50196 },
  { code: 1207, name: 'server_busy', status: 503, oauthError: 'temporarily_unavailable', audience: 'user',
    message: 'The server is busy checking passwords; try again in a moment.',
    remediation: 'Password checks are bounded (credentialGuard.passwordConcurrency and passwordQueueLimit). If this persists without an attack in the sign-in logs, add cores or servers.',
    userAction: 'Try again in a few seconds.' },

  // 1300-1399: tokens
  { code: 1301, name: 'refresh_token_invalid', status: 400, oauthError: 'invalid_grant', audience: 'user',
    message: 'The refresh token is unknown, expired or revoked; a full sign-in is needed.',
    remediation: 'Sign in again at the login window (the Mac does this by itself).', entra: 70008 },
  { code: 1302, name: 'refresh_token_wrong_device', status: 400, oauthError: 'invalid_grant', audience: 'admin',
    message: 'The refresh token was issued to another device or user.',
    remediation: 'Tokens are bound to the Mac they were issued to; the request may be a replay from another device.', entra: 70000 },
  { code: 1303, name: 'bearer_token_invalid', status: 401, oauthError: 'invalid_token', audience: 'developer',
    message: 'The bearer token is missing, expired or revoked.', remediation: 'Sign in interactively again to get a new token.', entra: 50173 },
  // No Entra number: the sign-in log's errorCode must set reuse apart from an ordinary dead token (70008).
  { code: 1304, name: 'refresh_token_reused', status: 400, oauthError: 'invalid_grant', audience: 'admin',
    message: 'A refresh token was presented again after it had been replaced, so every token of that sign-in was revoked.',
    remediation: "Someone may hold a copy of this Mac's refresh token (a copied keychain item or a captured request): look at the device and at this user's sign-ins around this time, and revoke the device if in doubt. A Mac that retried a refresh long after losing the reply (beyond tokens.refreshGraceSeconds) looks the same, so a single occurrence on one device is not in itself alarming. The Mac recovers with a full sign-in.",
    userAction: 'Sign in again at the login window.' },

  // 1400-1499: PSSO 2.0 key service
  { code: 1401, name: 'unsupported_key_purpose', status: 400, oauthError: 'invalid_request', audience: 'developer',
    message: 'Only key_purpose user_unlock is supported.', remediation: 'Check the key request claims.' },
  { code: 1402, name: 'key_not_provisioned', status: 400, oauthError: 'invalid_grant', audience: 'user',
    message: 'No unlock key exists for this user on this Mac yet.',
    remediation: 'The Mac sends a key request after user registration; repair the user registration.' },
  { code: 1403, name: 'bad_public_key', status: 400, oauthError: 'invalid_request', audience: 'developer',
    message: 'A public key is not a valid P-256 point (65-byte X9.63 or PEM SPKI).', remediation: 'Send the key as SecKeyCopyExternalRepresentation gives it.' },
  { code: 1404, name: 'version_mismatch', status: 400, oauthError: 'invalid_request', audience: 'developer',
    message: 'Key requests need platform_sso_version 2.0 and shared device keys.',
    remediation: 'Enable UseSharedDeviceKeys in the profile and register the device again.' },

  // 1500-1599: registration
  { code: 1501, name: 'registration_unauthorized', status: 401, oauthError: 'invalid_token', audience: 'admin',
    message: 'The registration needs a valid registration token or a bearer token from an interactive sign-in.',
    remediation: 'Put a current registration token in the profile (`openpsso regtoken create`) or sign in interactively.', entra: 50097 },
  { code: 1502, name: 'registration_token_expired', status: 401, oauthError: 'invalid_token', audience: 'admin',
    message: 'The registration token has expired or was revoked.', remediation: 'Create a new registration token and update the MDM profile.' },
  { code: 1503, name: 'registration_invalid', status: 400, oauthError: 'invalid_request', audience: 'developer',
    message: 'The registration request is invalid.', remediation: 'See the details and the registration API reference (docs/registration-api.md).' },
  { code: 1504, name: 'kid_mismatch', status: 400, oauthError: 'invalid_request', audience: 'developer',
    message: 'A key id does not match its key (kid must be base64 SHA-256 of the X9.63 point).', remediation: 'Compute the kid from the key, or omit it.' },
  { code: 1505, name: 'compat_registration_disabled', status: 404, oauthError: 'not_found', audience: 'admin',
    message: 'The unauthenticated twocanoes-style /register endpoint is off.',
    remediation: 'Enable registration.compatEndpoint in the configuration only for test set-ups: it accepts any caller.' },
  { code: 1506, name: 'user_not_registered', status: 400, oauthError: 'invalid_grant', audience: 'user',
    message: 'This user is not registered for that sign-in method on this Mac.',
    remediation: 'Register the user on this Mac (Settings > Users & Groups > Register, or `openpsso mac register`).' },
  { code: 1507, name: 'device_key_conflict', status: 409, oauthError: 'invalid_request', audience: 'admin',
    message: 'That key is already registered to another device or user.', remediation: 'Every Mac needs its own device keys: repair the registration on this Mac so it generates new keys.' },

  // 1600-1699: admin and CLI
  { code: 1601, name: 'admin_unauthorized', status: 401, oauthError: 'invalid_client', audience: 'admin',
    message: 'Admin API access needs a client credentials token with the right role.', remediation: 'Create an admin client with `openpsso admin-client create`.' },
  { code: 1602, name: 'resource_not_found', status: 404, oauthError: 'not_found', audience: 'admin',
    message: 'No such resource.', remediation: 'Check the id; list resources with the CLI or the admin API.' },
  { code: 1603, name: 'conflict', status: 409, oauthError: 'invalid_request', audience: 'admin',
    message: 'That resource already exists.', remediation: 'Use another name, or update the existing resource.' },
  { code: 1604, name: 'invalid_configuration', status: 500, oauthError: 'server_error', audience: 'admin',
    message: 'The configuration is invalid.', remediation: 'Fix the reported keys in the configuration file or environment.' },
  // 1610-1619: setting up the organisation (`openpsso init`, `openpsso org`)
  { code: 1610, name: 'organisation_exists', status: 409, oauthError: 'invalid_request', audience: 'admin',
    message: 'This database already has an organisation.',
    remediation: 'Change it with `openpsso org rename` and `openpsso org domain add|remove`, or run `openpsso init --force` to update its name, domains and issuer (nothing is deleted).' },
  { code: 1611, name: 'not_initialised', status: 503, oauthError: 'temporarily_unavailable', audience: 'admin',
    message: 'This server has no organisation yet.',
    userAction: 'Contact IT: the identity provider is not set up yet.',
    remediation: 'Run `openpsso init` to create the organisation and its first admin (or `openpsso serve --demo` to try the demo organisation).' },
  { code: 1612, name: 'domain_not_verified', status: 400, oauthError: 'invalid_request', audience: 'admin',
    message: "The user name's domain is not one of the organisation's domains.",
    userAction: 'Sign in with your full work user name (name@your-organisation-domain).',
    remediation: 'Use a user name in one of the listed domains, or add the domain first with `openpsso org domain add DOMAIN`.' },
  { code: 1613, name: 'domain_in_use', status: 409, oauthError: 'invalid_request', audience: 'admin',
    message: 'User names still use this domain, so it cannot be removed.',
    remediation: 'Rename or delete those users first (`openpsso user list` shows them), then remove the domain.' },
  { code: 1614, name: 'invalid_domain', status: 400, oauthError: 'invalid_request', audience: 'admin',
    message: 'That is not a valid DNS domain name.',
    remediation: 'Give a name such as example.com: labels of letters, digits and hyphens separated by dots, with at least two labels.' },
  { code: 1615, name: 'init_value_required', status: 400, oauthError: 'invalid_request', audience: 'admin',
    message: 'A required value was not given, and --yes means nothing may be asked.',
    remediation: 'Pass the named flag, or run `openpsso init` at a terminal without --yes to be asked for each value.' },
  { code: 1616, name: 'setup_value_invalid', status: 400, oauthError: 'invalid_request', audience: 'admin',
    message: 'A value given to set up the organisation (`openpsso init`, `openpsso org`) is invalid.',
    remediation: 'Fix the named flag or value; `openpsso init --help` describes each flag.' },
  { code: 1617, name: 'issuer_not_https', status: 400, oauthError: 'invalid_request', audience: 'admin',
    message: 'The issuer URL must start with https://.',
    remediation: 'A Mac only talks to an HTTPS issuer with a publicly trusted certificate. For a trial on this machine only, pass --insecure-local with an http://localhost or http://127.0.0.1 issuer.' },
  { code: 1618, name: 'config_file_exists', status: 409, oauthError: 'invalid_request', audience: 'admin',
    message: 'The configuration file already exists.',
    remediation: 'Pass --force to replace it (the old file is kept beside it as .bak), or choose another file with --config.' },
  // 1640-1649: server lifecycle
  { code: 1640, name: 'shutting_down', status: 503, oauthError: 'temporarily_unavailable', audience: 'user',
    message: 'This server is shutting down; try again in a moment.',
    remediation: 'A restart or deployment is draining this instance: requests in flight finish, new ones get this answer with Connection: close, and GET /readyz answers 503 so the load balancer sends the retry elsewhere. Seen outside a deployment, check what sent the server SIGTERM.',
    userAction: 'Try again in a few seconds.' },
  // 1630-1639: start-up failures of `openpsso serve` (and of commands that open the data directory)
  { code: 1630, name: 'startup_port_in_use', status: 500, oauthError: 'server_error', audience: 'admin',
    message: 'The listen address and port are already in use.',
    remediation: 'Stop the other process (`ss -ltnp` shows it) or choose another port (listen.port, --port).' },
  { code: 1631, name: 'startup_listen_refused', status: 500, oauthError: 'server_error', audience: 'admin',
    message: 'The server may not listen on that address and port (permission denied, or the address is not on this machine).',
    remediation: 'Use a port above 1023 (put a reverse proxy on 443) or grant CAP_NET_BIND_SERVICE; check that listen.host is an address of this machine.' },
  { code: 1632, name: 'startup_tls_file_unreadable', status: 500, oauthError: 'server_error', audience: 'admin',
    message: 'A TLS certificate or key file is missing or cannot be read.',
    remediation: 'Check tls.certFile and tls.keyFile: the paths, and that the user running openpsso may read them.' },
  { code: 1633, name: 'startup_tls_invalid', status: 500, oauthError: 'server_error', audience: 'admin',
    message: 'The TLS files are not a PEM certificate and its matching private key.',
    remediation: 'tls.certFile must hold the PEM certificate (chain), tls.keyFile the unencrypted PEM private key of that certificate (`openssl x509 -noout -pubkey` and `openssl pkey -pubout` must agree).' },
  { code: 1634, name: 'startup_database_unreachable', status: 500, oauthError: 'server_error', audience: 'admin',
    message: 'The database cannot be reached.',
    remediation: 'Check database.url (host, port, user, password, database name) and that PostgreSQL is running and accepts connections from this machine.' },
  { code: 1635, name: 'startup_database_unwritable', status: 500, oauthError: 'server_error', audience: 'admin',
    message: 'The SQLite database file cannot be created or opened for writing.',
    remediation: 'Check dataDir (or database.file): its directory must exist or be creatable, and be writable by the user running openpsso.' },
  { code: 1636, name: 'startup_schema_newer', status: 500, oauthError: 'server_error', audience: 'admin',
    message: 'The database schema is newer than this version of OpenPSSO (it has migrations this build does not know).',
    remediation: 'Run the OpenPSSO version that last migrated this database, or a newer one; never downgrade over a migrated database (restore a backup taken before the upgrade instead).' },
  { code: 1637, name: 'startup_master_key_missing', status: 500, oauthError: 'server_error', audience: 'admin',
    message: 'The master key is missing, but the database holds keys sealed under one; a new master key would make them unreadable.',
    remediation: 'Restore the master key from your backup to <dataDir>/master.key (mode 0600) or set OPENPSSO_MASTER_KEY; if it is lost for good, start on an empty database.' },
  { code: 1638, name: 'startup_master_key_invalid', status: 500, oauthError: 'server_error', audience: 'admin',
    message: 'The master key cannot be read or is not 32 bytes of base64.',
    remediation: 'master.key (or OPENPSSO_MASTER_KEY) must hold the base64 of exactly 32 bytes, readable by the user running openpsso; restore it from your backup.' },
  { code: 1639, name: 'startup_master_key_wrong', status: 500, oauthError: 'server_error', audience: 'admin',
    message: 'The master key does not open the keys stored in the database (it is another master key).',
    remediation: 'Use the master key this database was created with (restore master.key from the backup taken with the database).' },

  // 1650-1659: backup, restore and the master key
  { code: 1650, name: 'backup_invalid', status: 400, oauthError: 'invalid_request', audience: 'admin',
    message: 'The file is not an OpenPSSO backup, or it is damaged (not a SQLite archive, manifest missing or unreadable).',
    remediation: 'Check that you passed the file written by `openpsso backup --out FILE`; copy it again from where backups are kept.' },
  { code: 1651, name: 'backup_checksum_mismatch', status: 400, oauthError: 'invalid_request', audience: 'admin',
    message: 'A file inside the backup does not match the checksum its manifest recorded: the backup is damaged.',
    remediation: 'Do not restore this copy; use another copy of the backup, or take a new one with `openpsso backup`.' },
  { code: 1652, name: 'backup_schema_newer', status: 400, oauthError: 'invalid_request', audience: 'admin',
    message: 'The backup was taken from a newer OpenPSSO (its database has migrations this version does not know).',
    remediation: 'Restore with the OpenPSSO version that took the backup, or a newer one.' },
  { code: 1653, name: 'restore_target_not_empty', status: 409, oauthError: 'invalid_request', audience: 'admin',
    message: 'The data directory to restore into is not empty.',
    remediation: 'Restore into a new or empty directory (`--data-dir`), then point the server at it; restore never overwrites data.' },
  { code: 1654, name: 'master_key_mismatch', status: 400, oauthError: 'invalid_request', audience: 'admin',
    message: 'The master key given does not decrypt the key material in this database.',
    remediation: 'Use the master.key that belonged to the data directory when the backup was taken (a key from before or after a `keys rotate-master` will not do).' },
  { code: 1655, name: 'restore_master_key_needed', status: 400, oauthError: 'invalid_request', audience: 'admin',
    message: 'The backup does not contain the master key, and none was given.',
    remediation: 'Pass the master key file kept with your backups: `openpsso restore FILE --master-key PATH` (or set OPENPSSO_MASTER_KEY).' },
  { code: 1656, name: 'backup_use_postgres_tools', status: 400, oauthError: 'invalid_request', audience: 'admin',
    message: 'The database is PostgreSQL: back it up and restore it with pg_dump and pg_restore.',
    remediation: 'Run the pg_dump / pg_restore commands in docs/backup.md, and keep master.key with the dump.' },
  { code: 1657, name: 'master_key_from_environment', status: 400, oauthError: 'invalid_request', audience: 'admin',
    message: 'The master key comes from OPENPSSO_MASTER_KEY, so this command cannot replace it on disk.',
    remediation: 'Rotate with the key in <dataDir>/master.key (unset OPENPSSO_MASTER_KEY for the command), or manage the key file yourself as docs/backup.md describes.' },
  { code: 1658, name: 'master_key_unknown', status: 500, oauthError: 'server_error', audience: 'admin',
    message: 'A value in the database is sealed under a master key that is not in the data directory.',
    remediation: 'Put back the master.key (and master.key.next, if a rotation was interrupted) that belong to this database; `openpsso keys rotate-master` resumes an interrupted rotation.' },
  { code: 1659, name: 'backup_out_unusable', status: 400, oauthError: 'invalid_request', audience: 'admin',
    message: 'The backup file cannot be written there: the name exists already, or the directory is missing or not writable.',
    remediation: 'Choose an --out in an existing, writable directory and a name that does not exist yet (a backup never overwrites a file).' },
  { code: 1620, name: 'import_invalid', status: 400, oauthError: 'invalid_request', audience: 'admin',
    message: 'The file has errors; nothing was changed.',
    userAction: 'Ask IT to check the file your account is listed in.',
    remediation: 'Fix every listed line (line numbers count physical lines from 1, the header included) and run the command again; see docs/user-import.md for the columns.' },
  { code: 1621, name: 'import_too_large', status: 413, oauthError: 'invalid_request', audience: 'admin',
    message: 'The file is larger than an import accepts.',
    userAction: 'Ask IT to import your account in a smaller batch.',
    remediation: 'Split the file (at most 100,000 rows and 64 MiB per import) and import the parts one after another; re-running a part is safe.' },
  { code: 1622, name: 'member_already_exists', status: 400, oauthError: 'invalid_request', audience: 'admin',
    message: "One or more added object references already exist for the following modified properties: 'members'.",
    userAction: 'Nothing to do: you are already a member of that group.',
    remediation: 'The user is already a member of the group; list members with GET /groups/{id}/members before adding.' },

  // 1700-1799: access policy (per-user MFA, conditional access) on requests that cannot prompt
  { code: 1701, name: 'mfa_required', status: 400, oauthError: 'interaction_required', audience: 'admin',
    message: 'Multi-factor authentication is required for this sign-in, and this request cannot ask for it (the login window and background requests have no way to prompt).',
    userAction: 'Sign in once in the browser sign-in page, which can ask for your second factor, or contact IT with this code.',
    remediation: "If per-user MFA is 'enforced' or 'enabled' for the user, move MFA to a conditional access policy and set per-user MFA to disabled (`openpsso doctor --fix`). If a policy that targets OpenPSSO Platform SSO requires MFA, use a Secure Enclave or smart card method registered after MFA.",
    entra: 50076 },
  { code: 1702, name: 'mfa_registration_required', status: 400, oauthError: 'interaction_required', audience: 'admin',
    message: 'The user must register a multi-factor method first, and this request cannot do that.',
    userAction: 'Open the sign-in page in a browser to set up an authenticator app or passkey, then try again.',
    remediation: "Per-user MFA 'enabled' (or a policy requiring MFA) for a user with no MFA method blocks background sign-in. Let the user enrol (a temporary access pass helps), or move MFA to conditional access (`openpsso doctor --fix`).",
    entra: 50079 },
  { code: 1703, name: 'blocked_by_conditional_access', status: 400, oauthError: 'access_denied', audience: 'admin',
    message: 'A conditional access policy blocks this sign-in.',
    userAction: 'Contact IT with this code and the time of the attempt.',
    remediation: 'See appliedConditionalAccessPolicies in the sign-in log row (`openpsso logs --error 53003`) or try `openpsso whatif`.',
    entra: 53003 },
  { code: 1704, name: 'reauthentication_required', status: 400, oauthError: 'interaction_required', audience: 'admin',
    message: 'The sign-in frequency set by a conditional access policy has passed; a full sign-in is needed.',
    userAction: 'Lock and unlock your Mac with your password (or sign in again) to renew your session.',
    remediation: 'This is the sign-in frequency session control working as configured; lengthen it in the policy if it is too short.',
    entra: 70043 },
  { code: 1705, name: 'compliant_device_required', status: 400, oauthError: 'access_denied', audience: 'admin',
    message: 'A conditional access policy requires a compliant device.',
    userAction: 'Contact IT: this Mac is not reported compliant.',
    remediation: 'Check the policy grant controls and the device state.', entra: 53000 },
  { code: 1706, name: 'mfa_required_interactive', status: 401, oauthError: 'invalid_grant', audience: 'user',
    message: 'Enter the code from your authenticator app or use your passkey to continue.',
    remediation: 'An admin can reset your methods or issue a temporary access pass.', entra: 50074 },
  { code: 1711, name: 'mfa_enrollment_required_interactive', status: 401, oauthError: 'invalid_grant', audience: 'user',
    message: 'Your organisation requires a second step, and your account has none yet: set up an authenticator app or passkey to continue.',
    remediation: 'Follow the set-up step; if you cannot, an admin can issue you a temporary access pass (`openpsso mfa tap`).', entra: 50072 },
  { code: 1707, name: 'mfa_failed', status: 401, oauthError: 'invalid_grant', audience: 'user',
    message: 'That verification code or passkey was not accepted.',
    remediation: 'Use the current code from your authenticator app (codes change every 30 seconds and work once).', entra: 500121 },
  { code: 1708, name: 'invalid_filter', status: 400, oauthError: 'invalid_request', audience: 'admin',
    message: 'The $filter expression is not supported.',
    remediation: 'Supported: eq/ne/gt/ge/lt/le on status/errorCode, createdDateTime, userPrincipalName, userId, appId, isInteractive, conditionalAccessStatus, joined with and/or.' },
  { code: 1709, name: 'forbidden', status: 403, oauthError: 'access_denied', audience: 'admin',
    message: "The admin client's roles do not allow this operation.", remediation: 'Grant the client the needed role (`openpsso admin-client create --role ...`).' },
  { code: 1710, name: 'invalid_policy', status: 400, oauthError: 'invalid_request', audience: 'admin',
    message: 'The policy or named location is invalid.', remediation: 'See the details for the failing field; shapes follow Microsoft Graph conditionalAccessPolicy and ipNamedLocation.' },

  // 1840-1859: macOS 27 web-based login (web-login-macos27.md)
  { code: 1840, name: 'web_login_state_invalid', status: 400, oauthError: 'invalid_request', audience: 'user',
    message: 'This web sign-in link is not valid any more: its state is unknown, expired or was already used.',
    remediation: 'The Mac fetches a fresh state from the pre-authentication URL for every login; check that the authorization request is not replayed and that the Mac reached this server within 10 minutes.',
    userAction: 'Cancel and start the login on the Mac again.' },
  { code: 1841, name: 'web_login_request_invalid', status: 400, oauthError: 'invalid_request_object', audience: 'developer',
    message: 'The signed authorization request (platformsso-authorization-request+jwt) is malformed or lacks a required claim.',
    remediation: 'The request object must be an ES256 JWS with typ platformsso-authorization-request+jwt and the claims client_id, redirect_uri, response_type=code, scope, state and nonce from the pre-authentication reply.' },
  { code: 1842, name: 'web_login_request_mismatch', status: 400, oauthError: 'invalid_request', audience: 'developer',
    message: 'The authorization request does not match what the pre-authentication reply minted (client_id, redirect_uri, state or nonce differ).',
    remediation: 'Sign the authorizationRequest exactly as the pre-authentication reply gave it; redirect_uri must be com.apple.platformsso://callback and the query state must equal the signed one.',
    userAction: 'Cancel and start the login on the Mac again.' },
  { code: 1843, name: 'web_login_code_invalid', status: 400, oauthError: 'invalid_grant', audience: 'developer',
    message: 'The web login authorization code is unknown, expired (5 minutes) or was already redeemed.',
    remediation: 'A code is redeemed once, by the login request that follows the callback; start the web login again.' },
  { code: 1844, name: 'web_login_code_mismatch', status: 400, oauthError: 'invalid_grant', audience: 'developer',
    message: 'The web login authorization code was issued for another device, user, state, client or authorization scope.',
    remediation: 'Redeem the code from the Mac that signed the authorization request, for the user who signed in, with the state of the same callback.' },
  { code: 1845, name: 'subject_token_invalid', status: 400, oauthError: 'invalid_request', audience: 'developer',
    message: 'The token-exchange login has no usable subject_token: it must be the callback URL com.apple.platformsso://callback?code=...&state=... with subject_token_type urn:apple:platformsso:authorization-code-response.',
    remediation: 'Send the full absolute callback URL the web view was redirected to as subject_token.' },
  { code: 1846, name: 'hpke_not_supported', status: 400, oauthError: 'invalid_request', audience: 'admin',
    message: 'The request asks for an HPKE-encrypted response, which OpenPSSO does not produce yet (its JWE layout is undocumented).',
    remediation: 'Keep the SSO extension on the default response encryption (ECDH-ES with A256GCM); do not set the hpke* login configuration properties.' },

  // 1900: last resort
  { code: 1900, name: 'internal_error', status: 500, oauthError: 'server_error', audience: 'admin',
    message: 'Something went wrong on the server.', remediation: 'Look up the correlation id in the server log and report it.' },
] as const satisfies readonly CatalogueEntry[];

export type ErrorName = (typeof entries)[number]['name'];

export const catalogue: ReadonlyMap<ErrorName, CatalogueEntry> = new Map(entries.map((e) => [e.name, e]));

/** Register further entries (policy and MFA errors live beside their feature). Codes must stay unique. */
export function extendCatalogue(extra: readonly CatalogueEntry[]): void {
  const map = catalogue as Map<string, CatalogueEntry>;
  for (const e of extra) {
    if (map.has(e.name) || [...map.values()].some((x) => x.code === e.code)) {
      throw new Error(`error catalogue: duplicate ${e.name}/${e.code}`);
    }
    map.set(e.name, e);
  }
}

export function lookupError(nameOrCode: string | number): CatalogueEntry | undefined {
  const s = String(nameOrCode).replace(/^OPSSO/i, '');
  for (const e of catalogue.values()) {
    if (e.name === s || String(e.code) === s || (e.entra !== undefined && String(e.entra) === s)) return e;
  }
  return undefined;
}

export function formatCode(e: CatalogueEntry): string {
  return `OPSSO${e.code}`;
}
