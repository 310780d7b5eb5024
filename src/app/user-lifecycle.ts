// A user's lifecycle after creation, the same for the CLI and the admin API: disable (which ends
// every session), enable, and delete (which removes everything bound to the user). Each change is
// one transaction, and every server sharing the database refuses the user's next token request.

import type { AppContext } from './context.js';
import type { Store, User } from '../storage/ports.js';
import { findUser } from './directory.js';
import { forgetAccount } from './credential-guard.js';

export interface SessionsEnded { refreshTokensRevoked: number; bearerTokensRevoked: number }

/** Ends every refresh and bearer token of the user, on every device; each Mac then needs a full login. */
export async function endSessions(tx: Store, user: User, now: number): Promise<SessionsEnded> {
  return {
    refreshTokensRevoked: await tx.refreshTokens.revokeForUser(user.id, now),
    bearerTokensRevoked: await tx.bearerTokens.revokeForUser(user.id, now),
  };
}

/**
 * Sets accountEnabled inside the caller's transaction. A disabled user is refused at every token
 * request; disabling also ends the user's sessions so that enabling again never revives them.
 */
export async function setUserEnabledIn(tx: Store, user: User, enabled: boolean, now: number): Promise<SessionsEnded> {
  await tx.users.update(user.id, { enabled, updatedAt: now });
  return enabled ? { refreshTokensRevoked: 0, bearerTokensRevoked: 0 } : endSessions(tx, user, now);
}

export async function setUserEnabled(ctx: AppContext, orgId: string, idOrUpn: string, enabled: boolean): Promise<{ user: User } & SessionsEnded> {
  const now = ctx.clock.now();
  return ctx.store.transaction(async (tx) => {
    const user = await findUser({ ...ctx, store: tx }, orgId, idOrUpn);
    const ended = await setUserEnabledIn(tx, user, enabled, now);
    return { user: { ...user, enabled, updatedAt: now }, ...ended };
  });
}

export interface UserDeletion {
  user: User;
  refreshTokensDeleted: number;
  bearerTokensDeleted: number;
  registrationsDeleted: number;
  mfaMethodsDeleted: number;
  passesDeleted: number;
  sessionsDeleted: number;
}

/**
 * Deletes the user and everything bound to them, in one transaction: refresh and bearer tokens on
 * every device (the Mac's next request with one is refused), the platform credentials registered on
 * each Mac with their unlock keys, MFA methods, temporary access passes, interactive sessions and
 * group memberships. Sign-in log rows stay: they are history, and keep naming the user id.
 * Everything a user can own is removed here, so new per-user data is added to this one place.
 */
export async function deleteUser(ctx: AppContext, orgId: string, idOrUpn: string): Promise<UserDeletion> {
  return ctx.store.transaction(async (tx) => {
    const user = await findUser({ ...ctx, store: tx }, orgId, idOrUpn);
    const result: UserDeletion = {
      user,
      refreshTokensDeleted: await tx.refreshTokens.deleteForUser(user.id),
      bearerTokensDeleted: await tx.bearerTokens.deleteForUser(user.id),
      registrationsDeleted: await tx.userRegistrations.deleteForUser(user.id),
      mfaMethodsDeleted: await tx.mfaMethods.deleteForUser(user.id),
      passesDeleted: await tx.temporaryAccessPasses.deleteForUser(user.id),
      sessionsDeleted: await tx.signInSessions.deleteForUser(user.id),
    };
    await tx.unlockKeys.deleteForUser(user.id);
    // Explicit, not left to the foreign key cascade: deleting an admin must visibly end their roles.
    await tx.directoryRoles.removeAllForUser(user.id);
    await tx.users.delete(user.id);
    // The guard's state is keyed by name: a user created again under it starts clean, with no
    // lock, no failure count and no network counted as familiar from the deleted user's sign-ins.
    await forgetAccount({ ...ctx, store: tx }, orgId, user.userPrincipalName);
    return result;
  });
}
