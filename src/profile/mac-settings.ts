// Reads the Platform SSO settings a Mac would apply from a profile, so the virtual Mac can configure
// itself from the same .mobileconfig an admin deploys (method, LoginFrequency, shared keys, ...).

import { EXTENSIBLE_SSO } from './keys.js';
import { extensionById, type ProfileExtension } from './extensions.js';
import { looksSigned, openSignedProfile } from './cms.js';
import { get, getBool, getInt, getString, getStringMap, getStrings, parsePlist, type PNode } from './plist-read.js';

export type MacAuthMethod = 'password' | 'secure_enclave' | 'smart_card';

// A type alias (not an interface) so it is assignable to the virtual Mac's index-signature settings type.
export type MacSettings = {
  method: MacAuthMethod;
  /** Seconds; 64800 (18 h) when the profile does not set it. */
  loginFrequency: number;
  sharedDeviceKeys: boolean;
  createUserAtLogin: boolean;
  enableAuthorization: boolean;
  registrationToken?: string;
  /** First URL of the Platform SSO payload: the identity provider's base URL. */
  issuerBaseUrl?: string;
  urls: string[];
  extensionIdentifier?: string;
  teamIdentifier?: string;
  accountDisplayName?: string;
  /** Claim names, in the profile's spelling (what the virtual Mac's login configuration uses). */
  tokenToUserMapping?: { AccountName?: string; FullName?: string };
  userAuthorizationMode?: 'Standard' | 'Admin' | 'Groups';
  newUserAuthorizationMode?: 'Standard' | 'Admin' | 'Groups' | 'Temporary';
  administratorGroups?: string[];
  additionalGroups?: string[];
  authorizationGroups?: Record<string, string>;
  loginPolicy?: string[];
  unlockPolicy?: string[];
  fileVaultPolicy?: string[];
  offlineGracePeriod?: number;
  authenticationGracePeriod?: number;
  nonPlatformSSOAccounts?: string[];
  screenLockedBehavior?: 'Cancel' | 'DoNotHandle';
  /** The open SSO extension the payload names (twocanoes, fleet, uio), or native for any other. */
  extension: ProfileExtension;
  /** ExtensionData.BaseURL: where the extension's dialect lives (issuer + basePath). */
  baseUrl?: string;
  /** ExtensionData as strings and booleans (what the open extensions read). */
  extensionData?: Record<string, string | boolean>;
  allowDeviceIdentifiersInAttestation?: boolean;
};

export class ProfileReadError extends Error {
  constructor(message: string) { super(message); this.name = 'ProfileReadError'; }
}

const methodMap: Record<string, MacAuthMethod> = { Password: 'password', UserSecureEnclaveKey: 'secure_enclave', SmartCard: 'smart_card' };

/**
 * Settings of the (single) Platform SSO payload of a profile, XML or binary, signed or not.
 * Like macOS, it ignores keys of the wrong type; it throws ProfileReadError when there is no usable
 * Platform SSO payload (run lintProfile for the reasons).
 */
export function readMacSettings(profileBytes: Buffer): MacSettings {
  let bytes = profileBytes;
  if (looksSigned(bytes)) bytes = openSignedProfile(bytes).content;
  let root: PNode;
  try {
    root = parsePlist(bytes).root;
  } catch (err) {
    throw new ProfileReadError(`cannot read the profile: ${(err as Error).message}`);
  }
  const payloads: PNode[] = getString(root, 'PayloadType') === EXTENSIBLE_SSO ? [root] : (get(root, 'PayloadContent')?.kind === 'array' ? (get(root, 'PayloadContent') as PNode & { kind: 'array' }).items : []);
  const sso = payloads.filter((p) => getString(p, 'PayloadType') === EXTENSIBLE_SSO && (get(p, 'PlatformSSO')?.kind === 'dict' || getString(p, 'AuthenticationMethod')));
  if (sso.length === 0) throw new ProfileReadError('the profile has no com.apple.extensiblesso payload with Platform SSO settings');
  if (sso.length > 1) throw new ProfileReadError('the profile has more than one Platform SSO payload');
  const p = sso[0]!;
  const pss = get(p, 'PlatformSSO');
  const rawMethod = getString(pss, 'AuthenticationMethod') ?? getString(p, 'AuthenticationMethod');
  const method = rawMethod ? methodMap[rawMethod] : undefined;
  if (!method) throw new ProfileReadError(rawMethod ? `unsupported AuthenticationMethod "${rawMethod}"` : 'the Platform SSO payload has no AuthenticationMethod');
  const urls = getStrings(p, 'URLs') ?? [];
  const lf = getInt(pss, 'LoginFrequency');
  const out: MacSettings = {
    method,
    loginFrequency: lf !== undefined && lf >= 3600 ? lf : 64800,
    sharedDeviceKeys: getBool(pss, 'UseSharedDeviceKeys') ?? false,
    createUserAtLogin: getBool(pss, 'EnableCreateUserAtLogin') ?? false,
    enableAuthorization: getBool(pss, 'EnableAuthorization') ?? false,
    urls,
    extension: extensionById(getString(p, 'ExtensionIdentifier'))?.name ?? 'native',
  };
  const set = <K extends keyof MacSettings>(k: K, v: MacSettings[K] | undefined) => { if (v !== undefined) out[k] = v; };
  set('registrationToken', getString(p, 'RegistrationToken'));
  set('issuerBaseUrl', urls[0]);
  set('extensionIdentifier', getString(p, 'ExtensionIdentifier'));
  set('teamIdentifier', getString(p, 'TeamIdentifier'));
  set('accountDisplayName', getString(pss, 'AccountDisplayName'));
  const map = get(pss, 'TokenToUserMapping');
  if (map?.kind === 'dict') {
    const m: { AccountName?: string; FullName?: string } = {};
    const a = getString(map, 'AccountName');
    const f = getString(map, 'FullName');
    if (a) m.AccountName = a;
    if (f) m.FullName = f;
    out.tokenToUserMapping = m;
  }
  const mode = getString(pss, 'UserAuthorizationMode');
  if (mode === 'Standard' || mode === 'Admin' || mode === 'Groups') out.userAuthorizationMode = mode;
  const newMode = getString(pss, 'NewUserAuthorizationMode');
  if (newMode === 'Standard' || newMode === 'Admin' || newMode === 'Groups' || newMode === 'Temporary') out.newUserAuthorizationMode = newMode;
  set('administratorGroups', getStrings(pss, 'AdministratorGroups'));
  set('additionalGroups', getStrings(pss, 'AdditionalGroups'));
  set('authorizationGroups', getStringMap(pss, 'AuthorizationGroups'));
  set('loginPolicy', getStrings(pss, 'LoginPolicy'));
  set('unlockPolicy', getStrings(pss, 'UnlockPolicy'));
  set('fileVaultPolicy', getStrings(pss, 'FileVaultPolicy'));
  set('offlineGracePeriod', getInt(pss, 'OfflineGracePeriod'));
  set('authenticationGracePeriod', getInt(pss, 'AuthenticationGracePeriod'));
  set('nonPlatformSSOAccounts', getStrings(pss, 'NonPlatformSSOAccounts'));
  const data = get(p, 'ExtensionData');
  if (data?.kind === 'dict') {
    const d: Record<string, string | boolean> = {};
    for (const e of data.entries) if (e.value.kind === 'string' || e.value.kind === 'boolean') d[e.key] = e.value.value;
    out.extensionData = d;
    if (typeof d.BaseURL === 'string') out.baseUrl = d.BaseURL;
  }
  set('allowDeviceIdentifiersInAttestation', getBool(pss, 'AllowDeviceIdentifiersInAttestation'));
  const slb = getString(p, 'ScreenLockedBehavior');
  if (slb === 'Cancel' || slb === 'DoNotHandle') out.screenLockedBehavior = slb;
  return out;
}
