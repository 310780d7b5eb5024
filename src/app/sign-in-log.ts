// Turns sign-in events into Graph-shaped sign-in log rows (entra-mdm.md §4.1) and stores them.

import { randomUUID } from 'node:crypto';
import type { AppContext } from './context.js';
import type { Store } from '../storage/ports.js';
import type { Clock } from './clock.js';
import type { SignInEvent, SignInRecorder } from './sign-in-events.js';
import type { SignIn } from '../policy/sign-in.js';
import type { AccessDecision } from '../policy/types.js';
import { appDisplayName, DEVICE_REGISTRATION_APP_ID, PLATFORM_SSO_APP_ID, ADMIN_API_APP_ID } from '../policy/app-ids.js';
import { formatCode } from '../errors/catalogue.js';

export function appIdFor(e: SignInEvent): string {
  if (e.appId) return e.appId;
  switch (e.operation) {
    case 'device_registration': case 'user_registration': case 'interactive_signin': return DEVICE_REGISTRATION_APP_ID;
    case 'admin_signin': case 'admin_action': return ADMIN_API_APP_ID;
    default: return PLATFORM_SSO_APP_ID;
  }
}

/** An admin action names what it changed (`admin_action revokeDevice target=dev_x ...`); sign-ins name their method. */
function successDetails(e: SignInEvent): string {
  if (e.operation === 'admin_action' && e.details) {
    const { action, ...rest } = e.details;
    return [e.operation, String(action), ...Object.entries(rest).map(([k, v]) => `${k}=${String(v)}`)].join(' ');
  }
  return `${e.operation}${e.method ? ` (${e.method})` : ''}`;
}

export function toSignInRow(e: SignInEvent, displayName: string | null): SignIn {
  const decision = (e.decision ?? e.error?.extra?.decision) as AccessDecision | undefined;
  const err = e.error?.entry;
  const appId = appIdFor(e);
  return {
    id: randomUUID(),
    createdDateTime: new Date(e.at).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    userId: e.userId ?? '',
    userPrincipalName: e.userPrincipalName ?? '',
    userDisplayName: displayName ?? '',
    appId,
    appDisplayName: appDisplayName(appId),
    ipAddress: e.ipAddress,
    clientAppUsed: e.interactive ? 'Browser' : 'Mobile Apps and Desktop clients',
    isInteractive: e.interactive,
    correlationId: e.correlationId,
    status: err
      ? {
          // Admins search by the Entra number they know (50076); OpenPSSO's own code is in the details.
          errorCode: err.entra ?? err.code,
          failureReason: e.error!.message,
          additionalDetails: `${formatCode(err)} ${err.name}. Fix: ${err.remediation}`,
        }
      : { errorCode: 0, failureReason: null, additionalDetails: successDetails(e) },
    conditionalAccessStatus: decision?.conditionalAccessStatus ?? 'notApplied',
    appliedConditionalAccessPolicies: decision?.appliedConditionalAccessPolicies ?? [],
    authenticationRequirement: decision?.authenticationRequirement ?? 'singleFactorAuthentication',
    authenticationRequirementSource: decision?.authenticationRequirementSource ?? null,
    deviceDetail: {
      deviceId: e.deviceId ?? null, displayName: e.deviceUuid ?? null, operatingSystem: e.deviceId ? 'macOS' : null,
      isCompliant: null, isManaged: e.deviceId ? true : null, trustType: e.deviceId ? 'Platform SSO' : null,
    },
  };
}

/** Stores every event; a logging failure never fails the sign-in itself. */
export class StoreSignInRecorder implements SignInRecorder {
  constructor(private readonly store: Store, private readonly log: (msg: string, err: unknown) => void = () => undefined) {}

  async record(e: SignInEvent): Promise<void> {
    try {
      const orgId = e.orgId ?? (await this.store.organisations.list())[0]?.id;
      if (!orgId) return;
      // Handlers that loaded the user pass its names along; look it up only when they did not.
      const user = e.userId && e.userDisplayName === undefined ? await this.store.users.get(e.userId) : null;
      await this.store.signInLogs.append(orgId, toSignInRow(
        { ...e, userPrincipalName: e.userPrincipalName ?? user?.userPrincipalName },
        e.userDisplayName ?? user?.displayName ?? null,
      ));
    } catch (err) {
      this.log('sign-in log write failed', err);
    }
  }
}

/**
 * Rows created before this are past retention. The log is purged across organisations by age alone,
 * so the longest retention any organisation chose wins (never under the 30-day default).
 */
export async function signInLogCutoff(ctx: Pick<AppContext, 'store'> & { clock: Clock }): Promise<number> {
  let days = 30;
  for (const org of await ctx.store.organisations.list()) days = Math.max(days, (await ctx.store.orgSettings.get(org.id)).signInLogRetentionDays);
  return ctx.clock.now() - days * 86400_000;
}
