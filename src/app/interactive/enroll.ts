// Method enrolment inside a sign-in: an authenticator app (TOTP) or a passkey, for a user whose
// MFA requirement cannot be met because they have no method yet, or who already passed MFA (a TAP).

import type { AppContext } from '../context.js';
import type { User } from '../../storage/ports.js';
import type { PublicKeyCredentialCreationOptionsJSON } from '@simplewebauthn/server';
import { PssoError } from '../../errors/psso-error.js';
import { generateTotpSecret, otpauthUri, verifyTotp } from '../../policy/totp.js';
import { perUserMfaStateAfterRegistration } from '../../policy/evaluate-access.js';
import { newId } from '../ids.js';
import { toSeconds } from '../clock.js';
import { addAmr, saveSession, sealForSession, unsealForSession, type Session } from './session.js';
import { evaluate, guardSecondFactor, sessionUser, type Progress } from './flow.js';
import { recorded, type RequestFacts } from './events.js';
import { sealTotpSecret } from './factors.js';
import { checkRegistration, registrationOptions, type RegistrationResponseJSON } from './webauthn.js';

export interface TotpEnrolment { secret: string; otpauthUri: string; accountName: string; issuer: string }

/**
 * Who may add a method here: someone who already passed MFA in this session, or a user with no
 * method at all whose MFA requirement asks for registration (Entra's "more information required").
 * A user who has a method but has not used it must never add another: that is the attack to stop.
 */
async function enrollingUser(ctx: AppContext, s: Session): Promise<User> {
  if (s.data.stage !== 'enroll') throw new PssoError('malformed_request', 'this sign-in session is not at method enrolment');
  const user = await sessionUser(ctx, s);
  if (s.data.amr.includes('mfa')) return user;
  const methods = await ctx.store.mfaMethods.listForUser(user.id);
  if (methods.length > 0) throw new PssoError('mfa_required_interactive', 'this account already has a method; use it to sign in');
  return user;
}

function issuerName(ctx: AppContext): string {
  return `OpenPSSO (${new URL(ctx.config.issuer).host})`;
}

/** The secret stays the same for the life of the session, so reloading the page does not break a half-done setup. */
export async function beginTotpEnrolment(ctx: AppContext, s: Session): Promise<TotpEnrolment> {
  const user = await enrollingUser(ctx, s);
  let secret: string;
  if (s.data.pendingTotp) secret = unsealForSession(ctx, s, 'totp', s.data.pendingTotp);
  else {
    secret = generateTotpSecret();
    s.data.pendingTotp = sealForSession(ctx, s, 'totp', secret);
    await saveSession(ctx, s);
  }
  const issuer = issuerName(ctx);
  return { secret, issuer, accountName: user.userPrincipalName, otpauthUri: otpauthUri({ secret, accountName: user.userPrincipalName, issuer }) };
}

/** Entra moves a per-user 'enabled' user to 'enforced' once they have a method (entra-mdm.md §3.1). */
async function afterMethodAdded(ctx: AppContext, user: User): Promise<User> {
  const next = perUserMfaStateAfterRegistration(user.perUserMfaState);
  if (next === user.perUserMfaState) return user;
  await ctx.store.users.update(user.id, { perUserMfaState: next, updatedAt: ctx.clock.now() });
  return { ...user, perUserMfaState: next };
}

async function guarded(ctx: AppContext, s: Session, user: User, f: RequestFacts, check: () => Promise<void>): Promise<void> {
  await guardSecondFactor(ctx, s, user, f, check);
}

/** A correct code proves the app holds the secret; that code's step is stored as used, so it cannot sign in again. */
export async function confirmTotpEnrolment(ctx: AppContext, s: Session, code: string, f: RequestFacts): Promise<Progress> {
  const user0 = await enrollingUser(ctx, s);
  const attempt = { orgId: s.orgId, step: 'enroll_totp' as const, channel: s.data.channel, user: user0, target: s.data.target };
  return recorded(ctx, f, attempt, async () => {
    if (!s.data.pendingTotp) throw new PssoError('malformed_request', 'start the authenticator app setup first (no secret was issued in this session)');
    const secret = unsealForSession(ctx, s, 'totp', s.data.pendingTotp);
    let step = 0;
    await guarded(ctx, s, user0, f, async () => {
      const v = verifyTotp(secret, code, toSeconds(ctx.clock.now()));
      if (!v.ok) throw new PssoError('mfa_failed', v.reason === 'malformed' ? 'a code is the 6 digits your authenticator app shows' : 'the code does not match the secret; check the time on your phone and type the current code');
      step = v.step;
    });
    const id = newId('mfa');
    const now = ctx.clock.now();
    await ctx.store.mfaMethods.create({
      id, userId: user0.id, kind: 'totp', displayName: 'Authenticator app', sealedSecret: sealTotpSecret(ctx, id, secret), lastUsedStep: step,
      credentialId: null, publicKey: null, counter: null, transports: [], createdAt: now, lastUsedAt: now,
    });
    delete s.data.pendingTotp;
    const user = await afterMethodAdded(ctx, user0);
    const progress = await evaluate(ctx, user, addAmr(s.data.amr, 'otp', 'mfa'), f, s.data.target);
    Object.assign(attempt, { decision: progress.decision, user });
    return progress;
  });
}

export async function passkeyRegistrationOptions(ctx: AppContext, s: Session): Promise<PublicKeyCredentialCreationOptionsJSON> {
  const user = await enrollingUser(ctx, s);
  const options = await registrationOptions(ctx, user, await ctx.store.mfaMethods.listForUser(user.id));
  s.data.challenge = { purpose: 'register', value: options.challenge };
  await saveSession(ctx, s);
  return options;
}

export async function confirmPasskeyEnrolment(ctx: AppContext, s: Session, response: RegistrationResponseJSON, f: RequestFacts): Promise<Progress> {
  const user0 = await enrollingUser(ctx, s);
  const attempt = { orgId: s.orgId, step: 'enroll_passkey' as const, channel: s.data.channel, user: user0, target: s.data.target };
  return recorded(ctx, f, attempt, async () => {
    const challenge = s.data.challenge?.purpose === 'register' ? s.data.challenge.value : undefined;
    let pk: Awaited<ReturnType<typeof checkRegistration>> | undefined;
    await guarded(ctx, s, user0, f, async () => {
      if (!challenge) throw new PssoError('mfa_failed', 'no passkey registration is pending; press the button again');
      pk = await checkRegistration(ctx, response, challenge);
    });
    const now = ctx.clock.now();
    await ctx.store.mfaMethods.create({
      id: newId('mfa'), userId: user0.id, kind: 'passkey', displayName: 'Passkey', sealedSecret: null, lastUsedStep: null,
      credentialId: pk!.credentialId, publicKey: pk!.publicKey, counter: pk!.counter, transports: pk!.transports, createdAt: now, lastUsedAt: now,
    });
    delete s.data.challenge;
    const user = await afterMethodAdded(ctx, user0);
    // Creating a passkey proves possession of it, as a sign-in with it would.
    const progress = await evaluate(ctx, user, addAmr(s.data.amr, 'hwk', 'mfa'), f, s.data.target);
    Object.assign(attempt, { decision: progress.decision, user });
    return progress;
  });
}
