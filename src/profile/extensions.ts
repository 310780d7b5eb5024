// The open SSO extensions a profile can target and what each reads (../shared/reference/extensions.md
// §2.2 twocanoes, §3.2 Fleet, §4.2 UiO, §5 AASA ids): identifiers, team, methods, ExtensionData keys,
// managed-preferences payloads and the BaseURL trailing-slash rule. One table feeds the generator,
// the linter, `doctor --mac-ready` and the server's AASA, so they cannot disagree.

export type ExtensionName = 'twocanoes' | 'fleet' | 'uio';
export type ProfileExtension = ExtensionName | 'native';
export type ProfileMethod = 'Password' | 'UserSecureEnclaveKey' | 'SmartCard' | 'OpenID';

export interface ExtensionKey {
  readonly name: string;
  readonly type: 'string' | 'boolean';
  readonly required?: boolean;
  readonly summary: string;
}

export interface ExtensionSpec {
  readonly name: ExtensionName;
  readonly title: string;
  readonly extensionIdentifier: string;
  /** The team that signs the published build; UiO has none (build it yourself). */
  readonly teamIdentifier?: string;
  /** The host app's bundle id (AASA lists it beside the extension). */
  readonly hostAppIdentifier: string;
  readonly methods: readonly ProfileMethod[];
  readonly defaultMethod: ProfileMethod;
  /** 'with': the extension concatenates base + endpoint; 'without': it appends '/psso/...' itself. */
  readonly baseUrlSlash: 'with' | 'without' | 'either';
  readonly requiresRegistrationToken: boolean;
  readonly requiresSharedDeviceKeys: boolean;
  /** The server verifies Apple device attestation with serial and UDID (§4.6). */
  readonly attestation: boolean;
  /** Keys the extension reads from ExtensionData. */
  readonly extensionData: readonly ExtensionKey[];
  /** A custom payload whose PayloadType is a preference domain, and the keys it carries. */
  readonly managedPreferences?: { readonly domain: string; readonly keys: readonly ExtensionKey[]; readonly why: string };
  /** The extension's associated domain comes from an MDM com.apple.associated-domains payload. */
  readonly mdmAssociatedDomains: boolean;
  /** Default config base path (src/config/schema.ts extensions.*.basePath). */
  readonly defaultBasePath: string;
  /** Oldest macOS the extension runs on (for the generator's default target). */
  readonly minMacOS: string;
}

const str = (name: string, summary: string, required = false): ExtensionKey => ({ name, type: 'string', summary, ...(required ? { required } : {}) });
const bool = (name: string, summary: string): ExtensionKey => ({ name, type: 'boolean', summary });

// Scissors' revisions read different spellings (§2.2), so the profile carries both.
const twocanoesKeys: readonly ExtensionKey[] = [
  str('BaseURL', 'Base URL ending in "/"; endpoints are appended as plain strings (bundled defaults and sample profiles).', true),
  str('PSSOUrlPathString', 'The same base URL under the name the code of @0dd3952 reads.', true),
  str('Issuer', 'The id_token iss the extension expects.', true),
  str('Audience', 'Audience of the login configuration.'),
  str('ClientID', 'Client id of the login configuration (psso).'),
  str('TokenEndpoint', 'Path after the base URL: token.'),
  str('JwksEndpoint', 'Path after the base URL: .well-known/jwks.json.'),
  str('NonceEndpoint', 'Path after the base URL: nonce (the newer build also reads its client id from this key).'),
  str('RegistrationEndpoint', 'Path after the base URL: register.'),
  str('CallbackURLString', 'Browser-SSO callback prefix the web view stops at.'),
  str('Username', 'Fallback login user name (@0dd3952).'),
];

const uioKeys: readonly ExtensionKey[] = [
  str('BaseURL', 'The realm URL, without a trailing slash; the extension appends /psso/... and /protocol/openid-connect/...', true),
  str('Issuer', 'The id_token iss (the realm URL).', true),
  str('ClientID', 'Client id of PSSO requests and of the registration sign-in (psso).', true),
  str('Audience', 'aud of Secure Enclave assertions (psso).', true),
  bool('UseRefreshToken', 'WL-N: send refresh requests to the token URL.'),
  bool('includePlatformSSOAuthorizationScopes', 'WL-N, macOS 27: ask for one urn:apple:platformsso:auth:* scope.'),
  bool('SilentUserRegistrationDuringSetupAssistant', 'WL-N: trade the PSSO refresh token for an access token in Setup Assistant.'),
  bool('ForceIDPReauthentication', 'WL-N step-up: always re-authenticate at the identity provider.'),
  bool('ForceLocalReauthentication', 'WL-N step-up: prompt locally first.'),
  bool('UseTouchIDOrWatchCurrentSet', 'WL-N Secure Enclave key biometric policy.'),
  bool('UseTouchIDOrWatchAny', 'WL-N Secure Enclave key biometric policy.'),
  bool('ReuseUnlock', 'WL-N Secure Enclave key biometric policy.'),
  bool('PasswordFallback', 'WL-N Secure Enclave key biometric policy.'),
  str('ProfilePictureURLClaim', 'WL-N: id_token claim with the profile picture URL (default picture).'),
];

export const EXTENSIONS: Readonly<Record<ExtensionName, ExtensionSpec>> = {
  twocanoes: {
    name: 'twocanoes', title: 'twocanoes Scissors', extensionIdentifier: 'com.twocanoes.Scissors.ssoe', teamIdentifier: 'UXP6YEHSPW',
    hostAppIdentifier: 'com.twocanoes.Scissors', methods: ['Password'], defaultMethod: 'Password', baseUrlSlash: 'with',
    requiresRegistrationToken: false, requiresSharedDeviceKeys: false, attestation: false, extensionData: twocanoesKeys,
    managedPreferences: { domain: 'com.twocanoes.Scissors.ssoe', keys: twocanoesKeys, why: 'older Scissors builds read their settings from managed preferences, not ExtensionData' },
    mdmAssociatedDomains: false, defaultBasePath: '/twocanoes', minMacOS: '14',
  },
  fleet: {
    name: 'fleet', title: 'Fleet FleetPSSOExtension', extensionIdentifier: 'com.fleetdm.fleet-desktop.pssoextension', teamIdentifier: '8VBZ3948LU',
    hostAppIdentifier: 'com.fleetdm.fleet-desktop', methods: ['Password'], defaultMethod: 'Password', baseUrlSlash: 'either',
    requiresRegistrationToken: true, requiresSharedDeviceKeys: true, attestation: false,
    extensionData: [str('BaseURL', 'https URL the extension appends /api/mdm/apple/psso/... to.', true)],
    managedPreferences: { domain: 'com.fleetdm.fleetd.config', keys: [str('FleetURL', 'The installer aborts without it; the extension does not read it.', true)], why: 'the Fleet Desktop installer aborts without it' },
    mdmAssociatedDomains: true, defaultBasePath: '/fleet', minMacOS: '14',
  },
  uio: {
    name: 'uio', title: 'UiO Weblogin SSO', extensionIdentifier: 'no.uio.WebloginSSO.ssoe', hostAppIdentifier: 'no.uio.WebloginSSO',
    methods: ['UserSecureEnclaveKey', 'Password'], defaultMethod: 'UserSecureEnclaveKey', baseUrlSlash: 'without',
    requiresRegistrationToken: false, requiresSharedDeviceKeys: true, attestation: true, extensionData: uioKeys,
    managedPreferences: { domain: 'no.uio.WebloginSSO.ssoe', keys: uioKeys.slice(0, 4), why: 'the first generation (WL-0) reads its four keys from managed preferences' },
    mdmAssociatedDomains: false, defaultBasePath: '/realms/openpsso', minMacOS: '15.5',
  },
};

/** UiO's own build team (the reference build); admins sign with their own, so it is only a hint. */
export const UIO_REFERENCE_TEAM = 'L6H6YNBUBK';

/** The identifiers OpenPSSO's own profiles used before a real extension was known: virtual Mac only. */
export const PLACEHOLDER_EXTENSION = { extensionIdentifier: 'org.openpsso.mac.ssoextension', teamIdentifier: '0000000000' } as const;

/** Team IDs that are obviously not a real team: one repeated character, or a run of digits. */
export function isPlaceholderTeam(team: string): boolean {
  return /^(.)\1{9}$/.test(team) || team === '1234567890' || team === '0123456789' || team === 'TEAMID0000';
}

export function extensionById(extensionIdentifier: string | undefined): ExtensionSpec | undefined {
  return Object.values(EXTENSIONS).find((e) => e.extensionIdentifier === extensionIdentifier);
}

/** The extension's BaseURL for an OpenPSSO issuer and the dialect's base path (twocanoes keeps its '/'). */
export function extensionBaseUrl(ext: ExtensionName, issuer: string, basePath = EXTENSIONS[ext].defaultBasePath): string {
  const base = `${issuer.replace(/\/+$/, '')}${basePath === '/' ? '' : basePath}`;
  return EXTENSIONS[ext].baseUrlSlash === 'with' ? `${base}/` : base;
}

/** AASA authsrv app ids for an extension signed by `team` (the extension, and the host app where the reference lists it). */
export function aasaAppIds(ext: ExtensionName, team: string): string[] {
  const e = EXTENSIONS[ext];
  return [`${team}.${e.extensionIdentifier}`, `${team}.${e.hostAppIdentifier}`];
}
