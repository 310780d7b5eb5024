// Refresh tokens as a Mac presents them (psso-protocol.md §6): bound to one device and user, rotated
// on every refresh, with reuse detection and a one-time grace for a lost reply (OAuth 2.0 Security
// BCP, RFC 9700 §4.14.2).

import type { AppContext } from './context.js';
import type { Device, RefreshTokenRecord, User } from '../storage/ports.js';
import { PssoError } from '../errors/psso-error.js';
import { sha256Hex } from './ids.js';

/**
 * Where a presented token stands in its family:
 * - live: the family's current token;
 * - in_grace: rotated moments ago and its grace unspent; a refresh may use it once more, because
 *   the reply carrying its successor may never have reached the Mac;
 * - reused: rotated, and no longer in grace: someone still holds a token the Mac has moved on from.
 */
export type RefreshTokenState = 'live' | 'in_grace' | 'reused';

export interface PresentedRefreshToken {
  record: RefreshTokenRecord;
  user: User;
  state: RefreshTokenState;
}

export function graceWindowMs(ctx: AppContext): number {
  return ctx.config.tokens.refreshGraceSeconds * 1000;
}

/**
 * Finds the presented token and checks its binding to this device and user. Unknown, expired and
 * revoked tokens are refused here; a superseded one comes back as in_grace or reused. Nothing is
 * consumed: refresh and the key service decide what to do with each state.
 */
export async function presentRefreshToken(ctx: AppContext, device: Device, token: string | undefined, username: string | undefined): Promise<PresentedRefreshToken> {
  if (!token) throw new PssoError('missing_claim', 'refresh_token');
  const now = ctx.clock.now();
  const record = await ctx.store.refreshTokens.getByHash(sha256Hex(token));
  if (!record || record.expiresAt <= now) throw new PssoError('refresh_token_invalid');
  // Revoked without a successor: by an admin, a device or user revocation, or a family revocation.
  if (record.revokedAt !== null && record.replacedById === null) throw new PssoError('refresh_token_invalid');
  if (record.deviceId !== device.id) throw new PssoError('refresh_token_wrong_device');
  const user = await ctx.store.users.get(record.userId);
  if (!user) throw new PssoError('refresh_token_invalid', 'user deleted');
  if (username !== undefined && username.toLowerCase() !== user.userPrincipalName.toLowerCase()) {
    throw new PssoError('refresh_token_wrong_device', 'token was issued to another user');
  }
  if (record.revokedAt === null) return { record, user, state: 'live' };
  // A window of 0 is no grace at all, even for a retry within the same millisecond.
  const grace = graceWindowMs(ctx);
  const inWindow = grace > 0 && record.revokedAt >= now - grace;
  return { record, user, state: record.graceUsedAt === null && inWindow ? 'in_grace' : 'reused' };
}

/** Revokes the whole family of a reused token and refuses the request; the sign-in log row says so. */
export async function refuseReuse(ctx: AppContext, record: RefreshTokenRecord): Promise<never> {
  const revoked = await ctx.store.refreshTokens.revokeFamily(record.familyId, ctx.clock.now());
  const rotated = new Date(record.revokedAt ?? 0).toISOString();
  throw new PssoError('refresh_token_reused', `token ${record.id} was superseded at ${rotated}; family ${record.familyId} revoked (${revoked} live token(s))`);
}

/**
 * Stores `next` in place of `previous`: a plain rotation for a live token, the grace re-issue for
 * one in grace. A lost race (another request used the same token at the same moment) is refused
 * without revoking anything: it proves nothing about a copy. A grace attempt that finds the
 * successor already used is reuse.
 */
export async function replaceRefreshToken(ctx: AppContext, previous: RefreshTokenRecord, next: RefreshTokenRecord): Promise<void> {
  const now = ctx.clock.now();
  const tokens = ctx.store.refreshTokens;
  if (previous.revokedAt === null) {
    if (!(await tokens.rotate(previous.id, next, now))) throw new PssoError('refresh_token_invalid', 'already used');
    return;
  }
  const result = await tokens.reissueInGrace(previous.id, previous.replacedById ?? '', next, now, now - graceWindowMs(ctx));
  switch (result) {
    case 'reissued':
      return;
    case 'grace_spent':
      throw new PssoError('refresh_token_invalid', 'already used');
    case 'successor_revoked':
      throw new PssoError('refresh_token_invalid', 'revoked');
    case 'successor_used':
    case 'window_closed':
      return refuseReuse(ctx, previous);
  }
}
