// Maps OpenPSSO's records to Microsoft Graph resource shapes (user, group, device, userRegistrationDetails), converted once at the edge.

import type { Device, Group, User, UserRegistration } from '../../storage/ports.js';
import type { MfaMethodRecord } from '../../storage/ports-access.js';

const iso = (ms: number | null | undefined): string | null => (ms === null || ms === undefined ? null : new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z'));

export const USER_PROPERTIES = ['id', 'userPrincipalName', 'displayName', 'mail', 'accountEnabled', 'createdDateTime'] as const;

export function toGraphUser(u: User): Record<string, unknown> {
  return {
    '@odata.type': '#microsoft.graph.user',
    id: u.id, userPrincipalName: u.userPrincipalName, displayName: u.displayName, mail: u.email,
    accountEnabled: u.enabled, createdDateTime: iso(u.createdAt),
  };
}

export const GROUP_PROPERTIES = ['id', 'displayName', 'description', 'createdDateTime', 'securityEnabled', 'mailEnabled'] as const;

export function toGraphGroup(g: Group): Record<string, unknown> {
  return {
    '@odata.type': '#microsoft.graph.group',
    id: g.id, displayName: g.displayName, description: g.description, createdDateTime: iso(g.createdAt),
    securityEnabled: true, mailEnabled: false,
  };
}

export const DEVICE_PROPERTIES = [
  'id', 'deviceId', 'displayName', 'accountEnabled', 'operatingSystem', 'registrationDateTime', 'approximateLastSignInDateTime', 'trustType',
  'serialNumber', 'udid', 'isAttested', 'attestedDateTime',
] as const;

/** `lastActivityMs`: the newest refresh-token issue time, which every login and refresh renews. */
export function toGraphDevice(d: Device, lastActivityMs: number | null): Record<string, unknown> {
  return {
    '@odata.type': '#microsoft.graph.device',
    id: d.id,
    deviceId: d.deviceUuid,
    // OpenPSSO does not learn the Mac's name; the UUID is what admins find in `app-sso platform -s`.
    displayName: `Mac ${d.deviceUuid}`,
    accountEnabled: d.status !== 'revoked',
    operatingSystem: 'macOS',
    registrationDateTime: iso(d.createdAt),
    approximateLastSignInDateTime: iso(lastActivityMs),
    trustType: 'Workplace',
    // OpenPSSO additions, named as Intune's managedDevice names them: what Apple device attestation
    // proved at registration (docs/attestation.md); null when the Mac was not attested.
    serialNumber: d.attestation?.serialNumber ?? null,
    udid: d.attestation?.udid ?? null,
    isAttested: d.attestation !== null,
    attestedDateTime: iso(d.attestation?.attestedAt ?? null),
  };
}

/** Graph's methodsRegistered values for OpenPSSO's MFA methods. */
const METHOD_NAMES: Record<MfaMethodRecord['kind'], string> = { totp: 'softwareOneTimePasscode', passkey: 'passKeyDeviceBound' };

export type PlatformSsoMethod = 'password' | 'secureEnclave' | 'smartCard' | 'openId';

const PSSO_METHOD: Record<UserRegistration['method'], PlatformSsoMethod> = { password: 'password', secure_enclave: 'secureEnclave', smart_card: 'smartCard', openid: 'openId' };

/** Password wins: one Mac using the password method is enough for password sync to matter. */
export function platformSsoMethodOf(regs: UserRegistration[]): PlatformSsoMethod | null {
  if (regs.length === 0) return null;
  if (regs.some((r) => r.method === 'password')) return 'password';
  return PSSO_METHOD[[...regs].sort((a, b) => b.updatedAt - a.updatedAt)[0]!.method];
}

export const REGISTRATION_DETAIL_PROPERTIES = [
  'id', 'userPrincipalName', 'userDisplayName', 'isMfaRegistered', 'isMfaCapable', 'isPasswordlessCapable', 'methodsRegistered', 'platformSsoMethod',
] as const;

/** Graph's userRegistrationDetails, plus the OpenPSSO extension `platformSsoMethod` the doctor uses for password-sync checks. */
export function toRegistrationDetails(u: User, methods: MfaMethodRecord[], regs: UserRegistration[]): Record<string, unknown> {
  const names = [...new Set(methods.map((m) => METHOD_NAMES[m.kind]))];
  return {
    id: u.id,
    userPrincipalName: u.userPrincipalName,
    userDisplayName: u.displayName,
    isMfaRegistered: methods.length > 0,
    isMfaCapable: methods.length > 0,
    isPasswordlessCapable: methods.some((m) => m.kind === 'passkey'),
    methodsRegistered: names,
    platformSsoMethod: platformSsoMethodOf(regs),
  };
}
