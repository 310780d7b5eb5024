// Renders the virtual Mac's state in the layout of `app-sso platform -s` plus the System Settings > Users & Groups block (psso-protocol.md §9.1, §9.2).

import { appleStringify } from '../protocol/apple-json.js';
import { passwordSyncLine } from './password-sync.js';
import { effectiveLoginFrequency } from './token-policy.js';
import type { DeviceConfig, LoginConfig, Method, SsoTokens, UserConfig } from './types.js';

export interface StatusSnapshot {
  now: number;
  device?: DeviceConfig | undefined;
  login?: LoginConfig | undefined;
  user?: UserConfig | undefined;
  tokens?: SsoTokens | undefined;
  /** Full name of the local account, for the System Settings heading. */
  fullName?: string | undefined;
}

export const LOGIN_TYPE: Record<Method, string> = {
  password: 'POLoginTypePassword (1)',
  secure_enclave: 'POLoginTypeUserSecureEnclaveKey (2)',
  smart_card: 'POLoginTypeSmartCard (3)',
  // macOS 27 (beta): ASAuthorizationProviderExtensionAuthenticationMethod.openID, web-based login.
  openid: 'OpenID (web-based login)',
};

export const METHOD_LABEL: Record<Method, string> = { password: 'Password', secure_enclave: 'Secure Enclave', smart_card: 'Smart Card', openid: 'OpenID (web login)' };

/** ISO 8601 in UTC without milliseconds, as app-sso prints dates. */
export function isoZ(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** The `Time:` line format: "2026-04-25 09:41:29 +0000". */
export function timeLine(ms: number): string {
  return `${isoZ(ms).replace('T', ' ').replace('Z', '')} +0000`;
}

/** c***@domain, as app-sso masks loginUserName. */
export function maskLoginUserName(name: string): string {
  const at = name.indexOf('@');
  const local = at >= 0 ? name.slice(0, at) : name;
  const domain = at >= 0 ? name.slice(at) : '';
  return `${local.slice(0, 1)}***${domain}`;
}

/** Keys sorted like NSDictionary descriptions; undefined members dropped. */
function sorted(o: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(o).sort()) if (o[k] !== undefined) out[k] = o[k];
  return out;
}

export function deviceSection(d: DeviceConfig): Record<string, unknown> {
  return sorted({
    // app-sso shows 32 bytes of base64 key data here; the kid has exactly that shape and identifies the key.
    _deviceEncryptionKeyData: d.encryptionKid,
    _deviceSigningKeyData: d.signingKid,
    accountDisplayName: d.accountDisplayName,
    authorizationEnabled: false,
    created: isoZ(d.created),
    createUsersEnabled: d.createUsersEnabled,
    deviceUUID: d.deviceUuid,
    encryptionAlgorithm: 'ECDHE-A256GCM',
    extensionIdentifier: d.extensionIdentifier,
    lastEncryptionKeyChange: d.lastEncryptionKeyChange !== undefined ? isoZ(d.lastEncryptionKeyChange) : undefined,
    loginFrequency: effectiveLoginFrequency(d.loginFrequency),
    loginType: LOGIN_TYPE[d.method],
    protocolVersion: d.sharedDeviceKeys ? 1 : 0,
    registrationCompleted: d.registrationCompleted,
    sharedDeviceKeys: d.sharedDeviceKeys,
    signingAlgorithm: 'ES256',
    tokenToUserMapping: d.tokenToUserMapping,
    version: 1,
  });
}

export function loginSection(l: LoginConfig): Record<string, unknown> {
  const { created, ...rest } = l;
  return sorted({ ...rest, created: isoZ(created), loginRequestEncryptionAlgorithm: l.loginRequestEncryptionPublicKey ? 'ECDHE-A256GCM' : undefined });
}

export function userSection(u: UserConfig): Record<string, unknown> {
  return sorted({
    created: isoZ(u.created),
    lastLoginDate: u.lastLoginDate !== undefined ? isoZ(u.lastLoginDate) : undefined,
    loginType: LOGIN_TYPE[u.method],
    signingAlgorithm: 'ES256',
    state: u.registered ? 'POUserStateNormal (0)' : 'POUserStateNeedsRegistration (1)',
    uniqueIdentifier: u.uniqueIdentifier,
    userLoginConfiguration: { created: isoZ(u.created), loginUserName: maskLoginUserName(u.loginUserName) },
    userUnlockCertificate: u.unlockCertificate,
    version: 1,
  });
}

const block = (title: string, value: Record<string, unknown> | undefined) =>
  `${title}:\n ${value ? appleStringify(value) : '(null)'}`;

export function tokensBlock(t: SsoTokens | undefined, now: number): string {
  if (!t) return 'SSO Tokens:\n (null)';
  const state = t.expiration > now ? '(Not Expired)' : '(Expired)';
  return `SSO Tokens:\nReceived:\n${isoZ(t.received)}\nExpiration:\n${isoZ(t.expiration)} ${state}`;
}

export type RegistrationState = 'Registered' | 'Not registered' | 'Needs repair';

export function registrationState(d: DeviceConfig | undefined, u: UserConfig | undefined): RegistrationState {
  if (!d || !d.registrationCompleted) return 'Not registered';
  if (d.needsRepair) return 'Needs repair';
  return u?.registered ? 'Registered' : 'Not registered';
}

export interface SystemSettingsView {
  loginName: string | null;
  registration: RegistrationState;
  repairReason?: string;
  method: string | null;
  ssoTokens: 'Present (valid)' | 'Present (expired)' | 'Not present';
  passwordSync: string | null;
}

export function systemSettings(s: StatusSnapshot): SystemSettingsView {
  const method = s.user?.method;
  return {
    loginName: s.user?.loginUserName ?? null,
    registration: registrationState(s.device, s.user),
    ...(s.device?.needsRepair ? { repairReason: s.device.needsRepair } : {}),
    method: method ? METHOD_LABEL[method] : null,
    ssoTokens: !s.tokens ? 'Not present' : s.tokens.expiration > s.now ? 'Present (valid)' : 'Present (expired)',
    passwordSync: method ? passwordSyncLine(method) : null,
  };
}

export function formatStatus(s: StatusSnapshot): string {
  const v = systemSettings(s);
  const who = s.fullName ?? s.user?.loginUserName ?? '(no user)';
  const settings = [
    `System Settings > Users & Groups > ${who} > Platform Single Sign-On:`,
    `  Login name: ${v.loginName ?? '(none)'}`,
    `  Registration: ${v.registration}${v.repairReason ? ` (${v.repairReason})` : ''}`,
    `  Method: ${v.method ?? '(none)'}`,
    `  SSO tokens: ${v.ssoTokens}`,
    `  Password: ${v.passwordSync ?? '(no Platform SSO user)'}`,
  ];
  return [
    `Time: ${timeLine(s.now)}`,
    '',
    block('Device Configuration', s.device ? deviceSection(s.device) : undefined),
    '',
    block('Login Configuration', s.login ? loginSection(s.login) : undefined),
    '',
    block('User Configuration', s.user ? userSection(s.user) : undefined),
    '',
    tokensBlock(s.tokens, s.now),
    '',
    ...settings,
  ].join('\n') + '\n';
}

/** The same information for --json: sections as objects, null where app-sso prints (null). */
export function statusJson(s: StatusSnapshot): Record<string, unknown> {
  return {
    time: isoZ(s.now),
    deviceConfiguration: s.device ? deviceSection(s.device) : null,
    loginConfiguration: s.login ? loginSection(s.login) : null,
    userConfiguration: s.user ? userSection(s.user) : null,
    ssoTokens: s.tokens ? { received: isoZ(s.tokens.received), expiration: isoZ(s.tokens.expiration), expired: s.tokens.expiration <= s.now } : null,
    systemSettings: systemSettings(s),
  };
}
