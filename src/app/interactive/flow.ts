// The interactive sign-in use cases shared by the pages and the JSON API: password, then the access
// decision for the app signed in to (device registration unless the session names a target), then a
// second factor or method enrolment when it asks for one.

import type { AppContext } from '../context.js';
import type { User } from '../../storage/ports.js';
import type { AccessDecision } from '../../policy/types.js';
import { PssoError } from '../../errors/psso-error.js';
import { checkAccess } from '../access.js';
import { verifyPassword } from '../passwords.js';
import { createBearerToken } from '../registration-auth.js';
import { DEVICE_REGISTRATION_APP_ID } from '../../policy/app-ids.js';
import { addAmr, MAX_MFA_FAILURES_PER_SESSION, endSession, saveSession, sealForSession, type MethodKind, type Session, type SessionData } from './session.js';
import { admit, boundedVerify, guardSecret } from '../credential-guard.js';
import { blockReason, mfaReason, unmetMfa } from './messages.js';
import { recordAttempt, recorded, type AttemptStep, type RequestFacts } from './events.js';
import { checkFactor, type Factor } from './factors.js';
import { authenticationOptions } from './webauthn.js';
import type { SignInTarget } from './continuation.js';
import type { PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/server';

/** Where a sign-in stands after a step. */
export interface Progress {
  user: User;
  amr: string[];
  decision: AccessDecision;
  next: 'done' | 'mfa' | 'enroll';
  reason: string;
  methods: MethodKind[];
}

export type Outcome =
  /** `token` is the registration bearer token; null when the session continues to another app. */
  | { kind: 'done'; token: string | null; expiresIn: number; amr: string[]; progress: Progress }
  | { kind: 'mfa' | 'enroll'; progress: Progress };

export async function availableMethods(ctx: AppContext, user: User): Promise<MethodKind[]> {
  const [methods, passes] = await Promise.all([
    ctx.store.mfaMethods.listForUser(user.id),
    ctx.store.temporaryAccessPasses.listUsable(user.id, ctx.clock.now()),
  ]);
  const kinds: MethodKind[] = [];
  if (methods.some((m) => m.kind === 'totp')) kinds.push('totp');
  if (methods.some((m) => m.kind === 'passkey')) kinds.push('passkey');
  if (passes.length > 0) kinds.push('tap');
  return kinds;
}

/** Asks the access policy what this sign-in to `target` (default: device registration) still needs; a block ends it here. */
export async function evaluate(ctx: AppContext, user: User, amr: string[], f: RequestFacts, target?: SignInTarget): Promise<Progress> {
  // A device proof names the Mac; one that is gone or belongs to someone else counts as no device.
  const device = target?.deviceId ? await ctx.store.devices.get(target.deviceId) : null;
  const decision = await checkAccess(ctx, {
    user, appId: target?.appId ?? DEVICE_REGISTRATION_APP_ID, ipAddress: f.ipAddress, interactive: true, amr, lastFullAuthAt: ctx.clock.now(),
    ...(target ? { appDisplayName: target.appDisplayName } : {}),
    ...(target?.userAction ? { userAction: target.userAction } : {}),
    ...(device && device.orgId === user.orgId ? { device } : {}),
  });
  const methods = await availableMethods(ctx, user);
  if (decision.result === 'block') {
    throw new PssoError(decision.entraErrorCode === 53000 ? 'compliant_device_required' : 'blocked_by_conditional_access', blockReason(decision), { decision });
  }
  if (decision.result === 'allow') return { user, amr, decision, next: 'done', reason: '', methods };
  const mfa = unmetMfa(decision);
  // Interactive sign-in is a full authentication, so only MFA can be left unmet here; anything else is a policy this flow cannot satisfy.
  if (mfa.length === 0) throw new PssoError('reauthentication_required', 'the access policy asks for something this sign-in cannot provide', { decision });
  const enroll = mfa.some((r) => r.registrationRequired) && !methods.some((k) => k !== 'tap');
  return { user, amr, decision, next: enroll ? 'enroll' : 'mfa', reason: mfaReason(decision), methods };
}

/** The interrupt Entra logs as 50074: recorded so admins see where MFA was asked. */
async function recordInterrupt(ctx: AppContext, f: RequestFacts, orgId: string, step: AttemptStep, channel: SessionData['channel'], p: Progress, target?: SignInTarget): Promise<void> {
  if (p.next === 'done') return;
  const error = p.next === 'enroll' ? new PssoError('mfa_enrollment_required_interactive', p.reason) : new PssoError('mfa_required_interactive', p.reason);
  await recordAttempt(ctx, f, { orgId, step, channel, user: p.user, decision: p.decision, target }, error);
}

/** Username and password through the credential guard, then the access decision. */
export async function passwordStep(ctx: AppContext, orgId: string, channel: SessionData['channel'], username: string, password: string, f: RequestFacts, target?: SignInTarget): Promise<Progress> {
  const attempt = { orgId, step: 'password' as const, channel, username, user: null as User | null, target };
  let progress: Progress | undefined;
  try {
    const user = await ctx.store.users.getByPrincipalName(orgId, username);
    await guardSecret(ctx, { orgId, account: username, ipAddress: f.ipAddress, surface: 'interactive', user, guessable: true, slot: f.slot }, async (ticket) => {
      const ok = await boundedVerify(ctx, ticket, () => verifyPassword(user?.passwordHash ?? null, password));
      if (!user || !ok) throw new PssoError('invalid_credentials');
    });
    attempt.user = user;
    progress = await evaluate(ctx, user!, ['pwd'], f, target);
  } catch (e) {
    const decision = e instanceof PssoError ? (e.extra?.decision as AccessDecision | undefined) : undefined;
    await recordAttempt(ctx, f, { ...attempt, decision }, e);
    throw e;
  }
  if (progress.next === 'done') await recordAttempt(ctx, f, { ...attempt, decision: progress.decision });
  else await recordInterrupt(ctx, f, orgId, 'password', channel, progress, target);
  return progress;
}

export async function sessionUser(ctx: AppContext, s: Session): Promise<User> {
  const user = s.userId ? await ctx.store.users.get(s.userId) : null;
  if (!user || !user.enabled) throw new PssoError('malformed_request', 'this sign-in session has no signed-in user; start again');
  return user;
}

/**
 * A second factor (code, passkey, pass) checked through the credential guard: a wrong one counts
 * against the account and the session, and too many end the session.
 */
export async function guardSecondFactor<T>(ctx: AppContext, s: Session, user: User, f: RequestFacts, check: () => Promise<T>): Promise<T> {
  const account = s.data.username ?? user.userPrincipalName;
  const ticket = await admit(ctx, { orgId: s.orgId, account, ipAddress: f.ipAddress, surface: 'interactive', user, guessable: true, slot: f.slot });
  let out: T;
  try {
    out = await check();
  } catch (e) {
    if (!(e instanceof PssoError) || e.entry.name !== 'mfa_failed') throw e;
    const locked = await ticket.failed();
    s.data.mfaFailures += 1;
    delete s.data.challenge;
    if (locked || s.data.mfaFailures >= MAX_MFA_FAILURES_PER_SESSION) {
      await endSession(ctx, s);
      throw locked ?? new PssoError('mfa_failed', 'too many wrong codes in this sign-in; start again');
    }
    await saveSession(ctx, s);
    throw e;
  }
  await ticket.succeeded();
  return out;
}

/** A second factor on a session that passed the password step (MFA page or enrolment page with a TAP). */
export async function secondFactorStep(ctx: AppContext, s: Session, factor: Factor, f: RequestFacts): Promise<Progress> {
  if (s.data.stage !== 'mfa' && s.data.stage !== 'enroll') throw new PssoError('malformed_request', 'this sign-in session is not waiting for a second factor');
  const user = await sessionUser(ctx, s);
  const attempt = { orgId: s.orgId, step: factor.kind, channel: s.data.channel, user, target: s.data.target };
  return recorded(ctx, f, attempt, async () => {
    const added = await guardSecondFactor(ctx, s, user, f, () => checkFactor(ctx, user, factor));
    const progress = await evaluate(ctx, user, addAmr(s.data.amr, ...added), f, s.data.target);
    Object.assign(attempt, { decision: progress.decision });
    return progress;
  });
}

/**
 * Moves the session on: issues the bearer token when the decision allows (or, for a session that
 * continues to another app, marks it done for the continuation), otherwise remembers what is asked.
 * A user who got in with a temporary access pass and has no method yet is kept on the enrolment
 * stage, token in hand, so they can set one up before leaving.
 */
export async function advance(ctx: AppContext, s: Session | null, p: Progress): Promise<Outcome> {
  if (p.next !== 'done') {
    if (s) {
      Object.assign(s.data, { stage: p.next, amr: p.amr, reason: p.reason, requirementSource: p.decision.authenticationRequirementSource, username: p.user.userPrincipalName });
      s.userId = p.user.id;
      await saveSession(ctx, s);
    }
    return { kind: p.next, progress: p };
  }
  if (s?.data.continuation) {
    const canEnrol = p.amr.includes('mfa') && !p.methods.some((k) => k !== 'tap');
    s.userId = p.user.id;
    Object.assign(s.data, { stage: canEnrol ? 'enroll' : 'done', amr: p.amr, username: p.user.userPrincipalName, decision: p.decision });
    delete s.data.challenge;
    await saveSession(ctx, s);
    return { kind: 'done', token: null, expiresIn: 0, amr: p.amr, progress: p };
  }
  const t = await createBearerToken(ctx, p.user, p.amr);
  if (s) {
    const canEnrol = p.amr.includes('mfa') && !p.methods.some((k) => k !== 'tap');
    s.userId = p.user.id;
    Object.assign(s.data, { stage: canEnrol ? 'enroll' : 'done', amr: p.amr, username: p.user.userPrincipalName });
    delete s.data.challenge;
    // Only the pages need the token again (the done page shows it once); the JSON API has it in this answer.
    if (s.data.channel === 'page') s.data.result = { sealedToken: sealForSession(ctx, s, 'token', t.token), expiresIn: t.expiresIn, amr: p.amr };
    if (s.data.channel === 'api' && !canEnrol) await endSession(ctx, s);
    else await saveSession(ctx, s);
  }
  return { kind: 'done', token: t.token, expiresIn: t.expiresIn, amr: p.amr, progress: p };
}

/** WebAuthn request options for the MFA stage; the challenge is kept in the session for one answer. */
export async function passkeyAuthenticationOptions(ctx: AppContext, s: Session): Promise<PublicKeyCredentialRequestOptionsJSON> {
  if (s.data.stage !== 'mfa') throw new PssoError('malformed_request', 'this sign-in session is not waiting for a second factor');
  const user = await sessionUser(ctx, s);
  const passkeys = (await ctx.store.mfaMethods.listForUser(user.id)).filter((m) => m.kind === 'passkey');
  if (passkeys.length === 0) throw new PssoError('mfa_failed', 'no passkey is registered for this account');
  const options = await authenticationOptions(ctx, passkeys);
  s.data.challenge = { purpose: 'authenticate', value: options.challenge };
  await saveSession(ctx, s);
  return options;
}

export function pendingAuthChallenge(s: Session): string | undefined {
  return s.data.challenge?.purpose === 'authenticate' ? s.data.challenge.value : undefined;
}
