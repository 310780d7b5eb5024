// Well-known application ids of OpenPSSO's own apps, the targets of conditional-access policies (Graph `appId`).

/**
 * The GUIDs are random v4 UUIDs fixed once and never changed: policies and sign-in logs store them,
 * so changing one would silently detach every policy that targets it. They are deliberately not
 * Microsoft's ids (broker 29d9ed98-..., DRS 01cb2876-...), so logs from both systems never mix.
 */
export const OPENPSSO_APPS = {
  /** The Platform SSO token endpoint: login-window login, refresh, key exchange. Non-interactive. */
  platformSso: { appId: '77a47347-de61-4957-ba33-aadeb4e8205a', displayName: 'OpenPSSO Platform SSO' },
  /** Device and user registration, including the interactive sign-in pages the extension's web view shows. */
  deviceRegistration: { appId: 'bea13587-8b16-439f-b9c8-ee84f1177352', displayName: 'OpenPSSO Device Registration' },
  /** The Graph-shaped admin API and the admin console. */
  adminApi: { appId: '497b7653-3a10-4579-b85f-13bd78bf9ae3', displayName: 'OpenPSSO Admin API' },
} as const;

export const PLATFORM_SSO_APP_ID = OPENPSSO_APPS.platformSso.appId;
export const DEVICE_REGISTRATION_APP_ID = OPENPSSO_APPS.deviceRegistration.appId;
export const ADMIN_API_APP_ID = OPENPSSO_APPS.adminApi.appId;

/**
 * Microsoft Entra's first-party ids, for the doctor when it reads a real tenant. The broker id is in
 * entra-mdm.md §0; the Device Registration Service id is Microsoft's published first-party id.
 */
export const ENTRA_APPS = {
  microsoftAuthenticationBroker: { appId: '29d9ed98-a469-4536-ade2-f981bc1d605e', displayName: 'Microsoft Authentication Broker' },
  deviceRegistrationService: { appId: '01cb2876-7ebd-4aa4-9cc9-d28bd4d359a9', displayName: 'Device Registration Service' },
} as const;

/** True for OpenPSSO's own app ids, which every policy may name without registering anything. */
export function isBuiltInAppId(appId: string): boolean {
  return Object.values(OPENPSSO_APPS).some((a) => a.appId === appId.toLowerCase());
}

/**
 * Display name for a known app id, or the id itself; used in traces and reports. `registered` maps
 * the organisation's registered apps (appId, lower-case, to name), which the caller loads.
 */
export function appDisplayName(appId: string, registered?: ReadonlyMap<string, string>): string {
  for (const app of [...Object.values(OPENPSSO_APPS), ...Object.values(ENTRA_APPS)]) {
    if (app.appId === appId) return app.displayName;
  }
  return registered?.get(appId.toLowerCase()) ?? appId;
}

/**
 * The macOS 27 Platform SSO authorization scopes (web-login-macos27.md §9), accepted as Graph
 * `includeUserActions` values. The Mac sends exactly one per request when the extension opts in.
 */
export const APPLE_USER_ACTION_PREFIX = 'urn:apple:platformsso:auth:';
export const APPLE_USER_ACTIONS = [
  'login', 'unlock', 'elevation', 'auth-prompt', 'create-user', 'password-change', 'refresh', 'setup-assistant', 'temporary-session', 'fallback',
].map((s) => `${APPLE_USER_ACTION_PREFIX}${s}`);
