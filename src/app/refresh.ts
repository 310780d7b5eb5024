// Refresh request (psso-protocol.md §6): the presented refresh token must be live and bound to
// this device and user; it is rotated and its rolling lifetime restarts.

import type { AppContext } from './context.js';
import type { Device, RefreshTokenRecord, User } from '../storage/ports.js';
import { PssoError } from '../errors/psso-error.js';
import { sha256Hex } from './ids.js';

export interface LiveRefreshToken {
  record: RefreshTokenRecord;
  user: User;
}

/** Used by refresh and by the key service: validates without consuming. */
export async function checkRefreshToken(ctx: AppContext, device: Device, token: string | undefined, username: string | undefined): Promise<LiveRefreshToken> {
  if (!token) throw new PssoError('missing_claim', 'refresh_token');
  const record = await ctx.store.refreshTokens.getByHash(sha256Hex(token));
  if (!record || record.revokedAt !== null || record.expiresAt <= ctx.clock.now()) throw new PssoError('refresh_token_invalid');
  if (record.deviceId !== device.id) throw new PssoError('refresh_token_wrong_device');
  const user = await ctx.store.users.get(record.userId);
  if (!user) throw new PssoError('refresh_token_invalid', 'user deleted');
  if (username !== undefined && username.toLowerCase() !== user.userPrincipalName.toLowerCase()) {
    throw new PssoError('refresh_token_wrong_device', 'token was issued to another user');
  }
  if (!user.enabled) throw new PssoError('user_disabled');
  return { record, user };
}
