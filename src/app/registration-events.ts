// Registration with its sign-in log rows and, for user registration, the access check: a user whose
// per-user MFA blocks background sign-in is refused here visibly, not left at a silent prompt.

import type { AppContext } from './context.js';
import type { Device, UserRegistration } from '../storage/ports.js';
import { withSignInRecord, type SignInEvent } from './sign-in-events.js';
import type { RegistrationPrincipal } from './registration-auth.js';
import { registerDevice, registerUser, type DialectAttestation } from './registration.js';
import { checkAccess } from './access.js';
import { DEVICE_REGISTRATION_APP_ID } from '../policy/app-ids.js';
import type { RequestSlot } from './request-slot.js';

export interface RequestFacts {
  ipAddress: string;
  correlationId: string;
  userAgent?: string | undefined;
  /** The request's admission slot (given back while a password check waits). */
  slot?: RequestSlot | undefined;
  /** The SSO extension dialect the registration came through (its rows name it), when not OpenPSSO's own API. */
  extension?: SignInEvent['extension'];
}

/** How an extension dialect's registration differs from the native API's (extensions.md §5). */
export interface DeviceRegistrationOptions {
  /** Device.registeredVia when not the principal's kind ('compat': unauthenticated). */
  via?: Device['registeredVia'];
  /**
   * Admits an unauthenticated registration (twocanoes: the hardware UUID allow-list); runs inside the
   * recorded section before anything is stored, so a refusal gets its row. Returns how it admitted.
   */
  admit?: () => string;
  /** Attestation the dialect took from its body (UiO), verified before anything is stored. */
  attestation?: DialectAttestation;
}

function baseEvent(ctx: AppContext, op: SignInEvent['operation'], principal: RegistrationPrincipal, f: RequestFacts): SignInEvent {
  return {
    at: ctx.clock.now(), correlationId: f.correlationId, operation: op, interactive: false, ipAddress: f.ipAddress, userAgent: f.userAgent,
    orgId: principal.orgId, method: principal.kind, appId: DEVICE_REGISTRATION_APP_ID,
    ...(f.extension ? { extension: f.extension } : {}),
    ...(principal.kind === 'bearer' ? { userId: principal.user.id, userPrincipalName: principal.user.userPrincipalName } : {}),
  };
}

export async function registerDeviceRecorded(ctx: AppContext, principal: RegistrationPrincipal, body: unknown, f: RequestFacts, o: DeviceRegistrationOptions = {}): Promise<Device> {
  const event = baseEvent(ctx, 'device_registration', principal, f);
  if (o.admit) {
    // Nobody authenticated: the row names no method, only what let the device in.
    delete event.method;
    const uuid = (body as { deviceUuid?: unknown } | null)?.deviceUuid;
    if (typeof uuid === 'string') event.deviceUuid = uuid.toUpperCase();
  }
  return withSignInRecord(ctx.signIns, event, async () => {
    if (o.admit) event.details = { admittedBy: o.admit() };
    const device = await registerDevice(ctx, principal, body, o.via ?? principal.kind, o.attestation);
    event.deviceId = device.id;
    event.deviceUuid = device.deviceUuid;
    event.deviceSerialNumber = device.attestation?.serialNumber ?? null;
    event.deviceAttested = device.attestation !== null;
    return device;
  });
}

export async function registerUserRecorded(ctx: AppContext, principal: RegistrationPrincipal, deviceId: string, body: unknown, f: RequestFacts): Promise<UserRegistration> {
  const event = baseEvent(ctx, 'user_registration', principal, f);
  event.deviceId = deviceId;
  return withSignInRecord(ctx.signIns, event, () => registerUser(ctx, principal, deviceId, body, f, async (user, device) => {
    event.userId = user.id;
    event.userPrincipalName = user.userPrincipalName;
    event.deviceUuid = device.deviceUuid;
    event.deviceSerialNumber = device.attestation?.serialNumber ?? null;
    event.deviceAttested = device.attestation !== null;
    const amr = principal.kind === 'bearer' ? principal.amr : ['pwd'];
    // With a registration token the user's password was checked just now; a bearer token rests on its sign-in.
    const lastFullAuthAt = principal.kind === 'bearer' ? principal.issuedAt : ctx.clock.now();
    event.decision = await checkAccess(ctx, { user, appId: DEVICE_REGISTRATION_APP_ID, ipAddress: f.ipAddress, device, interactive: false, amr, lastFullAuthAt });
  }));
}
