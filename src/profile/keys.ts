// What every com.apple.extensiblesso / PlatformSSO profile key is: type, default, allowed values,
// macOS version and the mistakes admins make (Apple device-management YAML, via entra-mdm.md §1).
// One table feeds the linter, `profile explain` and the generator, so they cannot disagree.

export type PlistKind = 'string' | 'integer' | 'real' | 'boolean' | 'date' | 'data' | 'array' | 'dict';

/** Where a key lives: the profile root, the extensible-SSO payload, its PlatformSSO dict, or TokenToUserMapping. */
export type KeyScope = 'profile' | 'payload' | 'platformSSO' | 'tokenToUserMapping';

export interface EnumValue {
  readonly value: string;
  /** First macOS that knows the value, when later than the key itself. */
  readonly since?: string;
  readonly meaning: string;
}

export interface KeySpec {
  readonly name: string;
  readonly scope: KeyScope;
  readonly type: PlistKind;
  /** Element type of arrays, value type of string→string dicts. */
  readonly itemType?: PlistKind;
  readonly required?: 'always' | 'redirect' | 'credential';
  readonly default?: string;
  readonly values?: readonly EnumValue[];
  readonly min?: number;
  readonly maxItems?: number;
  /** First macOS version that reads the key (dotted, e.g. '15.4'). */
  readonly since: string;
  readonly deprecatedIn?: string;
  /** Seen only in a pre-release branch of Apple's schema; may change. */
  readonly prerelease?: boolean;
  readonly summary: string;
  readonly mistakes?: readonly string[];
  readonly entra?: string;
  /** The same setting's name in the declarative (DDM) ExtensibleSSO configuration (entra-mdm.md §1.4). */
  readonly ddm?: string;
}

const policyValues: readonly EnumValue[] = [
  { value: 'AttemptAuthentication', meaning: 'Try Platform SSO first; offline, continue when the local password matches. A wrong credential while online needs a successful Platform SSO authentication, even later offline.' },
  { value: 'RequireAuthentication', meaning: 'Platform SSO authentication is mandatory. Offline access is denied unless AllowOfflineGracePeriod is set; unregistered accounts are denied unless AllowAuthenticationGracePeriod is set.' },
  { value: 'AllowOfflineGracePeriod', meaning: 'With RequireAuthentication: allow the local password offline for OfflineGracePeriod seconds after the last Platform SSO login. Requires OfflineGracePeriod.' },
  { value: 'AllowAuthenticationGracePeriod', meaning: 'With RequireAuthentication: let unregistered local accounts log in for AuthenticationGracePeriod seconds after the policy arrives or changes. Requires AuthenticationGracePeriod.' },
  { value: 'RequireTouchID', since: '26.0', meaning: 'Touch ID as a second factor (Password or UserSecureEnclaveKey). Requires UseSharedDeviceKeys.' },
  { value: 'RequireTouchIDOrWatch', since: '26.0', meaning: 'Touch ID or Apple Watch as a second factor. Requires UseSharedDeviceKeys.' },
  // Apple's schema gives no per-value version; web login (the fallback's target) exists only from macOS 27.
  { value: 'AllowOpenIDForTouchIDFallback', since: '27', meaning: 'Fall back to web (OpenID) login when Touch ID fails or is unavailable (macOS 27 web login). Goes with RequireTouchID or RequireTouchIDOrWatch; needs UseSharedDeviceKeys, WebLoginURLAllowList and an extension that supports the OpenID fallback.' },
];

export const policyValueNames: readonly string[] = [...policyValues.map((v) => v.value), 'AllowTouchIDOrWatchForUnlock'];
export const touchIdPolicyValues: readonly string[] = ['RequireTouchID', 'RequireTouchIDOrWatch', 'AllowOpenIDForTouchIDFallback'];

const specs: KeySpec[] = [
  // ---- profile root (standard Configuration keys)
  { name: 'PayloadType', scope: 'profile', type: 'string', required: 'always', since: '10.7', summary: 'Always "Configuration" for a profile; "com.apple.extensiblesso" inside PayloadContent for the SSO payload.' },
  { name: 'PayloadContent', scope: 'profile', type: 'array', itemType: 'dict', since: '10.7', summary: 'The payloads of the profile (array of dictionaries).' },
  { name: 'PayloadUUID', scope: 'profile', type: 'string', required: 'always', since: '10.7', summary: 'Unique id of this version of the profile (or payload). Must differ between the profile and each payload.' },
  { name: 'PayloadIdentifier', scope: 'profile', type: 'string', required: 'always', since: '10.7', summary: 'Reverse-DNS identifier; a profile with the same identifier replaces the installed one.' },
  { name: 'PayloadVersion', scope: 'profile', type: 'integer', required: 'always', since: '10.7', summary: 'Format version of the profile or payload; always 1.' },
  { name: 'PayloadDisplayName', scope: 'profile', type: 'string', since: '10.7', summary: 'Name shown in System Settings > Profiles.' },
  { name: 'PayloadDescription', scope: 'profile', type: 'string', since: '10.7', summary: 'Description shown in System Settings > Profiles.' },
  { name: 'PayloadOrganization', scope: 'profile', type: 'string', since: '10.7', summary: 'Organisation shown in System Settings > Profiles.' },
  { name: 'PayloadScope', scope: 'profile', type: 'string', since: '10.7', values: [{ value: 'System', meaning: 'Device channel.' }, { value: 'User', meaning: 'User channel.' }], summary: 'Device ("System") or user channel for a manually installed macOS profile. UseSharedDeviceKeys is device-channel only.' },
  { name: 'PayloadRemovalDisallowed', scope: 'profile', type: 'boolean', since: '10.7', summary: 'Supervised/MDM: the user cannot remove the profile.' },
  { name: 'PayloadExpirationDate', scope: 'profile', type: 'date', since: '10.7', summary: 'Date after which the profile expires.' },
  { name: 'RemovalDate', scope: 'profile', type: 'date', since: '10.7', summary: 'Date on which the profile is removed.' },
  { name: 'DurationUntilRemoval', scope: 'profile', type: 'real', since: '10.7', summary: 'Seconds until the profile is removed.' },
  { name: 'ConsentText', scope: 'profile', type: 'dict', since: '10.7', summary: 'Localised consent text shown at install.' },
  { name: 'HasRemovalPasscode', scope: 'profile', type: 'boolean', since: '10.7', summary: 'A removal passcode protects the profile.' },
  { name: 'TargetDeviceType', scope: 'profile', type: 'integer', since: '10.7', summary: 'Device type the profile is meant for (5 = Mac).' },

  // ---- com.apple.extensiblesso payload
  { name: 'ExtensionIdentifier', scope: 'payload', type: 'string', required: 'always', since: '10.15', summary: 'Bundle identifier of the SSO app extension that handles Platform SSO.', entra: 'com.microsoft.CompanyPortalMac.ssoextension', mistakes: ['Using the app bundle id (com.vendor.App) instead of the extension bundle id (com.vendor.App.ssoextension).'] },
  { name: 'TeamIdentifier', scope: 'payload', type: 'string', required: 'always', since: '10.15', summary: 'Apple Developer Team ID (10 characters, A-Z and 0-9) that signed the extension. Required on macOS.', entra: 'UBF8T346G9', mistakes: ['Leaving it out: iOS ignores it, macOS requires it.'] },
  { name: 'Type', scope: 'payload', type: 'string', required: 'always', since: '10.15', values: [{ value: 'Redirect', meaning: 'OAuth/OpenID redirect flows; required for Platform SSO.' }, { value: 'Credential', meaning: 'Challenge/response (Kerberos); uses Hosts and Realm.' }], summary: 'Kind of SSO extension. Platform SSO requires Redirect.', entra: 'Redirect' },
  { name: 'URLs', scope: 'payload', type: 'array', itemType: 'string', required: 'redirect', since: '10.15', summary: 'URL prefixes of the identity provider the extension handles. Must start with http:// or https://, no query, no fragment; scheme and host compare case-insensitively. Must be unique across all installed extensible-SSO payloads.', entra: 'https://login.microsoftonline.com, https://login.microsoft.com, https://sts.windows.net', mistakes: ['Two SSO payloads (an old SSO-extension profile and the Platform SSO profile) listing the same URLs: they conflict (Intune error 10002).'] },
  { name: 'Hosts', scope: 'payload', type: 'array', itemType: 'string', required: 'credential', since: '10.15', summary: 'Hosts or domains for Credential extensions; a leading "." is a suffix wildcard. Ignored for Redirect.' },
  { name: 'Realm', scope: 'payload', type: 'string', since: '10.15', summary: 'Kerberos realm (case matters). Credential only.' },
  { name: 'ExtensionData', scope: 'payload', type: 'dict', since: '10.15', summary: 'Vendor-specific dictionary passed to the extension as-is.' },
  { name: 'ScreenLockedBehavior', scope: 'payload', type: 'string', default: 'Cancel', since: '12.0', values: [{ value: 'Cancel', meaning: 'Authentication requests are cancelled while the screen is locked.' }, { value: 'DoNotHandle', meaning: 'The request proceeds without SSO while the screen is locked.' }], summary: 'What happens to SSO requests while the screen is locked.', entra: 'DoNotHandle' },
  { name: 'DeniedBundleIdentifiers', scope: 'payload', type: 'array', itemType: 'string', since: '12.0', summary: 'Bundle ids that must not use this extension.' },
  { name: 'AuthenticationMethod', scope: 'payload', type: 'string', since: '13.0', deprecatedIn: '14.0', values: [{ value: 'Password', meaning: 'Local password, kept in sync with the IdP.' }, { value: 'UserSecureEnclaveKey', meaning: 'Per-user Secure Enclave key.' }], summary: 'macOS 13 only: the Platform SSO method. From macOS 14 use PlatformSSO.AuthenticationMethod; for a mixed 13/14 fleet set both.', mistakes: ['Relying on it on macOS 14+: it is deprecated there; set PlatformSSO.AuthenticationMethod.'] },
  { name: 'RegistrationToken', scope: 'payload', type: 'string', since: '13.0', summary: 'Opaque token for silent device registration, passed to the extension. Belongs at the payload level, not inside PlatformSSO. Requires an AuthenticationMethod.', entra: '{{DEVICEREGISTRATION}} (literal, braces included; Intune substitutes it)', mistakes: ['Putting it inside the PlatformSSO dictionary, where macOS does not look for it.', 'Setting it without any AuthenticationMethod.'] },
  { name: 'PlatformSSO', scope: 'payload', type: 'dict', since: '14.0', summary: 'The Platform SSO settings (macOS 14+). Requires Type = Redirect and non-empty URLs.' },

  // ---- PlatformSSO dictionary
  { name: 'AuthenticationMethod', scope: 'platformSSO', type: 'string', since: '14.0', values: [
    { value: 'Password', meaning: 'The IdP password; the local account password is kept in sync with it.' },
    { value: 'UserSecureEnclaveKey', meaning: 'A per-user Secure Enclave key (phishing resistant; usable as a passkey). The local password is not synced.' },
    { value: 'SmartCard', meaning: 'A paired smart card. The local password is not synced.' },
    { value: 'OpenID', since: '27', meaning: 'Web login (macOS 27, pre-release): the Platform SSO login UI shows the identity provider\'s sign-in pages in a web view, then logs in with the resulting authorization code (token exchange). Requires UseSharedDeviceKeys, WebLoginURLAllowList, an extension that supports it and an identity provider with the Platform SSO 2.0 key service. The local password is synced only with AllowWebLoginPasswordSync.' },
  ], summary: 'Method for ongoing logins. The extension and the IdP must both support it, or registration never starts. Changing it forces re-registration.', entra: 'UserSecureEnclaveKey (recommended), Password, SmartCard', mistakes: ['Typos such as "UserSecureEnclave" or "SecureEnclaveKey": registration silently never starts.', 'Expecting the local password to follow the IdP password with UserSecureEnclaveKey or SmartCard: only Password syncs it.'] },
  { name: 'UseSharedDeviceKeys', scope: 'platformSSO', type: 'boolean', default: 'false', since: '14.0', summary: 'One signing and one encryption key for all users of the Mac. Device channel only. Required for EnableCreateUserAtLogin, EnableAuthorization, EnableRegistrationDuringSetup, OpenID, the Touch ID policies and unlock with IdP credentials.', entra: 'true', mistakes: ['Leaving it false while enabling create-user-at-login or authorization: those features do nothing.', 'Delivering it on the user channel, where it is invalid.'] },
  { name: 'AccountDisplayName', scope: 'platformSSO', type: 'string', since: '14.0', summary: 'Name shown in notifications and authentication prompts, e.g. "Contoso Sign-In".', entra: 'your organisation name' },
  { name: 'LoginFrequency', scope: 'platformSSO', type: 'integer', default: '64800 (18 hours)', min: 3600, since: '14.0', summary: 'Seconds after the last full login at which macOS must do a full login (send the credential) instead of refreshing tokens. Minimum 3600.', entra: 'not documented by Microsoft, so not supported for Entra', mistakes: ['Treating it as a re-prompt or lock timer: nothing happens on the timer; the next full login happens at the next credential event (login, unlock).', 'Expecting it to shorten the IdP session: that is a server-side sign-in-frequency policy.', 'With UserSecureEnclaveKey it has no visible effect: those logins are always full, silent logins.', 'Entering hours (e.g. 24) instead of seconds: values below 3600 are invalid.'] },
  { name: 'EnableCreateUserAtLogin', scope: 'platformSSO', type: 'boolean', default: 'false', since: '14.0', summary: 'Create local accounts at the login window from IdP credentials (Password or SmartCard). Requires UseSharedDeviceKeys = true. Names come from TokenToUserMapping.', mistakes: ['Enabling it without UseSharedDeviceKeys.'] },
  { name: 'EnableCreateFirstUserDuringSetup', scope: 'platformSSO', type: 'boolean', default: 'true', since: '26.0', summary: 'Use Platform SSO to create the first account in Setup Assistant. Set false for unattended Auto Advance flows.' },
  { name: 'EnableRegistrationDuringSetup', scope: 'platformSSO', type: 'boolean', default: 'false', since: '26.0', summary: 'Register Platform SSO in Setup Assistant ("Simplified Setup"). Must be true when the server returns the com.apple.psso.required enrollment error. Requires UseSharedDeviceKeys.' },
  { name: 'EnableAuthorization', scope: 'platformSSO', type: 'boolean', default: 'false', since: '14.0', summary: 'Let IdP accounts answer authorization prompts (network authorization). Requires UseSharedDeviceKeys = true; uses the group keys.' },
  { name: 'TokenToUserMapping', scope: 'platformSSO', type: 'dict', since: '14.0', summary: 'Which id_token claims name new local accounts: AccountName (short name) and FullName.', entra: 'AccountName = preferred_username, FullName = name', mistakes: ['Mapping AccountName to a claim holding an email address with characters macOS rejects in short names; macOS 15.4+ accepts com.apple.PlatformSSO.AccountShortName (UPN prefix).'] },
  { name: 'NewUserAuthenticationMethods', scope: 'platformSSO', type: 'array', itemType: 'string', default: 'Password, SmartCard', since: '26.0', values: [
    { value: 'Password', meaning: 'Create accounts from a password login.' },
    { value: 'SmartCard', meaning: 'Create accounts from a smart card login.' },
    { value: 'AccessKey', meaning: 'Tap to Login with an access key. Requires AccessKeyReaderGroupIdentifier.' },
    { value: 'OpenID', since: '27', meaning: 'Create accounts from a web login (macOS 27, pre-release). Requires WebLoginURLAllowList.' },
  ], summary: 'Methods allowed for the first authentication that creates an account.' },
  { name: 'NewUserAuthorizationMode', scope: 'platformSSO', type: 'string', since: '14.0', values: [
    { value: 'Standard', meaning: 'New accounts are standard users.' },
    { value: 'Admin', meaning: 'New accounts are administrators.' },
    { value: 'Groups', meaning: 'Rights come from IdP group membership (AdministratorGroups, AdditionalGroups, AuthorizationGroups).' },
    { value: 'Temporary', since: '26.0', meaning: 'Authenticated Guest Mode: temporary accounts.' },
  ], summary: 'One-time privilege given to accounts created by Platform SSO.', entra: 'Standard or Admin only; Standard needs at least one local admin to exist', mistakes: ['Groups without any group key: nobody gets extra rights.'] },
  { name: 'UserAuthorizationMode', scope: 'platformSSO', type: 'string', since: '14.0', values: [
    { value: 'Standard', meaning: 'The user is made standard at every authentication.' },
    { value: 'Admin', meaning: 'The user is made admin at every authentication.' },
    { value: 'Groups', meaning: 'Rights follow IdP group membership at every authentication.' },
  ], summary: 'Privilege re-applied at every Platform SSO authentication. Absent: existing rights are kept.', entra: 'Standard or Admin only', mistakes: ['Setting Standard without a break-glass local admin in NonPlatformSSOAccounts: every IdP user loses admin rights at next login.'] },
  { name: 'AdministratorGroups', scope: 'platformSSO', type: 'array', itemType: 'string', maxItems: 100, since: '14.0', summary: 'IdP groups whose members become admins; local groups of the same name are created and nested under admin. Used with the Groups mode.' },
  { name: 'AdditionalGroups', scope: 'platformSSO', type: 'array', itemType: 'string', maxItems: 100, since: '14.0', summary: 'Extra local groups (not admin), created if missing. Used with the Groups mode.' },
  { name: 'AuthorizationGroups', scope: 'platformSSO', type: 'dict', itemType: 'string', maxItems: 100, since: '14.0', summary: 'Authorization right (e.g. system.preferences) → group that may use it. Used with the Groups mode.' },
  { name: 'FileVaultPolicy', scope: 'platformSSO', type: 'array', itemType: 'string', since: '15.0', values: policyValues, summary: 'Policy at FileVault unlock (Apple silicon). Password method only, except the Touch ID values.', entra: 'AttemptAuthentication (macOS 15+, Password method)', mistakes: ['Setting it with UserSecureEnclaveKey or SmartCard: only the Touch ID values apply there.'] },
  { name: 'LoginPolicy', scope: 'platformSSO', type: 'array', itemType: 'string', since: '15.0', values: policyValues, summary: 'Policy at the login window. Absent: the local password is required and the IdP is asked only when the typed password differs from it.' },
  { name: 'UnlockPolicy', scope: 'platformSSO', type: 'array', itemType: 'string', since: '15.0', values: [...policyValues, { value: 'AllowTouchIDOrWatchForUnlock', meaning: 'With RequireAuthentication: Touch ID or Apple Watch may unlock instead of Platform SSO.' }], summary: 'Policy at screensaver/lock-screen unlock.' },
  { name: 'OfflineGracePeriod', scope: 'platformSSO', type: 'integer', min: 0, since: '15.0', summary: 'Seconds after the last successful Platform SSO login during which the local password works offline. Required when a policy contains AllowOfflineGracePeriod.' },
  { name: 'AuthenticationGracePeriod', scope: 'platformSSO', type: 'integer', min: 0, since: '15.0', summary: 'Seconds after a policy arrives or changes during which unregistered local accounts may still log in. Required when a policy contains AllowAuthenticationGracePeriod.' },
  { name: 'NonPlatformSSOAccounts', scope: 'platformSSO', type: 'array', itemType: 'string', since: '15.0', summary: 'Local account names exempt from the Login/Unlock/FileVault policies and Touch ID requirements, never prompted to register. Use for break-glass admins.', entra: 'your local admin accounts' },
  { name: 'AllowDeviceIdentifiersInAttestation', scope: 'platformSSO', type: 'boolean', default: 'false', since: '15.4', summary: 'Put the serial number and UDID in the device key attestation.' },
  { name: 'SynchronizeProfilePicture', scope: 'platformSSO', type: 'boolean', default: 'false', since: '26.0', summary: 'Fetch the account picture from the extension at creation, then daily.' },
  { name: 'TemporarySessionQuickLogin', scope: 'platformSSO', type: 'boolean', default: 'false', since: '26.0', summary: 'Authenticated Guest Mode quick login (partial wipe after each session).' },
  { name: 'AccessKeyReaderGroupIdentifier', scope: 'platformSSO', type: 'data', since: '26.0', summary: 'Tap to Login reader group. Required when NewUserAuthenticationMethods contains AccessKey.' },
  { name: 'AccessKeyTerminalIdentityUUID', scope: 'platformSSO', type: 'string', since: '26.0', summary: 'PayloadUUID of the pkcs12/ACME/SCEP identity payload used as the Tap to Login terminal identity.' },
  { name: 'AccessKeyReaderIssuerCertificateUUID', scope: 'platformSSO', type: 'string', since: '26.2', summary: 'PayloadUUID of the certificate payload (EC key) that issued the terminal identity ("reader CA").' },
  { name: 'AllowAccessKeyExpressMode', scope: 'platformSSO', type: 'boolean', default: 'false', since: '26.0', summary: 'Access key usable without prior authentication.' },
  { name: 'AlwaysUseLoginUI', scope: 'platformSSO', type: 'boolean', default: 'false', since: '27.2', prerelease: true, summary: 'Always use the Platform SSO login UI at login, unlock and FileVault unlock (pre-release). By default macOS shows it only for the OpenID method and the Touch ID policies (RequireTouchID, RequireTouchIDOrWatch, AllowOpenIDForTouchIDFallback); elsewhere the standard login window is used.', mistakes: ['Expecting it to turn on web login: it only chooses the login UI; the method is AuthenticationMethod.', 'Setting it next to AuthenticationMethod OpenID, where the Platform SSO login UI is already used.'] },
  { name: 'WebLoginURLAllowList', scope: 'platformSSO', type: 'array', itemType: 'string', since: '27', prerelease: true, ddm: 'WebAuthentication.URLAllowList', summary: 'Hosts the Platform SSO login web view may load (pre-release). Write each as scheme and full host name, e.g. https://sso.example.com, as Apple\'s guide does (the schema calls the entries hosts, so the linter accepts a bare host name too): no wildcards, no path. Every page the web view shows must be allowed, including the identity provider\'s sign-in pages and any upstream identity provider or asset host they load. Required when AuthenticationMethod or NewUserAuthenticationMethods is OpenID.', mistakes: ['Wildcards such as https://*.example.com: web login does not support them.', 'A URL with a path (https://sso.example.com/psso/web-login): the list names hosts, and the sign-in pages live under other paths on the same host.', 'Leaving out the host of an upstream identity provider the sign-in page redirects to.'] },
  { name: 'AllowWebLoginPasswordSync', scope: 'platformSSO', type: 'boolean', default: 'false', since: '27', prerelease: true, ddm: 'WebAuthentication.AllowPasswordSync', summary: 'With AuthenticationMethod OpenID: capture the password typed in the identity provider\'s web sign-in form and sync it to the local account (pre-release). The sign-in page must call window.apple.platformSSO.syncPassword(password); sign-ins without a typed password (passkeys, federation) sync nothing.', mistakes: ['Setting it with the Password method (which always syncs) or with UserSecureEnclaveKey/SmartCard (which never sync): it only applies to OpenID.'] },
  { name: 'AdditionalHTTPHeaders', scope: 'platformSSO', type: 'dict', itemType: 'string', maxItems: 20, since: '27.2', prerelease: true, summary: 'Extra HTTP headers on Platform SSO requests: at most 20, names up to 128 and values up to 2048 characters (pre-release).' },

  // ---- TokenToUserMapping
  { name: 'AccountName', scope: 'tokenToUserMapping', type: 'string', since: '14.0', summary: 'Claim that becomes the local account (short) name.', entra: 'preferred_username' },
  { name: 'FullName', scope: 'tokenToUserMapping', type: 'string', since: '14.0', summary: 'Claim that becomes the full name of the local account.', entra: 'name' },
];

export const keySpecs: readonly KeySpec[] = specs;

export function specsIn(scope: KeyScope): ReadonlyMap<string, KeySpec> {
  return new Map(specs.filter((s) => s.scope === scope).map((s) => [s.name, s]));
}

export function findSpecs(name: string): KeySpec[] {
  return specs.filter((s) => s.name === name);
}

export const scopeLabel: Record<KeyScope, string> = {
  profile: 'the profile root',
  payload: 'the com.apple.extensiblesso payload',
  platformSSO: 'the PlatformSSO dictionary',
  tokenToUserMapping: 'TokenToUserMapping',
};

export const ENTRA_EXTENSION_ID = 'com.microsoft.CompanyPortalMac.ssoextension';
export const ENTRA_TEAM_ID = 'UBF8T346G9';
export const EXTENSIBLE_SSO = 'com.apple.extensiblesso';
