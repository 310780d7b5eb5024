// Real-Mac readiness rules of a profile: http:// URLs, placeholder identifiers, and for the open SSO
// extensions (extensions.md §2.2, §3.2, §4.2, §4.12) their ExtensionData keys, BaseURL slash rule,
// methods, shared keys, registration token, attestation identifiers and companion payloads.

import { EXTENSIBLE_SSO } from './keys.js';
import { get, getBool, getString, getStrings, type PNode } from './plist-read.js';
import { join, posIn, type Linter } from './linter.js';
import { didYouMean } from './util.js';
import { PLACEHOLDER_EXTENSION, extensionById, isPlaceholderTeam, type ExtensionKey, type ExtensionSpec } from './extensions.js';
import type { Severity } from './finding-codes.js';

export interface ExtensionLintOptions {
  /** The profile is for the virtual Mac: what only a real Mac refuses becomes a warning. */
  readonly virtualMac?: boolean;
  /** The organisation requires Apple device attestation (serial and UDID). */
  readonly attestation?: 'required';
}

type Dict = PNode & { kind: 'dict' };
const isDict = (n: PNode | undefined): n is Dict => n?.kind === 'dict';
const loopback = (host: string) => /^(127\.|localhost$|\[::1\]$)/.test(host);

/** Lints every extensible-SSO payload of a profile root (or a bare payload) against the real-Mac rules. */
export function lintExtensions(l: Linter, root: PNode, opts: ExtensionLintOptions): void {
  const content = get(root, 'PayloadContent');
  const payloads: { node: Dict; path: string }[] = getString(root, 'PayloadType') === EXTENSIBLE_SSO && isDict(root)
    ? [{ node: root, path: '' }]
    : content?.kind === 'array' ? content.items.flatMap((p, i) => (isDict(p) ? [{ node: p, path: `PayloadContent[${i}]` }] : [])) : [];
  const realOnly = (base: Severity): Severity => (opts.virtualMac ? 'warning' : base);
  for (const { node: p, path } of payloads) {
    if (getString(p, 'PayloadType') !== EXTENSIBLE_SSO) continue;
    const at = (k: string) => join(path, k);
    (getStrings(p, 'URLs') ?? []).forEach((u, i) => httpUrl(l, `${at('URLs')}[${i}]`, u, realOnly, posIn(p, 'URLs')));
    const team = getString(p, 'TeamIdentifier');
    const extId = getString(p, 'ExtensionIdentifier');
    if ((team && /^[A-Z0-9]{10}$/.test(team) && isPlaceholderTeam(team)) || extId === PLACEHOLDER_EXTENSION.extensionIdentifier) {
      const what = extId === PLACEHOLDER_EXTENSION.extensionIdentifier ? `OpenPSSO's placeholder extension ${team ?? ''}.${extId}` : `the placeholder Team ID ${team}`;
      l.add('PSSO-L039', at(extId === PLACEHOLDER_EXTENSION.extensionIdentifier ? 'ExtensionIdentifier' : 'TeamIdentifier'), '10.15',
        `The profile names ${what}. No signed extension matches it, so a real Mac loads no SSO extension and registration never starts (only the virtual Mac accepts it).`,
        'Name a real extension and the team that signed it: `openpsso profile generate --extension twocanoes|fleet|uio` (see docs/real-macs.md), or --extension-id and --team-id of your own.',
        { severity: realOnly('error'), pos: posIn(p, extId === PLACEHOLDER_EXTENSION.extensionIdentifier ? 'ExtensionIdentifier' : 'TeamIdentifier') });
    }
    const ext = extensionById(extId);
    const pss = get(p, 'PlatformSSO');
    if (opts.attestation === 'required' && !ext && isDict(pss) && getBool(pss, 'AllowDeviceIdentifiersInAttestation') !== true) {
      l.add('PSSO-L056', join(at('PlatformSSO'), 'AllowDeviceIdentifiersInAttestation'), '15.4',
        'Attestation is required, but AllowDeviceIdentifiersInAttestation is not true: the attestation carries no serial number or UDID, so registration is refused.',
        'Set PlatformSSO.AllowDeviceIdentifiersInAttestation to <true/> (macOS 15.4+).', { pos: posIn(pss, 'AllowDeviceIdentifiersInAttestation') ?? pss.pos });
    }
    if (ext) lintKnownExtension(l, ext, p, path, payloads, opts, realOnly);
  }
}

function httpUrl(l: Linter, path: string, value: string, realOnly: (s: Severity) => Severity, pos?: PNode['pos']): void {
  let u: URL;
  try { u = new URL(value); } catch { return; }
  if (u.protocol !== 'http:') return;
  const local = loopback(u.hostname);
  l.add('PSSO-L038', path, '10.15',
    `"${value}" is http://. A real Mac talks to the identity provider only over HTTPS with a publicly trusted certificate${local ? '; a loopback address serves the virtual Mac only' : ''}.`,
    'Serve OpenPSSO over HTTPS (tls.certFile/keyFile or a reverse proxy) and use its https:// URL; see docs/real-macs.md.',
    { severity: local ? 'warning' : realOnly('error'), pos });
}

function lintKnownExtension(l: Linter, ext: ExtensionSpec, p: Dict, path: string, payloads: { node: Dict; path: string }[], opts: ExtensionLintOptions, realOnly: (s: Severity) => Severity): void {
  const at = (k: string) => join(path, k);
  const all = payloads.map((x) => x.node);
  const pssPath = at('PlatformSSO');
  const pss = get(p, 'PlatformSSO');
  const team = getString(p, 'TeamIdentifier');
  if (ext.teamIdentifier && team && team !== ext.teamIdentifier && !isPlaceholderTeam(team)) {
    l.add('PSSO-L055', at('TeamIdentifier'), '10.15', `${ext.title} (${ext.extensionIdentifier}) is published signed by team ${ext.teamIdentifier}, not ${team}. Unless you rebuilt and signed it yourself, macOS does not load the extension.`,
      `Set TeamIdentifier to ${ext.teamIdentifier}, or keep ${team} if that team signed your own build (then list ${team}.${ext.extensionIdentifier} in the AASA).`, { pos: posIn(p, 'TeamIdentifier') });
  }
  if (isDict(pss)) {
    const method = getString(pss, 'AuthenticationMethod');
    if (method && !ext.methods.includes(method as never)) {
      l.add('PSSO-L057', join(pssPath, 'AuthenticationMethod'), '14.0', `${ext.title} supports ${ext.methods.join(' or ')}, not ${method}; registration fails on the Mac.`, `Set AuthenticationMethod to ${ext.defaultMethod}.`, { pos: posIn(pss, 'AuthenticationMethod') });
    }
    if (ext.requiresSharedDeviceKeys && getBool(pss, 'UseSharedDeviceKeys') !== true) {
      l.add('PSSO-L054', join(pssPath, 'UseSharedDeviceKeys'), '14.0', `${ext.title} registers only the shared device keys; without UseSharedDeviceKeys = true macOS hands it no keys and registration fails.`, 'Set PlatformSSO.UseSharedDeviceKeys to <true/>.', { pos: posIn(pss, 'UseSharedDeviceKeys') ?? pss.pos });
    }
    if ((ext.attestation || opts.attestation === 'required') && getBool(pss, 'AllowDeviceIdentifiersInAttestation') !== true) {
      l.add('PSSO-L056', join(pssPath, 'AllowDeviceIdentifiersInAttestation'), '15.4',
        `${ext.title} attests its keys; without AllowDeviceIdentifiersInAttestation = true the attestation has no serial number or UDID${opts.attestation === 'required' ? ', and this organisation requires them' : ' (servers that require them refuse the registration)'}.`,
        'Set PlatformSSO.AllowDeviceIdentifiersInAttestation to <true/> (macOS 15.4+).', { severity: opts.attestation === 'required' ? 'error' : 'warning', pos: posIn(pss, 'AllowDeviceIdentifiersInAttestation') ?? pss.pos });
    }
  }
  if (ext.requiresRegistrationToken) {
    const token = getString(p, 'RegistrationToken');
    if (!token || /^REPLACE-|^\{\{|^rgt\.x+$/i.test(token)) {
      l.add('PSSO-L053', at('RegistrationToken'), '13.0', `${ext.title} registers the device only with a RegistrationToken${token ? `, and "${token}" is a placeholder` : ''}; without a real one registration fails.`,
        'Create one with `openpsso regtoken create` and put it at the payload level (RegistrationToken), or let the MDM substitute it per device.', { severity: realOnly('error'), pos: posIn(p, 'RegistrationToken') ?? p.pos });
    }
  }
  const data = get(p, 'ExtensionData');
  if (!isDict(data)) {
    l.add('PSSO-L036', at('ExtensionData'), '10.15', `${ext.title} reads its settings from ExtensionData, which is missing: it needs ${ext.extensionData.filter((k) => k.required).map((k) => k.name).join(', ')}.`,
      `Add ExtensionData (\`openpsso profile generate --extension ${ext.name}\` writes it).`, { pos: p.pos });
  } else {
    checkKeys(l, ext, data, at('ExtensionData'), ext.extensionData, 'ExtensionData', realOnly);
  }
  if (ext.managedPreferences) {
    const mp = ext.managedPreferences;
    const i = all.findIndex((x) => getString(x, 'PayloadType') === mp.domain);
    if (i < 0) {
      l.add('PSSO-L058', path, '10.15', `No managed-preferences payload for ${mp.domain} in this profile; ${mp.why}.`,
        `Add a payload with PayloadType ${mp.domain} holding ${mp.keys.filter((k) => k.required).map((k) => k.name).join(', ')} (generate writes it), or deliver it in another profile.`, { pos: p.pos });
    } else {
      checkKeys(l, ext, all[i]!, payloads[i]!.path, mp.keys, mp.domain, realOnly);
    }
  }
  if (ext.mdmAssociatedDomains) {
    const appId = `${team ?? ext.teamIdentifier}.${getString(p, 'ExtensionIdentifier')}`;
    const found = all.some((x) => getString(x, 'PayloadType') === 'com.apple.associated-domains' && get(x, 'Configuration')?.kind === 'array'
      && (get(x, 'Configuration') as PNode & { kind: 'array' }).items.some((c) => getString(c, 'ApplicationIdentifier') === appId && (getStrings(c, 'AssociatedDomains') ?? []).some((d) => d.startsWith('authsrv:'))));
    if (!found) {
      l.add('PSSO-L058', path, '10.15', `${ext.title} has no associated domain of its own: it comes from an MDM com.apple.associated-domains payload for ${appId}, which this profile lacks. Without it macOS never trusts the extension for your host.`,
        `Add a com.apple.associated-domains payload with Configuration [{ApplicationIdentifier ${appId}, AssociatedDomains [authsrv:<your host>]}] (generate writes it), or deliver it in another profile.`, { pos: p.pos });
    }
  }
}

// The standard keys of every payload, not the extension's settings.
const payloadKeys = new Set(['PayloadType', 'PayloadVersion', 'PayloadIdentifier', 'PayloadUUID', 'PayloadDisplayName', 'PayloadDescription', 'PayloadOrganization', 'PayloadEnabled']);

function checkKeys(l: Linter, ext: ExtensionSpec, d: Dict, path: string, keys: readonly ExtensionKey[], where: string, realOnly: (s: Severity) => Severity): void {
  const known = new Map(keys.map((k) => [k.name, k]));
  for (const e of d.entries) {
    if (where !== 'ExtensionData' && payloadKeys.has(e.key)) continue;
    const k = known.get(e.key);
    const p = join(path, e.key);
    if (!k) {
      const s = didYouMean(e.key, known.keys());
      l.add('PSSO-L037', p, '10.15', `${ext.title} does not read "${e.key}" from ${where}.${s ? ` Did you mean "${s}"?` : ''} The setting has no effect.`,
        s ? `Rename it to "${s}" (keys are case-sensitive).` : `Remove it; the keys ${ext.title} reads there are ${keys.map((x) => x.name).join(', ')}.`, { pos: e.pos });
      continue;
    }
    if (e.value.kind !== k.type) {
      l.add('PSSO-L003', p, '10.15', `${k.name} must be a ${k.type}, but it is a ${e.value.kind}; ${ext.title} ignores it.`, `Give ${k.name} a ${k.type} value.`, { pos: e.value.pos ?? e.pos });
      continue;
    }
    if (e.value.kind !== 'string') continue;
    const v = e.value.value;
    if (/^https?:\/\//i.test(v)) httpUrl(l, p, v, realOnly, e.value.pos ?? e.pos);
    if ((k.name === 'BaseURL' || k.name === 'PSSOUrlPathString') && /^https?:\/\//i.test(v)) {
      if (ext.baseUrlSlash === 'with' && !v.endsWith('/')) {
        l.add('PSSO-L049', p, '10.15', `${ext.title} joins "${v}" and each endpoint as plain strings, so without a trailing slash it calls "${v}nonce".`, `Write "${v}/".`, { pos: e.value.pos ?? e.pos });
      } else if (ext.baseUrlSlash === 'without' && v.endsWith('/')) {
        l.add('PSSO-L049', p, '10.15', `${ext.title} appends "/psso/..." to "${v}", giving "${v.replace(/\/+$/, '')}//psso/token", and compares the audience exactly.`, `Write "${v.replace(/\/+$/, '')}".`, { pos: e.value.pos ?? e.pos });
      }
    }
  }
  for (const k of keys) {
    if (k.required && !get(d, k.name)) {
      l.add('PSSO-L036', join(path, k.name), '10.15', `${ext.title} needs ${k.name} in ${where}: ${k.summary}`, `Add ${k.name} (\`openpsso profile generate --extension ${ext.name}\` writes it).`, { pos: d.pos });
    }
  }
}

