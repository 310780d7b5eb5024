// The virtual Mac's persistent state shapes (device, login, user configuration and keychain), after what `app-sso platform -s` shows (psso-protocol.md §9.1).

/** openid: macOS 27 web-based login (AuthenticationMethod OpenID): the web sign-in is the credential. */
export type Method = 'password' | 'secure_enclave' | 'smart_card' | 'openid';

export const METHODS: readonly Method[] = ['password', 'secure_enclave', 'smart_card', 'openid'];

/**
 * How the command line spells a method, in input, help and messages: kebab case, as `profile
 * generate --method` does. Stored state, JSON output and the registration API keep the wire values.
 */
export const CLI_METHOD_NAMES: Readonly<Record<Method, string>> = { password: 'password', secure_enclave: 'secure-enclave', smart_card: 'smart-card', openid: 'openid' };

/** Epoch milliseconds, like the server's Clock, so one ManualClock can drive both in tests. */
export interface MacClock {
  now(): number;
}

export interface TokenToUserMapping {
  AccountName?: string;
  FullName?: string;
}

/** What AppSSOAgent keeps about the device registration (app-sso "Device Configuration"). */
export interface DeviceConfig {
  version: 1;
  deviceUuid: string;
  created: number;
  signingKid: string;
  encryptionKid: string;
  sharedDeviceKeys: boolean;
  registrationCompleted: boolean;
  /** Why the last request said the registration is no longer valid (unknown or revoked device). */
  needsRepair?: string;
  /** The server's id for this device (native API), used for user registration. */
  serverDeviceId?: string;
  serverUrl?: string;
  compat: boolean;
  /** The open SSO extension this Mac acts as (`mac register --extension`); native when absent. */
  extension?: 'twocanoes' | 'fleet' | 'uio';
  /** UiO only: which generation of its extension (wl0, wln): their browser-SSO envelopes differ. */
  extensionGeneration?: 'wl0' | 'wln';
  extensionIdentifier: string;
  /** What the extension reported as supportedGrantTypes at registration (tokenExchange: web login). */
  supportedGrantTypes?: string[];
  /** The profile's AuthenticationMethod (users may still be registered with another one). */
  method: Method;
  /** Raw profile value; the effective one is clamped by token-policy.effectiveLoginFrequency. */
  loginFrequency: number;
  createUsersEnabled: boolean;
  /** Use loginRequestEncryptionPublicKey when the login configuration has one (Apple's behaviour). */
  encryptPassword: boolean;
  /** Group names the profile cares about (Administrator/Additional/Authorization groups). */
  groupsToRequest?: string[];
  accountDisplayName?: string;
  tokenToUserMapping?: TokenToUserMapping;
  lastEncryptionKeyChange?: number;
}

/** ASAuthorizationProviderExtensionLoginConfiguration as the extension saved it (app-sso "Login Configuration"). */
export interface LoginConfig {
  clientID: string;
  issuer: string;
  audience?: string;
  tokenEndpointURL: string;
  nonceEndpointURL?: string;
  refreshEndpointURL?: string;
  keyEndpointURL?: string;
  jwksEndpointURL: string;
  nonceResponseKeypath?: string;
  serverNonceClaimName?: string;
  additionalScopes?: string;
  uniqueIdentifierClaimName?: string;
  loginRequestEncryptionPublicKey?: string;
  loginRequestEncryptionAPVPrefix?: string;
  /** macOS 27 web-based login: the extension's grant types and the dynamic-mode settings. */
  supportedGrantTypes?: string[];
  federationType?: string;
  federationUserPreauthenticationURL?: string;
  authorizationURLKeypath?: string;
  authorizationURL?: string;
  /** includePlatformSSOAuthorizationScopes: add the urn:apple:platformsso:auth:* scope to every request. */
  includePlatformSSOAuthorizationScopes?: boolean;
  tokenToUserMapping?: TokenToUserMapping;
  accountDisplayName?: string;
  /** customLoginRequestBodyClaims / customRefreshRequestBodyClaims: extra claims the extension adds (UiO: signKeyId, encKeyId). */
  customLoginRequestValues?: Record<string, string>;
  customRefreshRequestValues?: Record<string, string>;
  created: number;
}

/** The local macOS account, with a software stand-in for its password hash (scrypt). */
export interface LocalAccount {
  shortName: string;
  fullName: string;
  passwordHash: string;
  created: number;
  passwordChanged?: number;
}

/** Per-user PSSO state (app-sso "User Configuration"). */
export interface UserConfig {
  loginUserName: string;
  method: Method;
  created: number;
  registered: boolean;
  uniqueIdentifier?: string;
  /** Time of the last FULL login; refreshes do not move it (LoginFrequency is measured from it). */
  lastLoginDate?: number;
  userKeyId?: string;
  smartCardKeyPath?: string;
  smartCardCertPath?: string;
  /** base64url DER of the PSSO 2.0 unlock certificate from key_request. */
  unlockCertificate?: string;
  keyContext?: string;
  groups?: string[];
}

/** The keychain item holding the SSO tokens (app-sso "SSO Tokens"). */
export interface SsoTokens {
  idToken: string;
  refreshToken: string;
  tokenType?: string;
  received: number;
  expiration: number;
}

export interface UserState {
  slug: string;
  account?: LocalAccount;
  config?: UserConfig;
  tokens?: SsoTokens;
}
