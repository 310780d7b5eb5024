// The profile linter's finding codes. Codes are stable and never reused; docs/profiles.md lists them
// and a test keeps that table and this one in step.

export type Severity = 'error' | 'warning' | 'note';

export interface FindingCode {
  readonly code: string;
  /** The usual severity; a few codes are milder where the context makes the problem harmless. */
  readonly severity: Severity;
  readonly title: string;
}

export const findingCodes: readonly FindingCode[] = [
  { code: 'PSSO-L000', severity: 'error', title: 'The file cannot be read (XML syntax, binary plist or CMS structure); reported with line and column where known' },
  { code: 'PSSO-L001', severity: 'error', title: 'Unknown key (with a did-you-mean); a warning at the profile root' },
  { code: 'PSSO-L002', severity: 'error', title: 'Value not allowed for the key (with a did-you-mean)' },
  { code: 'PSSO-L003', severity: 'error', title: 'Wrong type (e.g. <string>3600</string> where an integer is required)' },
  { code: 'PSSO-L004', severity: 'error', title: 'Value out of range (LoginFrequency below 3600, negative periods, too many groups or headers)' },
  { code: 'PSSO-L005', severity: 'error', title: 'Key in the wrong dictionary (RegistrationToken inside PlatformSSO, PlatformSSO keys at payload level, ...)' },
  { code: 'PSSO-L006', severity: 'error', title: 'Required key missing' },
  { code: 'PSSO-L007', severity: 'warning', title: 'Key or value unknown to the target macOS version (ignored there)' },
  { code: 'PSSO-L008', severity: 'warning', title: 'Deprecated key (top-level AuthenticationMethod on macOS 14+); a note when PlatformSSO.AuthenticationMethod is also set' },
  { code: 'PSSO-L009', severity: 'error', title: 'Not a configuration profile, or no com.apple.extensiblesso payload in it' },
  { code: 'PSSO-L010', severity: 'error', title: 'PlatformSSO requires Type = Redirect' },
  { code: 'PSSO-L011', severity: 'error', title: 'RegistrationToken without an AuthenticationMethod' },
  { code: 'PSSO-L012', severity: 'error', title: 'Feature requires UseSharedDeviceKeys = true (create user at login, authorization, registration during setup, OpenID, Touch ID policies)' },
  { code: 'PSSO-L013', severity: 'error', title: 'Grace-period policy value without its period (AllowOfflineGracePeriod without OfflineGracePeriod, AllowAuthenticationGracePeriod without AuthenticationGracePeriod)' },
  { code: 'PSSO-L014', severity: 'error', title: 'Policy must contain exactly one of AttemptAuthentication or RequireAuthentication (Password method)' },
  { code: 'PSSO-L015', severity: 'warning', title: 'Policy value that only works together with RequireAuthentication' },
  { code: 'PSSO-L016', severity: 'error', title: 'Policy value not supported with the authentication method (FileVaultPolicy or Login/Unlock values with UserSecureEnclaveKey or SmartCard)' },
  { code: 'PSSO-L017', severity: 'warning', title: 'Groups authorization mode without any group key' },
  { code: 'PSSO-L018', severity: 'warning', title: 'Group keys set but nothing uses them (no Groups mode, EnableAuthorization off)' },
  { code: 'PSSO-L019', severity: 'error', title: 'Companion key missing (AccessKey without AccessKeyReaderGroupIdentifier, OpenID without WebLoginURLAllowList)' },
  { code: 'PSSO-L020', severity: 'note', title: 'Grace period set but no policy enables it' },
  { code: 'PSSO-L021', severity: 'warning', title: 'Key ignored for this Type (URLs on Credential, Hosts or Realm on Redirect)' },
  { code: 'PSSO-L022', severity: 'error', title: 'UseSharedDeviceKeys in a user-channel profile (PayloadScope = User)' },
  { code: 'PSSO-L023', severity: 'error', title: 'Malformed value (URL with query or fragment, Team ID format, empty string, UUID format, header limits)' },
  { code: 'PSSO-L024', severity: 'warning', title: 'Top-level and PlatformSSO AuthenticationMethod disagree' },
  { code: 'PSSO-L025', severity: 'error', title: 'WebLoginURLAllowList entry is not a scheme and host (wildcard, query, not a full host name); a warning for an entry with a path' },
  { code: 'PSSO-L026', severity: 'error', title: 'WebLoginURLAllowList does not cover the identity provider host, so the web login pages cannot load' },
  { code: 'PSSO-L027', severity: 'warning', title: 'AllowWebLoginPasswordSync without AuthenticationMethod OpenID has no effect' },
  { code: 'PSSO-L028', severity: 'error', title: 'AuthenticationMethod OpenID for a fleet below macOS 27: registration never starts on older Macs' },
  { code: 'PSSO-L029', severity: 'error', title: 'Declarative (DDM) key name or extension login-configuration property in a profile (WebAuthentication.URLAllowList, includePlatformSSOAuthorizationScopes, ...)' },
  { code: 'PSSO-L030', severity: 'error', title: 'Two extensible-SSO payloads claim the same URL (Intune error 10002); also across files linted together' },
  { code: 'PSSO-L031', severity: 'error', title: 'More than one Platform SSO payload' },
  { code: 'PSSO-L032', severity: 'error', title: 'Duplicate PayloadUUID or PayloadIdentifier' },
  { code: 'PSSO-L033', severity: 'error', title: 'Duplicate key in one dictionary' },
  { code: 'PSSO-L034', severity: 'warning', title: 'Duplicate entry in a list' },
  { code: 'PSSO-L035', severity: 'warning', title: 'AllowOpenIDForTouchIDFallback without a Touch ID requirement in the same policy, or without WebLoginURLAllowList' },
  { code: 'PSSO-L036', severity: 'error', title: 'Open SSO extension (twocanoes, Fleet, UiO): ExtensionData or its managed-preferences payload lacks a key the extension needs (BaseURL, Issuer, ClientID, FleetURL, ...)' },
  { code: 'PSSO-L037', severity: 'warning', title: 'Open SSO extension: a key it does not read in ExtensionData or its managed preferences (misspelt or another extension\'s; with a did-you-mean)' },
  { code: 'PSSO-L038', severity: 'error', title: 'http:// URL (URLs, BaseURL, Issuer, FleetURL): a real Mac needs HTTPS; a warning for loopback and for virtual-Mac profiles' },
  { code: 'PSSO-L039', severity: 'error', title: 'Placeholder extension or Team ID (0000000000, org.openpsso.mac.ssoextension): no real Mac loads it; a warning for virtual-Mac profiles' },
  { code: 'PSSO-L040', severity: 'note', title: 'LoginFrequency is not a re-prompt timer' },
  { code: 'PSSO-L041', severity: 'note', title: 'Only the Password method keeps the local password in sync (on macOS 27, OpenID can with AllowWebLoginPasswordSync)' },
  { code: 'PSSO-L042', severity: 'warning', title: 'LoginFrequency has no visible effect with UserSecureEnclaveKey' },
  { code: 'PSSO-L043', severity: 'warning', title: 'Microsoft Entra does not support this value' },
  { code: 'PSSO-L044', severity: 'note', title: 'Microsoft Entra recommends a different value' },
  { code: 'PSSO-L045', severity: 'note', title: 'UserAuthorizationMode = Standard demotes every IdP user at each login; keep a break-glass local admin' },
  { code: 'PSSO-L046', severity: 'warning', title: 'Pre-release key or value (may change before release)' },
  { code: 'PSSO-L047', severity: 'note', title: 'AlwaysUseLoginUI explained: which login UI macOS shows, and that OpenID and the Touch ID policies use it anyway' },
  { code: 'PSSO-L048', severity: 'note', title: 'Web login (OpenID) needs macOS 27, shared device keys, the Platform SSO 2.0 key service and an extension that supports it' },
  { code: 'PSSO-L049', severity: 'error', title: 'BaseURL and the extension\'s string joining disagree: UiO needs no trailing slash, twocanoes needs one' },
  { code: 'PSSO-L050', severity: 'error', title: 'Signed profile whose signature does not verify' },
  { code: 'PSSO-L051', severity: 'note', title: 'Signed profile: signer shown (the chain of trust is checked by the MDM and macOS, not here)' },
  { code: 'PSSO-L052', severity: 'warning', title: 'Signer certificate expired or not yet valid' },
  { code: 'PSSO-L053', severity: 'error', title: 'Fleet without a RegistrationToken (or with a placeholder): its extension refuses to register; a warning for virtual-Mac profiles' },
  { code: 'PSSO-L054', severity: 'error', title: 'Open SSO extension that uses the shared device keys (Fleet, UiO) without UseSharedDeviceKeys = true' },
  { code: 'PSSO-L055', severity: 'warning', title: 'Open SSO extension with a Team ID other than its publisher\'s (fine only for your own rebuild)' },
  { code: 'PSSO-L056', severity: 'error', title: 'Attestation required (or the UiO extension, a warning) without AllowDeviceIdentifiersInAttestation = true' },
  { code: 'PSSO-L057', severity: 'error', title: 'AuthenticationMethod the open SSO extension does not support (twocanoes and Fleet: Password; UiO: UserSecureEnclaveKey or Password)' },
  { code: 'PSSO-L058', severity: 'warning', title: 'Companion payload missing: the extension\'s managed preferences (twocanoes, UiO WL-0, Fleet installer) or Fleet\'s MDM associated domains' },
];

export function findingCode(code: string): FindingCode | undefined {
  return findingCodes.find((c) => c.code === code.toUpperCase());
}
