// Conditional access for a sign-in to an app when no password is typed (an OpenID Provider session
// reused across apps, or a Platform SSO proof), and the sign-in log row of every such sign-in.

import type { AppContext } from '../context.js';
import type { User } from '../../storage/ports.js';
import type { ApplicationRecord } from '../../storage/ports-apps.js';
import type { AccessDecision } from '../../policy/types.js';
import { checkAccess } from '../access.js';
import type { SignInEvent } from '../sign-in-events.js';
import { PssoError } from '../../errors/psso-error.js';
import { blockReason, mfaReason, unmetMfa } from '../interactive/messages.js';

export interface AppSignInFacts {
  user: User;
  app: Pick<ApplicationRecord, 'appId' | 'displayName' | 'orgId'>;
  /** amr the session or proof already carries, e.g. ['pwd'] or ['pwd', 'otp', 'mfa']. */
  amr: string[];
  /** Epoch ms of the full authentication behind it (sign-in frequency). */
  authTime: number;
  ipAddress: string;
  correlationId: string;
  userAgent?: string | undefined;
  deviceId?: string | undefined;
  /** The extension dialect whose session proof signed the user in (UiO's envelope). */
  extension?: 'uio' | undefined;
}

export type AppAccess =
  | { kind: 'allow'; decision: AccessDecision }
  /** The pages can satisfy it (a second factor, a fresh sign-in); `reason` says why, in words for the user. */
  | { kind: 'interaction'; decision: AccessDecision; reason: string }
  | { kind: 'block'; decision: AccessDecision; error: PssoError };

/** Evaluates every policy for the app, as for an interactive sign-in (the user is at the browser). */
export async function evaluateAppAccess(ctx: AppContext, f: AppSignInFacts): Promise<AppAccess> {
  const device = f.deviceId ? await ctx.store.devices.get(f.deviceId) : null;
  const decision = await checkAccess(ctx, {
    user: f.user, appId: f.app.appId, ipAddress: f.ipAddress, interactive: true, amr: f.amr, lastFullAuthAt: f.authTime,
    ...(device ? { device } : {}),
  });
  if (decision.result === 'allow') return { kind: 'allow', decision };
  if (decision.result === 'block') {
    const name = decision.entraErrorCode === 53000 ? 'compliant_device_required' : 'blocked_by_conditional_access';
    return { kind: 'block', decision, error: new PssoError(name, blockReason(decision), { decision }) };
  }
  return { kind: 'interaction', decision, reason: unmetMfa(decision).length > 0 ? mfaReason(decision) : 'your organisation asks you to sign in again for this app' };
}

/** One sign-in log row naming the app; `how` says how the user got in without typing a password. */
export async function recordAppSignIn(ctx: AppContext, f: AppSignInFacts, how: 'sso_session' | 'sso_proof', decision?: AccessDecision, error?: PssoError): Promise<void> {
  const event: SignInEvent = {
    at: ctx.clock.now(),
    correlationId: f.correlationId,
    operation: 'interactive_signin',
    // The browser is in front of the user, but nothing was asked of them.
    interactive: false,
    appId: f.app.appId,
    appDisplayName: f.app.displayName,
    orgId: f.user.orgId,
    userId: f.user.id,
    userPrincipalName: f.user.userPrincipalName,
    userDisplayName: f.user.displayName,
    ipAddress: f.ipAddress,
    userAgent: f.userAgent,
    ...(f.deviceId ? { deviceId: f.deviceId } : {}),
    ...(f.extension ? { extension: f.extension } : {}),
    ...(decision ? { decision } : {}),
    ...(error ? { error } : {}),
    details: { protocol: 'oidc', via: how, amr: f.amr.join(' ') },
  };
  await ctx.signIns.record(event);
}
