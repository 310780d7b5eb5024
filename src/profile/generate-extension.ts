// Turns `profile generate --extension twocanoes|fleet|uio|native` into generator options and the
// extra payloads each open extension needs (extensions.md §2.9, §3.8, §4.12): the SSO payload's
// identifiers, method and ExtensionData, managed preferences, Fleet's MDM associated domains, and
// AllowDeviceIdentifiersInAttestation where attestation is required.

import type { ExtraPayload, OpenPssoProfileOptions } from './generate.js';
import { ProfileOptionsError } from './generate.js';
import { compareVersions } from './util.js';
import { EXTENSIONS, PLACEHOLDER_EXTENSION, extensionBaseUrl, type ExtensionName, type ProfileExtension } from './extensions.js';

/** Per-extension settings from the OpenPSSO configuration (src/config/schema.ts `extensions`). */
export interface DialectConfig {
  readonly basePath?: string;
  readonly clientId?: string;
  readonly clientIds?: readonly string[];
  readonly audience?: string;
  readonly idTokenIssuer?: string;
}

export interface ExtensionProfileInput {
  readonly extension: ProfileExtension;
  /** The OpenPSSO issuer; the extension's BaseURL is issuer + basePath. */
  readonly issuer: string;
  readonly dialect?: DialectConfig;
  /** Overrides issuer + basePath. */
  readonly baseUrl?: string;
  readonly extensionIdentifier?: string;
  readonly teamIdentifier?: string;
  readonly attestation?: 'required' | 'preferred' | 'off';
  readonly registrationToken?: string;
  /** UiO WL-N: ExtensionData.UseRefreshToken. */
  readonly useRefreshToken?: boolean;
  /** Generator options given on the command line or in an options file (method, target, ...). */
  readonly options: Record<string, unknown>;
}

export interface ExtensionProfilePlan {
  readonly options: OpenPssoProfileOptions;
  readonly payloads: ExtraPayload[];
  /** Printed by the CLI: what an admin must still do or replace. */
  readonly warnings: string[];
}

/** Stands in for a per-device token; the linter reports it (PSSO-L053) so it cannot reach a real Mac unnoticed. */
export const REGISTRATION_TOKEN_PLACEHOLDER = 'REPLACE-WITH-REGISTRATION-TOKEN';

const withoutSlash = (u: string) => u.replace(/\/+$/, '');

export function planExtensionProfile(input: ExtensionProfileInput): ExtensionProfilePlan {
  const warnings: string[] = [];
  const o: Record<string, unknown> = { ...input.options, template: 'openpsso' };
  if (input.registrationToken !== undefined) o.registrationToken = input.registrationToken;
  if (input.useRefreshToken !== undefined && input.extension !== 'uio') throw new ProfileOptionsError('--use-refresh-token is a setting of the UiO extension (--extension uio)');
  if (input.baseUrl !== undefined && input.extension === 'native') throw new ProfileOptionsError('--base-url is the BaseURL of an open extension (--extension twocanoes|fleet|uio); the native profile uses --issuer');
  if (input.attestation === 'required') o.allowDeviceIdentifiersInAttestation = true;
  if (input.extension === 'native') {
    if (o.allowDeviceIdentifiersInAttestation && o.targetMacOS === undefined) o.targetMacOS = '15.4';
    const id = input.extensionIdentifier;
    const team = input.teamIdentifier;
    if ((id === undefined) !== (team === undefined)) throw new ProfileOptionsError('give both --extension-id and --team-id for your own extension');
    if (id === undefined) {
      warnings.push(`no SSO extension given (--extension-id/--team-id, or aasa.authsrvApps in the OpenPSSO configuration); this profile names the placeholder ${PLACEHOLDER_EXTENSION.teamIdentifier}.${PLACEHOLDER_EXTENSION.extensionIdentifier} and works with the virtual Mac only. For a real Mac pick an open extension (--extension twocanoes|fleet|uio; see docs/real-macs.md); \`profile lint\` reports PSSO-L039.`);
    }
    o.extensionIdentifier = id ?? PLACEHOLDER_EXTENSION.extensionIdentifier;
    o.teamIdentifier = team ?? PLACEHOLDER_EXTENSION.teamIdentifier;
    o.issuer = input.issuer;
    return { options: o as OpenPssoProfileOptions, payloads: [], warnings };
  }
  const name: ExtensionName = input.extension;
  const ext = EXTENSIONS[name];
  const d = input.dialect ?? {};
  const team = input.teamIdentifier ?? ext.teamIdentifier;
  if (!team) throw new ProfileOptionsError(`${ext.title} has no published build: build and sign it under your own Apple team and pass that team with --team-id (extensions.md §4.12).`);
  const extensionIdentifier = input.extensionIdentifier ?? ext.extensionIdentifier;
  const base = input.baseUrl
    ? (ext.baseUrlSlash === 'with' ? `${withoutSlash(input.baseUrl)}/` : ext.baseUrlSlash === 'without' ? withoutSlash(input.baseUrl) : input.baseUrl)
    : extensionBaseUrl(name, input.issuer, d.basePath);
  o.issuer = withoutSlash(base);
  o.extensionIdentifier = extensionIdentifier;
  o.teamIdentifier = team;
  o.method ??= ext.defaultMethod;
  if (!ext.methods.includes(o.method as never)) throw new ProfileOptionsError(`${ext.title} supports ${ext.methods.join(' or ')}, not ${String(o.method)}.`);
  if (ext.requiresSharedDeviceKeys) {
    if (o.useSharedDeviceKeys === false) throw new ProfileOptionsError(`${ext.title} uses the shared device keys only; drop --no-shared-device-keys.`);
    o.useSharedDeviceKeys = true;
  }
  if (ext.attestation && input.attestation !== 'off') o.allowDeviceIdentifiersInAttestation = true;
  // AllowDeviceIdentifiersInAttestation needs macOS 15.4; UiO's extension needs 15.5 anyway.
  if (o.targetMacOS === undefined) o.targetMacOS = o.allowDeviceIdentifiersInAttestation && compareVersions(ext.minMacOS, '15.4') < 0 ? '15.4' : ext.minMacOS;
  if (ext.requiresRegistrationToken && o.registrationToken === undefined) {
    o.registrationToken = REGISTRATION_TOKEN_PLACEHOLDER;
    warnings.push(`${ext.title} registers only with a RegistrationToken; this profile carries the placeholder ${REGISTRATION_TOKEN_PLACEHOLDER}. Create one with \`openpsso regtoken create\` and pass --registration-token (or let your MDM substitute it), or registration fails on the Mac.`);
  }

  let data: Record<string, unknown>;
  const payloads: ExtraPayload[] = [];
  if (name === 'twocanoes') {
    const clientId = d.clientIds?.[0] ?? 'psso';
    data = {
      BaseURL: base, PSSOUrlPathString: base, Issuer: d.idTokenIssuer ?? base, Audience: clientId, ClientID: clientId,
      TokenEndpoint: 'token', JwksEndpoint: '.well-known/jwks.json', NonceEndpoint: 'nonce', RegistrationEndpoint: 'register',
    };
    payloads.push(prefs(ext.managedPreferences!.domain, 'twocanoes-preferences', 'Scissors settings', { BaseURL: base, PSSOUrlPathString: base, Issuer: data.Issuer, Audience: clientId, ClientID: clientId }));
  } else if (name === 'fleet') {
    data = { BaseURL: base };
    payloads.push({
      PayloadType: 'com.apple.associated-domains', role: 'associated-domains', PayloadDisplayName: 'Associated domain of the Fleet SSO extension',
      content: { Configuration: [{ ApplicationIdentifier: `${team}.${extensionIdentifier}`, AssociatedDomains: [`authsrv:${new URL(base).host}`] }] },
    });
    payloads.push(prefs(ext.managedPreferences!.domain, 'fleetd-config', 'Fleet Desktop installer settings', { FleetURL: base }));
  } else {
    const clientId = d.clientId ?? 'psso';
    data = { BaseURL: base, Issuer: d.idTokenIssuer ?? base, ClientID: clientId, Audience: d.audience ?? 'psso', ...(input.useRefreshToken !== undefined ? { UseRefreshToken: input.useRefreshToken } : {}) };
    payloads.push(prefs(ext.managedPreferences!.domain, 'uio-preferences', 'Weblogin SSO settings (first generation)', { BaseURL: base, Issuer: data.Issuer, ClientID: clientId, Audience: data.Audience }));
  }
  o.extensionData = { ...data, ...(input.options.extensionData as Record<string, unknown> | undefined) };
  return { options: o as OpenPssoProfileOptions, payloads, warnings };
}

function prefs(domain: string, role: string, title: string, content: Record<string, unknown>): ExtraPayload {
  // A payload whose PayloadType is a preference domain becomes that domain's managed preferences.
  return { PayloadType: domain, role, PayloadDisplayName: title, content };
}
