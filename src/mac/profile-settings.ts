// Settings a virtual Mac takes from a Platform SSO configuration profile, read through src/profile/mac-settings.ts when that module is present.

import { readFile } from 'node:fs/promises';
import { MacError } from './errors.js';
import type { Method, TokenToUserMapping } from './types.js';
import { EXTENSION_NAMES, type ExtensionName } from './extensions/types.js';

/** The fields the Mac uses; the profile module may return more, which are ignored. */
export interface MacProfileSettings {
  method?: string;
  loginFrequency?: number;
  sharedDeviceKeys?: boolean;
  createUserAtLogin?: boolean;
  registrationToken?: string;
  issuerBaseUrl?: string;
  accountDisplayName?: string;
  extensionIdentifier?: string;
  /** src/profile spells the members accountName/fullName; the profile itself AccountName/FullName. */
  tokenToUserMapping?: { accountName?: string; fullName?: string; AccountName?: string; FullName?: string };
  administratorGroups?: string[];
  additionalGroups?: string[];
  authorizationGroups?: Record<string, string> | string[];
  [k: string]: unknown;
}

export interface ProfileDefaults {
  method?: Method;
  loginFrequency?: number;
  sharedDeviceKeys?: boolean;
  createUsersEnabled?: boolean;
  registrationToken?: string;
  issuerBaseUrl?: string;
  accountDisplayName?: string;
  extensionIdentifier?: string;
  tokenToUserMapping?: TokenToUserMapping;
  groups?: string[];
  /** The open SSO extension the profile names, and its ExtensionData.BaseURL (src/profile/mac-settings.ts). */
  extension?: ExtensionName;
  baseUrl?: string;
}

/** Both the profile spelling (UserSecureEnclaveKey) and the CLI spelling (secure_enclave). */
export function normaliseMethod(v: unknown): Method | undefined {
  if (typeof v !== 'string') return undefined;
  const k = v.toLowerCase().replace(/[^a-z]/g, '');
  if (k === 'password') return 'password';
  if (k === 'usersecureenclavekey' || k === 'secureenclave' || k === 'se') return 'secure_enclave';
  if (k === 'smartcard') return 'smart_card';
  if (k === 'openid' || k === 'weblogin') return 'openid';
  return undefined;
}

const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);

export function profileDefaults(p: MacProfileSettings | undefined): ProfileDefaults {
  if (!p) return {};
  const authz = p.authorizationGroups;
  // The Mac asks for the groups it will act on: administrator, additional and authorization groups.
  const groups = [...new Set([...strings(p.administratorGroups), ...strings(p.additionalGroups),
    ...(Array.isArray(authz) ? strings(authz) : authz && typeof authz === 'object' ? Object.values(authz).filter((x): x is string => typeof x === 'string') : [])])];
  const out: ProfileDefaults = {};
  const method = normaliseMethod(p.method);
  if (method) out.method = method;
  if (typeof p.loginFrequency === 'number') out.loginFrequency = p.loginFrequency;
  if (typeof p.sharedDeviceKeys === 'boolean') out.sharedDeviceKeys = p.sharedDeviceKeys;
  if (typeof p.createUserAtLogin === 'boolean') out.createUsersEnabled = p.createUserAtLogin;
  for (const k of ['registrationToken', 'issuerBaseUrl', 'accountDisplayName', 'extensionIdentifier'] as const) {
    if (typeof p[k] === 'string' && p[k]) out[k] = p[k];
  }
  const m = p.tokenToUserMapping;
  if (m && typeof m === 'object') {
    const AccountName = m.AccountName ?? m.accountName;
    const FullName = m.FullName ?? m.fullName;
    out.tokenToUserMapping = { ...(AccountName ? { AccountName } : {}), ...(FullName ? { FullName } : {}) };
  }
  if (groups.length) out.groups = groups;
  if (typeof p.extension === 'string' && (EXTENSION_NAMES as readonly string[]).includes(p.extension)) out.extension = p.extension as ExtensionName;
  if (typeof p.baseUrl === 'string' && p.baseUrl) out.baseUrl = p.baseUrl;
  return out;
}

type Reader = (bytes: Buffer) => MacProfileSettings | Promise<MacProfileSettings>;

/** Loads a .mobileconfig through the profile module, or explains that it is not available. */
export async function loadProfileSettings(file: string): Promise<MacProfileSettings> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (e) {
    throw new MacError('usage', `Cannot read the profile ${file}: ${(e as Error).message}`);
  }
  // A variable specifier keeps the type checker from requiring a module another engineer is still writing.
  const spec = '../profile/mac-settings.js';
  let reader: Reader | undefined;
  try {
    reader = ((await import(spec)) as { readMacSettings?: Reader }).readMacSettings;
  } catch {
    reader = undefined;
  }
  if (!reader) {
    throw new MacError('state', 'Reading configuration profiles is not available in this build (src/profile/mac-settings.ts with readMacSettings is missing). Pass the settings as flags instead (--method, --token, --server, --no-shared-keys, --login-frequency).');
  }
  try {
    return await reader(bytes);
  } catch (e) {
    throw new MacError('usage', `The profile ${file} could not be read: ${(e as Error).message}`);
  }
}
