// Checks one second factor of a known user: a TOTP code (once per step), a temporary access pass,
// or a passkey assertion (counter must rise). Each returns the amr values it adds.

import type { AppContext } from '../context.js';
import type { User } from '../../storage/ports.js';
import type { MfaMethodRecord } from '../../storage/ports-access.js';
import { PssoError } from '../../errors/psso-error.js';
import { verifyTotp } from '../../policy/totp.js';
import { checkTemporaryAccessPass } from '../../policy/temporary-access-pass.js';
import { toSeconds } from '../clock.js';
import { checkAssertion, type AuthenticationResponseJSON } from './webauthn.js';

export type Factor =
  | { kind: 'totp'; code: string }
  | { kind: 'tap'; code: string }
  | { kind: 'passkey'; response: AuthenticationResponseJSON; challenge: string | undefined };

/** The sealed TOTP secret is bound to its method record, so it cannot be pasted onto another user. */
export const totpAad = (methodId: string): string => `mfa-totp:${methodId}`;

export function sealTotpSecret(ctx: AppContext, methodId: string, secret: string): Uint8Array {
  return ctx.master.seal(Buffer.from(secret, 'utf8'), totpAad(methodId));
}

async function checkTotp(ctx: AppContext, methods: MfaMethodRecord[], code: string): Promise<string[]> {
  const totps = methods.filter((m) => m.kind === 'totp' && m.sealedSecret);
  if (totps.length === 0) throw new PssoError('mfa_failed', 'no authenticator app is set up for this account');
  const now = ctx.clock.now();
  let reused = false;
  for (const m of totps) {
    const secret = ctx.master.unseal(m.sealedSecret!, totpAad(m.id)).toString('utf8');
    const v = verifyTotp(secret, code, toSeconds(now), m.lastUsedStep ?? undefined);
    if (!v.ok) {
      if (v.reason === 'malformed') throw new PssoError('mfa_failed', 'a code is the 6 digits your authenticator app shows');
      reused ||= v.reason === 'reused';
      continue;
    }
    // The store decides races: two requests with one code cannot both raise the step.
    if (await ctx.store.mfaMethods.useTotpStep(m.id, v.step, now)) return ['otp', 'mfa'];
    reused = true;
  }
  throw new PssoError('mfa_failed', reused
    ? 'that code was already used; wait for the next code in your authenticator app'
    : 'the code does not match; check the time on your phone and use the current code');
}

async function checkTap(ctx: AppContext, user: User, code: string): Promise<string[]> {
  const now = ctx.clock.now();
  for (const t of await ctx.store.temporaryAccessPasses.listUsable(user.id, now)) {
    // Stored passes start when issued; the CLI's clock may run a little ahead of this server's, and
    // a pass issued "now" over there must not read as not yet valid here.
    const startAt = Math.min(toSeconds(t.createdAt), toSeconds(now));
    const state = {
      codeHash: t.codeHash, createdAt: toSeconds(t.createdAt), startAt, expiresAt: toSeconds(t.expiresAt),
      isUsableOnce: t.oneTimeUse, usedAt: t.usedAt === null ? null : toSeconds(t.usedAt), revokedAt: t.revokedAt === null ? null : toSeconds(t.revokedAt),
    };
    if (!checkTemporaryAccessPass(state, code, toSeconds(now)).ok) continue;
    if (await ctx.store.temporaryAccessPasses.use(t.id, now)) return ['tap', 'mfa'];
  }
  throw new PssoError('mfa_failed', 'the temporary access pass is wrong, expired or already used; ask your administrator for a new one');
}

async function checkPasskey(ctx: AppContext, user: User, methods: MfaMethodRecord[], response: AuthenticationResponseJSON, challenge: string | undefined): Promise<string[]> {
  if (!challenge) throw new PssoError('mfa_failed', 'no passkey request is pending; press the passkey button again');
  const m = methods.find((x) => x.kind === 'passkey' && x.credentialId === response.id);
  if (!m || m.userId !== user.id || !m.publicKey) throw new PssoError('mfa_failed', 'that passkey is not registered for this account');
  const r = await checkAssertion(ctx, response, challenge, m);
  if (!(await ctx.store.mfaMethods.usePasskey(m.id, r.newCounter, ctx.clock.now()))) {
    throw new PssoError('mfa_failed', 'the passkey signature counter did not increase; the authenticator may have been cloned, contact your administrator');
  }
  return r.userVerified ? ['hwk', 'user', 'mfa'] : ['hwk', 'mfa'];
}

export async function checkFactor(ctx: AppContext, user: User, factor: Factor): Promise<string[]> {
  const methods = await ctx.store.mfaMethods.listForUser(user.id);
  switch (factor.kind) {
    case 'totp': return checkTotp(ctx, methods, factor.code);
    case 'tap': return checkTap(ctx, user, factor.code);
    case 'passkey': return checkPasskey(ctx, user, methods, factor.response, factor.challenge);
  }
}
