// One sign-in log event per interactive attempt (password, second factor, enrolment), success or failure.

import type { AppContext } from '../context.js';
import type { User } from '../../storage/ports.js';
import type { AccessDecision } from '../../policy/types.js';
import { PssoError } from '../../errors/psso-error.js';
import { DEVICE_REGISTRATION_APP_ID } from '../../policy/app-ids.js';
import type { RequestSlot } from '../request-slot.js';
import type { SignInTarget } from './continuation.js';

export interface RequestFacts {
  ipAddress: string;
  correlationId: string;
  userAgent?: string | undefined;
  /** The request's admission slot (given back while a password check waits). */
  slot?: RequestSlot | undefined;
}

export type AttemptStep = 'password' | 'totp' | 'passkey' | 'tap' | 'enroll_totp' | 'enroll_passkey';

export interface Attempt {
  orgId: string;
  step: AttemptStep;
  channel: 'page' | 'api';
  user?: User | null;
  username?: string | undefined;
  decision?: AccessDecision | undefined;
  /** The app signed in to; absent: device registration. */
  target?: SignInTarget | undefined;
}

export async function recordAttempt(ctx: AppContext, f: RequestFacts, a: Attempt, error?: unknown): Promise<void> {
  await ctx.signIns.record({
    at: ctx.clock.now(),
    correlationId: f.correlationId,
    operation: 'interactive_signin',
    interactive: true,
    appId: a.target?.appId ?? DEVICE_REGISTRATION_APP_ID,
    ...(a.target ? { appDisplayName: a.target.appDisplayName } : {}),
    ...(a.target?.userAction ? { userAction: a.target.userAction } : {}),
    ...(a.target?.deviceId ? { deviceId: a.target.deviceId } : {}),
    orgId: a.orgId,
    ipAddress: f.ipAddress,
    userAgent: f.userAgent,
    ...(a.user ? { userId: a.user.id, userPrincipalName: a.user.userPrincipalName } : a.username ? { userPrincipalName: a.username } : {}),
    ...(a.decision ? { decision: a.decision } : {}),
    // Anything but a catalogue error is a server fault: the row must still not read as a success.
    ...(error === undefined ? {} : { error: error instanceof PssoError ? error : new PssoError('internal_error') }),
    details: { step: a.step, channel: a.channel },
  });
}

/** Runs one attempt and records it whatever the result; the attempt may fill in user and decision as it learns them. */
export async function recorded<T>(ctx: AppContext, f: RequestFacts, a: Attempt, fn: () => Promise<T>): Promise<T> {
  try {
    const out = await fn();
    await recordAttempt(ctx, f, a);
    return out;
  } catch (e) {
    const decision = e instanceof PssoError ? (e.extra?.decision as AccessDecision | undefined) : undefined;
    await recordAttempt(ctx, f, { ...a, ...(decision ? { decision } : {}) }, e);
    throw e;
  }
}
