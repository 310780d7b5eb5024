// Generates a .mobileconfig (XML plist) with the com.apple.extensiblesso payload and its PlatformSSO
// dictionary, for an OpenPSSO instance or as a Microsoft Entra template (entra-mdm.md §1.2, §1.5).
// Output is reproducible: PayloadUUIDs are name-based UUIDs of the options unless asked otherwise.

import { createHash, randomUUID } from 'node:crypto';
import { build as buildPlist, type PlistValue } from 'plist';
import { z } from 'zod';
import { ENTRA_EXTENSION_ID, ENTRA_TEAM_ID, EXTENSIBLE_SSO, findSpecs, policyValueNames } from './keys.js';
import { lintProfile, resolveTarget, type Finding } from './lint.js';
import { allowListEntry } from './lint-web-login.js';
import { signProfile, type SignOptions } from './cms.js';
import { compareVersions } from './util.js';

const methods = ['Password', 'UserSecureEnclaveKey', 'SmartCard', 'OpenID'] as const;
const authModes = ['Standard', 'Admin', 'Groups'] as const;
const policy = z.array(z.enum(policyValueNames as [string, ...string[]])).min(1);
const seconds = z.number().int().min(0);

/** Options common to the OpenPSSO profile and the Entra template. */
const common = {
  /** macOS version of the oldest Mac in the fleet; keys newer than it are refused. */
  targetMacOS: z.string().default('14'),
  method: z.enum(methods).default('UserSecureEnclaveKey'),
  useSharedDeviceKeys: z.boolean().default(true),
  accountDisplayName: z.string().min(1).optional(),
  loginFrequency: z.number().int().min(3600).optional(),
  enableCreateUserAtLogin: z.boolean().optional(),
  enableAuthorization: z.boolean().optional(),
  tokenToUserMapping: z.object({ accountName: z.string().min(1).optional(), fullName: z.string().min(1).optional() }).optional(),
  userAuthorizationMode: z.enum(authModes).optional(),
  newUserAuthorizationMode: z.enum([...authModes, 'Temporary']).optional(),
  administratorGroups: z.array(z.string().min(1)).max(100).optional(),
  additionalGroups: z.array(z.string().min(1)).max(100).optional(),
  authorizationGroups: z.record(z.string(), z.string().min(1)).optional(),
  loginPolicy: policy.optional(),
  unlockPolicy: policy.optional(),
  fileVaultPolicy: policy.optional(),
  offlineGracePeriod: seconds.optional(),
  authenticationGracePeriod: seconds.optional(),
  nonPlatformSSOAccounts: z.array(z.string().min(1)).optional(),
  allowDeviceIdentifiersInAttestation: z.boolean().optional(),
  enableRegistrationDuringSetup: z.boolean().optional(),
  enableCreateFirstUserDuringSetup: z.boolean().optional(),
  /** Methods for the first login that creates an account (macOS 26; OpenID 27). AccessKey needs data the generator does not take. */
  newUserAuthenticationMethods: z.array(z.enum(['Password', 'SmartCard', 'OpenID'])).min(1).optional(),
  /** More WebLoginURLAllowList entries (scheme and host) besides the issuer's, e.g. an upstream identity provider. */
  webLoginURLAllowList: z.array(z.string().min(1)).optional(),
  /** macOS 27 web login: sync the password typed in the sign-in page to the local account (OpenID only). */
  allowWebLoginPasswordSync: z.boolean().optional(),
  /** macOS 27.2: always use the Platform SSO login UI at login, unlock and FileVault. */
  alwaysUseLoginUI: z.boolean().optional(),
  /** ExtensionData.includePlatformSSOAuthorizationScopes: extensions that read it (UiO Weblogin) opt in to the macOS 27 auth scopes. */
  authorizationScopes: z.boolean().optional(),
  screenLockedBehavior: z.enum(['Cancel', 'DoNotHandle']).optional(),
  registrationToken: z.string().min(1).optional(),
  /** Also write the deprecated top-level AuthenticationMethod for macOS 13 Macs (Password or UserSecureEnclaveKey). */
  includeMacOS13Method: z.boolean().default(false),
  extensionData: z.record(z.string(), z.unknown()).optional(),
  displayName: z.string().min(1).optional(),
  organization: z.string().min(1).optional(),
  /** PayloadIdentifier of the profile; the SSO payload gets `<identifier>.extensiblesso`. */
  identifier: z.string().regex(/^[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$/).optional(),
  /** Random PayloadUUIDs instead of name-based ones (each run then differs). */
  randomUUIDs: z.boolean().default(false),
};

export const openPssoOptionsSchema = z.object({
  template: z.literal('openpsso').default('openpsso'),
  /** Public base URL of the OpenPSSO instance (its issuer). */
  issuer: z.string().url().refine((u) => /^https?:\/\//.test(u) && !u.includes('?') && !u.includes('#'), 'must be an http(s) URL without query or fragment'),
  /** More URLs the extension should handle (e.g. a second host name). */
  additionalURLs: z.array(z.string().url()).optional(),
  extensionIdentifier: z.string().regex(/^[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$/, 'must be a bundle identifier'),
  teamIdentifier: z.string().regex(/^[A-Z0-9]{10}$/, 'must be a 10-character Team ID'),
  ...common,
}).strict();

export const entraOptionsSchema = z.object({
  template: z.literal('entra'),
  /** Sovereign clouds add their login hosts to the three global URLs. */
  cloud: z.enum(['global', 'china', 'usgov']).default('global'),
  ...common,
  registrationToken: z.string().min(1).default('{{DEVICEREGISTRATION}}'),
  screenLockedBehavior: z.enum(['Cancel', 'DoNotHandle']).default('DoNotHandle'),
}).strict();

export const generateOptionsSchema = z.union([entraOptionsSchema, openPssoOptionsSchema]);

export type OpenPssoProfileOptions = z.input<typeof openPssoOptionsSchema>;
export type EntraProfileOptions = z.input<typeof entraOptionsSchema>;
export type GenerateOptions = OpenPssoProfileOptions | EntraProfileOptions;

export class ProfileOptionsError extends Error {
  constructor(message: string, readonly findings: Finding[] = []) {
    super(message);
    this.name = 'ProfileOptionsError';
  }
}

const ENTRA_URLS: Record<'global' | 'china' | 'usgov', string[]> = {
  global: ['https://login.microsoftonline.com', 'https://login.microsoft.com', 'https://sts.windows.net'],
  china: ['https://login.partner.microsoftonline.cn', 'https://login.chinacloudapi.cn'],
  usgov: ['https://login.microsoftonline.us', 'https://login-us.microsoftonline.com'],
};

/** Namespace of OpenPSSO's name-based (RFC 9562 v5) PayloadUUIDs. Never change it: UUIDs would change. */
const UUID_NAMESPACE = '6f8a3c1e-52d4-4c9b-9f0e-0b7d2a4e8c51';

export function uuidV5(name: string, namespace = UUID_NAMESPACE): string {
  const ns = Buffer.from(namespace.replace(/-/g, ''), 'hex');
  const h = createHash('sha1').update(ns).update(name, 'utf8').digest().subarray(0, 16);
  h[6] = (h[6]! & 0x0f) | 0x50;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const x = h.toString('hex').toUpperCase();
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}

function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object') return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`).join(',')}}`;
  return JSON.stringify(v);
}

function reverseDns(url: string): string {
  const host = new URL(url).hostname;
  return /^[\d.]+$/.test(host) || host === 'localhost' ? 'local.openpsso' : host.split('.').reverse().join('.').replace(/[^A-Za-z0-9.-]/g, '-');
}

/** Option name → profile key, in the order keys are written inside PlatformSSO. */
const pssoKeyOrder: [string, string][] = [
  ['method', 'AuthenticationMethod'], ['useSharedDeviceKeys', 'UseSharedDeviceKeys'], ['accountDisplayName', 'AccountDisplayName'],
  ['loginFrequency', 'LoginFrequency'], ['enableCreateUserAtLogin', 'EnableCreateUserAtLogin'], ['enableAuthorization', 'EnableAuthorization'],
  ['tokenToUserMapping', 'TokenToUserMapping'], ['newUserAuthorizationMode', 'NewUserAuthorizationMode'], ['userAuthorizationMode', 'UserAuthorizationMode'],
  ['administratorGroups', 'AdministratorGroups'], ['additionalGroups', 'AdditionalGroups'], ['authorizationGroups', 'AuthorizationGroups'],
  ['loginPolicy', 'LoginPolicy'], ['unlockPolicy', 'UnlockPolicy'], ['fileVaultPolicy', 'FileVaultPolicy'],
  ['offlineGracePeriod', 'OfflineGracePeriod'], ['authenticationGracePeriod', 'AuthenticationGracePeriod'], ['nonPlatformSSOAccounts', 'NonPlatformSSOAccounts'],
  ['allowDeviceIdentifiersInAttestation', 'AllowDeviceIdentifiersInAttestation'], ['enableRegistrationDuringSetup', 'EnableRegistrationDuringSetup'],
  ['enableCreateFirstUserDuringSetup', 'EnableCreateFirstUserDuringSetup'], ['newUserAuthenticationMethods', 'NewUserAuthenticationMethods'],
  ['webLoginURLAllowList', 'WebLoginURLAllowList'], ['allowWebLoginPasswordSync', 'AllowWebLoginPasswordSync'], ['alwaysUseLoginUI', 'AlwaysUseLoginUI'],
];

/** A further payload of the profile (associated domains, an extension's managed preferences). */
export interface ExtraPayload {
  readonly PayloadType: string;
  /** Suffix of its PayloadIdentifier (after the profile's identifier). */
  readonly role: string;
  readonly PayloadDisplayName: string;
  readonly content: Record<string, unknown>;
}

export interface BuildExtras {
  readonly payloads?: readonly ExtraPayload[];
  /**
   * Lint as for the virtual Mac (default): an http:// issuer, a placeholder team or a missing
   * registration token are warnings here; `profile lint` reports them as errors for a real Mac.
   */
  readonly virtualMac?: boolean;
}

export interface GenerateResult {
  readonly xml: string;
  /** Lint findings of the generated profile (never errors: those throw). */
  readonly findings: Finding[];
}

/** Validates the options, builds the profile and lints it; throws ProfileOptionsError on any problem. */
export function buildProfile(input: GenerateOptions, extras: BuildExtras = {}): GenerateResult {
  const schema = (input as { template?: string }).template === 'entra' ? entraOptionsSchema : openPssoOptionsSchema;
  const parsed = schema.safeParse(input);
  if (!parsed.success) {
    const msgs = parsed.error.issues.map((i) => `${i.path.join('.') || '(options)'}: ${i.message}`);
    throw new ProfileOptionsError(`invalid profile options:\n  ${[...new Set(msgs)].join('\n  ')}`);
  }
  const o = parsed.data;
  const target = resolveTarget(o.targetMacOS);
  const policies = [o.loginPolicy, o.unlockPolicy, o.fileVaultPolicy].flatMap((x) => x ?? []);
  // Web login is in use when a login, account creation or the Touch ID fallback can show the web view.
  const webLogin = o.method === 'OpenID' || (o.newUserAuthenticationMethods ?? []).includes('OpenID') || policies.includes('AllowOpenIDForTouchIDFallback');
  if (o.template === 'entra' && (webLogin || o.webLoginURLAllowList || o.allowWebLoginPasswordSync)) {
    throw new ProfileOptionsError('Microsoft does not document macOS 27 web login (OpenID) for Entra; the Entra template does not write it.');
  }
  // The web view may load only allowed URLs: the issuer's host serves OpenPSSO's web-login and sign-in pages.
  const allowList = o.template === 'entra' || (!webLogin && !o.webLoginURLAllowList) ? undefined
    : [...new Set([...(webLogin ? [allowListEntry(o.issuer)] : []), ...(o.webLoginURLAllowList ?? [])])];
  const values: Record<string, unknown> = { ...o, webLoginURLAllowList: allowList };

  // Keys newer than the target are refused rather than silently dropped.
  const tooNew: string[] = [];
  const pss: Record<string, unknown> = {};
  for (const [opt, key] of pssoKeyOrder) {
    let v = values[opt];
    if (v === undefined) continue;
    if (opt === 'tokenToUserMapping') {
      const m = v as { accountName?: string; fullName?: string };
      v = { ...(m.accountName ? { AccountName: m.accountName } : {}), ...(m.fullName ? { FullName: m.fullName } : {}) };
    }
    const spec = findSpecs(key).find((s) => s.scope === 'platformSSO')!;
    // A macOS 13 fleet gets the top-level method; the PlatformSSO dict (14.0 keys) serves its newer Macs.
    const gate = compareVersions(target, '14') < 0 ? '14' : target;
    if (compareVersions(gate, spec.since) < 0) tooNew.push(`${opt} (${key}, macOS ${spec.since})`);
    // Values newer than the key (OpenID, Temporary, the Touch ID policy values) are gated as well.
    for (const one of Array.isArray(v) ? v : [v]) {
      const since = spec.values?.find((x) => x.value === one)?.since;
      if (since && compareVersions(target, since) < 0) tooNew.push(`${opt} ${String(one)} (macOS ${since})`);
    }
    pss[key] = v;
  }
  if (tooNew.length > 0) {
    throw new ProfileOptionsError(`these options need a newer macOS than the target ${target}: ${tooNew.join(', ')}. Raise targetMacOS (--target) or drop them.`);
  }
  if (compareVersions(target, '14') < 0 && !o.includeMacOS13Method) {
    throw new ProfileOptionsError('macOS 13 reads only the top-level AuthenticationMethod; set includeMacOS13Method (--macos13) for a fleet with macOS 13 Macs.');
  }
  if (o.includeMacOS13Method && (o.method === 'SmartCard' || o.method === 'OpenID')) {
    throw new ProfileOptionsError(`macOS 13 does not support ${o.method}; use Password or UserSecureEnclaveKey for a fleet with macOS 13 Macs.`);
  }

  let urls: string[];
  let extensionIdentifier: string;
  let teamIdentifier: string;
  let identifier: string;
  let displayName: string;
  if (o.template === 'entra') {
    urls = [...ENTRA_URLS.global, ...(o.cloud === 'global' ? [] : ENTRA_URLS[o.cloud])];
    extensionIdentifier = ENTRA_EXTENSION_ID;
    teamIdentifier = ENTRA_TEAM_ID;
    identifier = o.identifier ?? 'com.microsoft.entra.platformsso';
    displayName = o.displayName ?? 'Microsoft Entra Platform SSO';
    pss.TokenToUserMapping ??= { AccountName: 'preferred_username', FullName: 'name' };
  } else {
    const base = o.issuer.replace(/\/+$/, '');
    urls = [base, ...(o.additionalURLs ?? []).map((u) => u.replace(/\/+$/, ''))];
    extensionIdentifier = o.extensionIdentifier;
    teamIdentifier = o.teamIdentifier;
    identifier = o.identifier ?? `${reverseDns(base)}.openpsso.platformsso`;
    displayName = o.displayName ?? `Platform SSO (${new URL(base).host})`;
  }

  const extensionData = o.extensionData || o.authorizationScopes !== undefined
    ? { ...o.extensionData, ...(o.authorizationScopes !== undefined ? { includePlatformSSOAuthorizationScopes: o.authorizationScopes } : {}) }
    : o.template === 'entra' ? { AppPrefixAllowList: 'com.microsoft.,com.apple.', browser_sso_interaction_enabled: 1, disable_explicit_app_prompt: 1 } : undefined;
  const seed = canonical({ ...o, randomUUIDs: undefined });
  const uuid = (role: string) => (o.randomUUIDs ? randomUUID().toUpperCase() : uuidV5(`${seed}#${role}`));
  const payload: Record<string, unknown> = {
    PayloadType: EXTENSIBLE_SSO,
    PayloadVersion: 1,
    PayloadIdentifier: `${identifier}.extensiblesso`,
    PayloadUUID: uuid('payload'),
    PayloadDisplayName: 'Single Sign-On Extensions',
    ExtensionIdentifier: extensionIdentifier,
    TeamIdentifier: teamIdentifier,
    Type: 'Redirect',
    URLs: urls,
    ...(o.screenLockedBehavior ? { ScreenLockedBehavior: o.screenLockedBehavior } : {}),
    ...(o.registrationToken ? { RegistrationToken: o.registrationToken } : {}),
    ...(o.includeMacOS13Method ? { AuthenticationMethod: o.method } : {}),
    ...(extensionData ? { ExtensionData: extensionData } : {}),
    PlatformSSO: pss,
  };
  const profile: Record<string, unknown> = {
    PayloadType: 'Configuration',
    PayloadVersion: 1,
    PayloadIdentifier: identifier,
    PayloadUUID: uuid('profile'),
    PayloadDisplayName: displayName,
    ...(o.organization ? { PayloadOrganization: o.organization } : {}),
    PayloadDescription: `Configures macOS Platform Single Sign-On (${o.method}) for ${o.template === 'entra' ? 'Microsoft Entra ID' : urls[0]}.${webLogin
      ? ' Web login (OpenID) needs macOS 27, shared device keys, an SSO extension that supports it and the identity provider\'s Platform SSO 2.0 key service.' : ''}`,
    PayloadScope: 'System',
    PayloadContent: [payload, ...(extras.payloads ?? []).map((x) => ({
      PayloadType: x.PayloadType, PayloadVersion: 1, PayloadIdentifier: `${identifier}.${x.role}`, PayloadUUID: uuid(`${x.role}#${canonical(x.content)}`),
      PayloadDisplayName: x.PayloadDisplayName, ...x.content,
    }))],
  };
  const xml = buildPlist(profile as PlistValue);
  const lint = lintProfile(Buffer.from(xml, 'utf8'), { targetMacOS: target, virtualMac: extras.virtualMac ?? true });
  const errors = lint.findings.filter((f) => f.severity === 'error');
  if (errors.length > 0) {
    throw new ProfileOptionsError(`the options produce an invalid profile:\n  ${errors.map((f) => `${f.code} ${f.path}: ${f.message}`).join('\n  ')}`, errors);
  }
  return { xml: xml.endsWith('\n') ? xml : `${xml}\n`, findings: lint.findings };
}

/** The .mobileconfig XML for the options (see buildProfile for the findings as well). */
export function generateProfile(opts: GenerateOptions): string {
  return buildProfile(opts).xml;
}

/** The profile signed as CMS SignedData (DER), ready for an MDM upload. */
export function generateSignedProfile(opts: GenerateOptions, signing: SignOptions): Buffer {
  return signProfile(generateProfile(opts), signing);
}

/** Parses a JSON config file's text into options (a `template` of "entra" selects the Entra template). */
export function parseProfileConfig(text: string): GenerateOptions {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new ProfileOptionsError(`the config file is not valid JSON: ${(err as Error).message}`);
  }
  if (!data || typeof data !== 'object' || Array.isArray(data)) throw new ProfileOptionsError('the config file must hold a JSON object');
  return data as GenerateOptions;
}
