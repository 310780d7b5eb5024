// Names that belong to other configuration layers but get pasted into a Platform SSO profile: the
// declarative (DDM) ExtensibleSSO.PlatformSSO groups and keys (entra-mdm.md §1.4) and the extension's
// login-configuration property for authorization scopes (web-login-macos27.md §9, extensions.md §4.2).

export interface ForeignName {
  /** What the name is. */
  readonly what: string;
  /** Where the setting goes in a profile instead. */
  readonly instead: string;
  /** macOS version the finding concerns (the version of the setting meant). */
  readonly since: string;
}

const group = (name: string, keys: string, since = '26.0'): ForeignName => ({ since, what: `"${name}" is a group of the declarative (DDM) ExtensibleSSO.PlatformSSO configuration`, instead: `in a profile its keys sit directly in the PlatformSSO dictionary, under their profile names (${keys})` });
const ddmKey = (name: string, key: string, since = '26.0'): ForeignName => ({ since, what: `"${name}" is the declarative (DDM) name of a setting`, instead: `in a profile the key is PlatformSSO.${key}` });

const names: Record<string, ForeignName> = {
  WebAuthentication: group('WebAuthentication', 'WebAuthentication.URLAllowList → WebLoginURLAllowList, WebAuthentication.AllowPasswordSync → AllowWebLoginPasswordSync', '27'),
  UserCreation: group('UserCreation', 'UserCreation.EnableAtLogin → EnableCreateUserAtLogin, NewUserAuthenticationMethods, NewUserAuthorizationMode, TokenToUserMapping, EnableRegistrationDuringSetup, EnableFirstUserDuringSetup → EnableCreateFirstUserDuringSetup'),
  Authorization: group('Authorization', 'Authorization.EnableIdentityProviderAccounts → EnableAuthorization, UserAuthorizationMode, AdministratorGroups, AdditionalGroups, AuthorizationGroups'),
  Policies: group('Policies', 'Policies.Login → LoginPolicy, Policies.Unlock → UnlockPolicy, Policies.FileVault → FileVaultPolicy, OfflineGracePeriod, AuthenticationGracePeriod, NonPlatformSSOAccounts'),
  Account: group('Account', 'Account.DisplayName → AccountDisplayName, SynchronizeProfilePicture'),
  AccessKey: group('AccessKey', 'AccessKey.ReaderGroupIdentifier → AccessKeyReaderGroupIdentifier, AccessKey.AllowExpressMode → AllowAccessKeyExpressMode, ...'),
  URLAllowList: ddmKey('URLAllowList', 'WebLoginURLAllowList', '27'),
  AllowPasswordSync: ddmKey('AllowPasswordSync', 'AllowWebLoginPasswordSync', '27'),
  EnableIdentityProviderAccounts: ddmKey('EnableIdentityProviderAccounts', 'EnableAuthorization'),
  EnableAtLogin: ddmKey('EnableAtLogin', 'EnableCreateUserAtLogin'),
  EnableFirstUserDuringSetup: ddmKey('EnableFirstUserDuringSetup', 'EnableCreateFirstUserDuringSetup'),
  AllowExpressMode: ddmKey('AllowExpressMode', 'AllowAccessKeyExpressMode'),
  ReaderGroupIdentifier: ddmKey('ReaderGroupIdentifier', 'AccessKeyReaderGroupIdentifier'),
};

const scopesOptIn: ForeignName = {
  since: '27',
  what: '"includePlatformSSOAuthorizationScopes" is a property of the SSO extension\'s login configuration (macOS 27), not a macOS profile key; macOS ignores it here',
  instead: 'put it in the payload\'s ExtensionData if your extension reads it from there (UiO\'s Weblogin extension does, as a boolean), or turn it on in the extension itself',
};

/** The DDM or login-configuration meaning of a key found in the payload or PlatformSSO, if it is one. */
export function foreignName(key: string): ForeignName | undefined {
  if (key.toLowerCase() === 'includeplatformssoauthorizationscopes') return scopesOptIn;
  return Object.hasOwn(names, key) ? names[key] : undefined;
}
