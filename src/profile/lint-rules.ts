// Cross-key rules of one com.apple.extensiblesso payload (entra-mdm.md §1.2 "Cross-key validation
// rules", §1.3 policies, §1.5 Entra values, §2.7 LoginFrequency) and the semantic traps admins fall into.

import { ENTRA_EXTENSION_ID, ENTRA_TEAM_ID, touchIdPolicyValues } from './keys.js';
import { get, getBool, getString, getStrings, type PNode } from './plist-read.js';
import { join, type Linter } from './linter.js';
import { lintWebLogin } from './lint-web-login.js';
import type { ClaimedUrl } from './lint.js';

const policyKeys = ['LoginPolicy', 'UnlockPolicy', 'FileVaultPolicy'] as const;

export function lintPayloadRules(l: Linter, p: PNode & { kind: 'dict' }, path: string, scope: string | undefined, claimed: ClaimedUrl[]): void {
  const at = (k: string) => join(path, k);
  const pssPath = at('PlatformSSO');
  const ps = (k: string) => join(pssPath, k);
  const posOf = (d: PNode | undefined, k: string) => {
    if (d?.kind !== 'dict') return undefined;
    const e = d.entries.find((x) => x.key === k);
    return e?.value.pos ?? e?.pos;
  };
  const type = getString(p, 'Type');
  const extId = getString(p, 'ExtensionIdentifier');
  const entra = extId === ENTRA_EXTENSION_ID;

  // ---- payload-level value formats
  const team = getString(p, 'TeamIdentifier');
  if (team !== undefined && team.trim() !== '') {
    if (!/^[A-Z0-9]{10}$/.test(team)) {
      l.add('PSSO-L023', at('TeamIdentifier'), '10.15', `TeamIdentifier "${team}" is not a Team ID (10 characters, upper-case letters and digits).`, 'Copy the Team ID of the extension\'s developer (for Microsoft: UBF8T346G9).', { pos: posOf(p, 'TeamIdentifier') });
    } else if (entra && team !== ENTRA_TEAM_ID) {
      l.add('PSSO-L023', at('TeamIdentifier'), '10.15', `Microsoft's extension is signed by Team ID ${ENTRA_TEAM_ID}, not "${team}"; macOS will not match the extension.`, `Set TeamIdentifier to ${ENTRA_TEAM_ID}.`, { pos: posOf(p, 'TeamIdentifier') });
    }
  }
  if (extId !== undefined && extId.trim() !== '' && !/^[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$/.test(extId)) {
    l.add('PSSO-L023', at('ExtensionIdentifier'), '10.15', `ExtensionIdentifier "${extId}" is not a bundle identifier (reverse-DNS such as com.vendor.app.ssoextension).`, 'Use the bundle id of the SSO app extension.', { pos: posOf(p, 'ExtensionIdentifier') });
  }
  const urls = get(p, 'URLs');
  if (urls?.kind === 'array') {
    if (urls.items.length === 0 && type !== 'Credential') {
      l.add('PSSO-L006', at('URLs'), '10.15', 'URLs is empty; a Redirect payload (and Platform SSO) needs at least one identity provider URL.', 'Add the base URL of your identity provider.', { pos: urls.pos });
    }
    urls.items.forEach((u, i) => {
      if (u.kind !== 'string' || u.value.trim() === '') return;
      const up = `${at('URLs')}[${i}]`;
      let bad: string | undefined;
      if (!/^https?:\/\//i.test(u.value)) bad = 'must start with http:// or https://';
      else if (u.value.includes('?')) bad = 'must not contain a query (?…)';
      else if (u.value.includes('#')) bad = 'must not contain a fragment (#…)';
      else { try { new URL(u.value); } catch { bad = 'is not a valid URL'; } }
      if (bad) l.add('PSSO-L023', up, '10.15', `URL "${u.value}" ${bad}.`, 'Use the plain scheme, host and optional path prefix, e.g. https://sso.example.com.', { pos: u.pos });
      if (type !== 'Credential') claimed.push({ url: u.value, path: up, ...(u.pos ? { pos: u.pos } : {}) });
    });
  }
  if (type === 'Credential' && get(p, 'URLs')) {
    l.add('PSSO-L021', at('URLs'), '10.15', 'URLs is ignored for Type Credential (Credential extensions use Hosts).', 'Remove URLs, or use Type Redirect.', { pos: posOf(p, 'URLs') });
  }
  if (type === 'Redirect') {
    for (const k of ['Hosts', 'Realm']) {
      if (get(p, k)) l.add('PSSO-L021', at(k), '10.15', `${k} is ignored for Type Redirect (it applies to Credential/Kerberos extensions).`, `Remove ${k}.`, { pos: posOf(p, k) });
    }
  }

  // ---- methods
  const pss = get(p, 'PlatformSSO');
  const pssDict = pss?.kind === 'dict' ? pss : undefined;
  const legacyMethod = getString(p, 'AuthenticationMethod');
  const pssMethod = getString(pssDict, 'AuthenticationMethod');
  const method = pssMethod ?? legacyMethod;

  if (pssDict && type !== undefined && type !== 'Redirect') {
    l.add('PSSO-L010', at('Type'), '14.0', `PlatformSSO requires Type = Redirect, but Type is "${type}"; macOS ignores the Platform SSO settings.`, 'Set Type to Redirect.', { pos: posOf(p, 'Type') });
  }
  if (pssDict && !get(pssDict, 'AuthenticationMethod')) {
    l.add('PSSO-L006', ps('AuthenticationMethod'), '14.0', 'PlatformSSO has no AuthenticationMethod, so device registration never starts.', 'Set PlatformSSO.AuthenticationMethod to Password, UserSecureEnclaveKey or SmartCard (one your extension and identity provider support).', { pos: pssDict.pos });
  }
  if (get(p, 'RegistrationToken') && !pssMethod && !legacyMethod) {
    l.add('PSSO-L011', at('RegistrationToken'), '13.0', 'RegistrationToken is set but no AuthenticationMethod is, so silent registration cannot run.', 'Set PlatformSSO.AuthenticationMethod (macOS 14+), and the top-level AuthenticationMethod for macOS 13 Macs.', { pos: posOf(p, 'RegistrationToken') });
  }
  if (legacyMethod !== undefined && l.knows('14.0')) {
    if (pssMethod) {
      l.add('PSSO-L008', at('AuthenticationMethod'), '14.0', 'The top-level AuthenticationMethod is read only by macOS 13; macOS 14+ uses PlatformSSO.AuthenticationMethod.', 'Keep it only while macOS 13 Macs remain in the fleet.', { severity: 'note', pos: posOf(p, 'AuthenticationMethod') });
      if (pssMethod !== legacyMethod) {
        l.add('PSSO-L024', at('AuthenticationMethod'), '14.0', `macOS 13 Macs will use ${legacyMethod} while macOS 14+ Macs use ${pssMethod}. Upgrading a Mac from 13 to 14 then changes its method and forces re-registration.`, 'Use the same method in both places unless the difference is intended.', { pos: posOf(p, 'AuthenticationMethod') });
      }
    } else {
      l.add('PSSO-L008', at('AuthenticationMethod'), '14.0', `The top-level AuthenticationMethod is deprecated since macOS 14; the target macOS ${l.target} expects PlatformSSO.AuthenticationMethod.`, 'Add a PlatformSSO dictionary with AuthenticationMethod (keep the top-level key for macOS 13 Macs).', { pos: posOf(p, 'AuthenticationMethod') });
    }
  }
  if (!pssDict || !l.knows('14.0')) return;

  // ---- shared device keys
  const shared = getBool(pssDict, 'UseSharedDeviceKeys') === true;
  if (scope === 'User' && get(pssDict, 'UseSharedDeviceKeys')) {
    l.add('PSSO-L022', ps('UseSharedDeviceKeys'), '14.0', 'UseSharedDeviceKeys is device-channel only, but this profile is a user-channel profile (PayloadScope = User).', 'Deliver the Platform SSO profile on the device channel (PayloadScope System).', { pos: posOf(pssDict, 'UseSharedDeviceKeys') });
  }
  const needsShared: [string, string, string][] = [];
  for (const k of ['EnableCreateUserAtLogin', 'EnableAuthorization', 'EnableRegistrationDuringSetup']) {
    if (getBool(pssDict, k) === true) needsShared.push([k, ps(k), k === 'EnableRegistrationDuringSetup' ? '26.0' : '14.0']);
  }
  if (pssMethod === 'OpenID') needsShared.push(['AuthenticationMethod OpenID', ps('AuthenticationMethod'), '27']);
  else if ((getStrings(pssDict, 'NewUserAuthenticationMethods') ?? []).includes('OpenID')) needsShared.push(['NewUserAuthenticationMethods OpenID', ps('NewUserAuthenticationMethods'), '27']);
  for (const k of policyKeys) {
    (getStrings(pssDict, k) ?? []).forEach((v, i) => {
      if (touchIdPolicyValues.includes(v)) needsShared.push([`${k} value ${v}`, `${ps(k)}[${i}]`, '26.0']);
    });
  }
  if (!shared) {
    for (const [what, where, ver] of needsShared) {
      l.add('PSSO-L012', where, ver, `${what} requires UseSharedDeviceKeys = true${get(pssDict, 'UseSharedDeviceKeys') ? '' : ' (it defaults to false)'}; without shared device keys the feature does nothing.`, 'Set PlatformSSO.UseSharedDeviceKeys to <true/> (device channel).', { pos: posOf(pssDict, where.split('.').pop()!.replace(/\[\d+\]$/, '')) });
    }
  }

  // ---- Login / Unlock / FileVault policies
  let anyOffline = false;
  let anyAuthGrace = false;
  for (const k of policyKeys) {
    const node = get(pssDict, k);
    const values = getStrings(pssDict, k);
    if (!values || node?.kind !== 'array') continue;
    const pp = ps(k);
    const vpos = (i: number) => node.items[i]?.pos ?? node.pos;
    const requires = values.includes('RequireAuthentication');
    values.forEach((v, i) => {
      if (v === 'AllowOfflineGracePeriod') {
        anyOffline = true;
        if (!get(pssDict, 'OfflineGracePeriod')) l.add('PSSO-L013', `${pp}[${i}]`, '15.0', `${k} contains AllowOfflineGracePeriod but OfflineGracePeriod is not set, so there is no grace period to apply.`, 'Add PlatformSSO.OfflineGracePeriod (seconds), e.g. <integer>604800</integer> for 7 days.', { pos: vpos(i) });
      }
      if (v === 'AllowAuthenticationGracePeriod') {
        anyAuthGrace = true;
        if (!get(pssDict, 'AuthenticationGracePeriod')) l.add('PSSO-L013', `${pp}[${i}]`, '15.0', `${k} contains AllowAuthenticationGracePeriod but AuthenticationGracePeriod is not set, so unregistered accounts get no grace period.`, 'Add PlatformSSO.AuthenticationGracePeriod (seconds), e.g. <integer>86400</integer>.', { pos: vpos(i) });
      }
      if ((v === 'AllowOfflineGracePeriod' || v === 'AllowAuthenticationGracePeriod' || v === 'AllowTouchIDOrWatchForUnlock') && !requires && method === 'Password') {
        l.add('PSSO-L015', `${pp}[${i}]`, '15.0', `${v} only has an effect together with RequireAuthentication, which ${k} does not contain.`, `Add RequireAuthentication to ${k} (instead of AttemptAuthentication), or remove ${v}.`, { pos: vpos(i) });
      }
    });
    if (method === 'Password') {
      const modes = values.filter((v) => v === 'AttemptAuthentication' || v === 'RequireAuthentication');
      if (modes.length !== 1) {
        l.add('PSSO-L014', pp, '15.0', modes.length === 0
          ? `${k} contains neither AttemptAuthentication nor RequireAuthentication; with the Password method each policy needs exactly one of them.`
          : `${k} contains ${modes.join(' and ')}; a policy needs exactly one of AttemptAuthentication or RequireAuthentication.`,
        modes.length === 0 ? `Add AttemptAuthentication (try the IdP, fall back offline) or RequireAuthentication (IdP mandatory) to ${k}.` : 'Keep only one of them.', { pos: node.pos });
      }
    } else if (method === 'OpenID') {
      // Apple: with web login a policy may only add AllowOfflineGracePeriod (local password fallback).
      values.forEach((v, i) => {
        if (v === 'AllowOfflineGracePeriod') return;
        l.add('PSSO-L016', `${pp}[${i}]`, '27', `${k} value ${v} does not apply to the OpenID method; with web login a policy can only contain AllowOfflineGracePeriod (local password fallback, with OfflineGracePeriod).`,
          `Remove ${v}; ${touchIdPolicyValues.includes(v) ? 'the Touch ID values belong to the Password and UserSecureEnclaveKey methods' : 'AttemptAuthentication and RequireAuthentication belong to the Password method'}.`, { pos: vpos(i) });
      });
    } else if (method === 'UserSecureEnclaveKey' || (method === 'SmartCard' && k === 'FileVaultPolicy')) {
      const allowed = method === 'UserSecureEnclaveKey' ? [...touchIdPolicyValues, 'AllowOfflineGracePeriod'] : touchIdPolicyValues;
      values.forEach((v, i) => {
        if (allowed.includes(v) || !l.knows('15.0')) return;
        l.add('PSSO-L016', `${pp}[${i}]`, '15.0', k === 'FileVaultPolicy'
          ? `FileVaultPolicy value ${v} applies only to the Password method; with ${method} macOS ignores it (only the Touch ID values work there).`
          : `${k} value ${v} does not apply to the ${method} method; with it only the Touch ID values and AllowOfflineGracePeriod are accepted.`,
        k === 'FileVaultPolicy' ? `Remove FileVaultPolicy value ${v}, or use the Password method if you need it.` : `Remove ${v}, or switch to the Password method.`, { pos: vpos(i) });
      });
    }
  }
  if (get(pssDict, 'OfflineGracePeriod') && !anyOffline) {
    l.add('PSSO-L020', ps('OfflineGracePeriod'), '15.0', 'OfflineGracePeriod is set but no policy contains AllowOfflineGracePeriod, so it has no effect.', 'Add AllowOfflineGracePeriod (with RequireAuthentication) to the policies that should allow offline use, or remove OfflineGracePeriod.', { pos: posOf(pssDict, 'OfflineGracePeriod') });
  }
  if (get(pssDict, 'AuthenticationGracePeriod') && !anyAuthGrace) {
    l.add('PSSO-L020', ps('AuthenticationGracePeriod'), '15.0', 'AuthenticationGracePeriod is set but no policy contains AllowAuthenticationGracePeriod, so it has no effect.', 'Add AllowAuthenticationGracePeriod to a policy, or remove AuthenticationGracePeriod.', { pos: posOf(pssDict, 'AuthenticationGracePeriod') });
  }

  // ---- authorization modes and groups
  const groupKeys = ['AdministratorGroups', 'AdditionalGroups', 'AuthorizationGroups'];
  const hasGroups = groupKeys.some((k) => {
    const n = get(pssDict, k);
    return (n?.kind === 'array' && n.items.length > 0) || (n?.kind === 'dict' && n.entries.length > 0);
  });
  const modes = ['UserAuthorizationMode', 'NewUserAuthorizationMode'].map((k) => [k, getString(pssDict, k)] as const);
  for (const [k, v] of modes) {
    if (v === 'Groups' && !hasGroups) {
      l.add('PSSO-L017', ps(k), '14.0', `${k} is Groups but none of AdministratorGroups, AdditionalGroups or AuthorizationGroups is set, so group membership grants nothing.`, 'Add AdministratorGroups (IdP groups whose members become admins) and/or AdditionalGroups, or use Standard/Admin.', { pos: posOf(pssDict, k) });
    }
  }
  const groupsUsed = modes.some(([, v]) => v === 'Groups') || getBool(pssDict, 'EnableAuthorization') === true;
  if (!groupsUsed) {
    for (const k of groupKeys) {
      const n = get(pssDict, k);
      if ((n?.kind === 'array' && n.items.length > 0) || (n?.kind === 'dict' && n.entries.length > 0)) {
        l.add('PSSO-L018', ps(k), '14.0', `${k} is set, but neither UserAuthorizationMode nor NewUserAuthorizationMode is Groups and EnableAuthorization is off, so the groups are not used.`, 'Set UserAuthorizationMode and/or NewUserAuthorizationMode to Groups, or EnableAuthorization to true, or remove the group keys.', { pos: posOf(pssDict, k) });
      }
    }
  }
  if (getString(pssDict, 'UserAuthorizationMode') === 'Standard' && (getStrings(pssDict, 'NonPlatformSSOAccounts') ?? []).length === 0) {
    l.add('PSSO-L045', ps('UserAuthorizationMode'), '14.0', 'UserAuthorizationMode = Standard makes every IdP user a standard user at each login, including admins who sign in with Platform SSO.', 'Keep a break-glass local admin account and list it in NonPlatformSSOAccounts (macOS 15+).', { pos: posOf(pssDict, 'UserAuthorizationMode') });
  }

  // ---- companion keys (macOS 26+ / pre-release)
  const newMethods = getStrings(pssDict, 'NewUserAuthenticationMethods') ?? [];
  if (newMethods.includes('AccessKey') && !get(pssDict, 'AccessKeyReaderGroupIdentifier')) {
    l.add('PSSO-L019', ps('NewUserAuthenticationMethods'), '26.0', 'NewUserAuthenticationMethods contains AccessKey but AccessKeyReaderGroupIdentifier is missing; Tap to Login cannot work.', 'Add PlatformSSO.AccessKeyReaderGroupIdentifier (data).', { pos: posOf(pssDict, 'NewUserAuthenticationMethods') });
  }
  if ((pssMethod === 'OpenID' || newMethods.includes('OpenID')) && !get(pssDict, 'WebLoginURLAllowList')) {
    l.add('PSSO-L019', ps(pssMethod === 'OpenID' ? 'AuthenticationMethod' : 'NewUserAuthenticationMethods'), '27', 'The OpenID method needs WebLoginURLAllowList: every host the login web view loads must be allowed.', 'Add PlatformSSO.WebLoginURLAllowList with your identity provider host names.', { pos: posOf(pssDict, pssMethod === 'OpenID' ? 'AuthenticationMethod' : 'NewUserAuthenticationMethods') });
  }
  lintWebLogin(l, p, pssDict, pssPath);
  for (const k of ['AccessKeyTerminalIdentityUUID', 'AccessKeyReaderIssuerCertificateUUID']) {
    const v = getString(pssDict, k);
    if (v && !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(v)) {
      l.add('PSSO-L023', ps(k), '26.0', `${k} "${v}" is not a UUID; it must be the PayloadUUID of another payload in the profile.`, 'Copy the PayloadUUID of the identity/certificate payload.', { pos: posOf(pssDict, k) });
    }
  }
  const headers = get(pssDict, 'AdditionalHTTPHeaders');
  if (headers?.kind === 'dict') {
    for (const e of headers.entries) {
      if (e.key.length > 128 || (e.value.kind === 'string' && e.value.value.length > 2048)) {
        l.add('PSSO-L023', `${ps('AdditionalHTTPHeaders')}.${e.key}`, '27.2', `Header "${e.key.slice(0, 40)}" exceeds the limits (name ≤ 128, value ≤ 2048 characters).`, 'Shorten the header name or value.', { pos: e.pos });
      }
    }
  }

  // ---- semantic traps
  const lf = get(pssDict, 'LoginFrequency');
  if (lf?.kind === 'integer') {
    l.add('PSSO-L040', ps('LoginFrequency'), '14.0', 'LoginFrequency is not a re-prompt or lock timer: it only decides when macOS sends the credential again (a full login) instead of refreshing tokens, at the next login or unlock. Users are never prompted when it elapses, and it does not shorten the identity provider session.', 'To force re-authentication, use a server-side sign-in frequency / maximum credential age policy; to lock idle Macs, use a screensaver/lock policy.', { pos: lf.pos });
    if (method === 'UserSecureEnclaveKey') {
      l.add('PSSO-L042', ps('LoginFrequency'), '14.0', 'With UserSecureEnclaveKey every login is a full, silent key-signed login, so LoginFrequency has no visible effect.', 'Remove LoginFrequency, or use a server-side policy if you need periodic re-authentication.', { pos: lf.pos });
    }
    if (entra) {
      l.add('PSSO-L043', ps('LoginFrequency'), '14.0', 'Microsoft does not document LoginFrequency for Entra, so it is unsupported there and does not affect the Entra session (use Conditional Access sign-in frequency).', 'Remove LoginFrequency, and set sign-in frequency in Conditional Access.', { pos: lf.pos });
    }
  }
  if (method === 'UserSecureEnclaveKey' || method === 'SmartCard') {
    l.add('PSSO-L041', ps('AuthenticationMethod'), '14.0', `With ${method} the local account password is not kept in sync with the identity provider password; only the Password method syncs it. Users keep a separate local password (needed after restart and at FileVault).`, 'Tell users their Mac password stays separate, or use the Password method if the passwords must match.', { pos: posOf(pssDict, 'AuthenticationMethod') });
  }
  if (entra) {
    for (const [k, v] of modes) {
      if (v === 'Groups' || v === 'Temporary') {
        l.add('PSSO-L043', ps(k), '14.0', `Microsoft Entra supports only Standard and Admin for ${k}; "${v}" is not supported.`, 'Use Standard or Admin.', { pos: posOf(pssDict, k) });
      }
    }
    const tok = getString(p, 'RegistrationToken');
    if (tok !== undefined && tok !== '{{DEVICEREGISTRATION}}') {
      l.add('PSSO-L043', at('RegistrationToken'), '13.0', `For Entra the RegistrationToken must be the literal {{DEVICEREGISTRATION}} (Intune substitutes it), not "${tok}".`, 'Set RegistrationToken to {{DEVICEREGISTRATION}}.', { pos: posOf(p, 'RegistrationToken') });
    }
    const slb = getString(p, 'ScreenLockedBehavior');
    if (slb !== 'DoNotHandle') {
      l.add('PSSO-L044', at('ScreenLockedBehavior'), '12.0', `Microsoft recommends ScreenLockedBehavior = DoNotHandle for Entra${slb ? `, not ${slb}` : ' (the default is Cancel)'}; with Cancel, SSO requests fail while the screen is locked.`, 'Set ScreenLockedBehavior to DoNotHandle.', { pos: posOf(p, 'ScreenLockedBehavior') });
    }
  }
}
