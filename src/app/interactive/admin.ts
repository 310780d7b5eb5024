// Admin recovery for MFA: list a user's methods, reset them (the user enrols again at the next
// sign-in) and issue a temporary access pass to bootstrap.

import type { AppContext } from '../context.js';
import type { User } from '../../storage/ports.js';
import type { MfaMethodRecord, TemporaryAccessPassRecord } from '../../storage/ports-access.js';
import { createTemporaryAccessPass } from '../../policy/temporary-access-pass.js';
import { newId } from '../ids.js';
import { toSeconds } from '../clock.js';

export interface MethodSummary {
  methods: Pick<MfaMethodRecord, 'id' | 'kind' | 'displayName' | 'createdAt' | 'lastUsedAt'>[];
  passes: Pick<TemporaryAccessPassRecord, 'id' | 'oneTimeUse' | 'createdAt' | 'expiresAt' | 'usedAt'>[];
}

export async function listMethods(ctx: AppContext, user: User): Promise<MethodSummary> {
  const [methods, passes] = await Promise.all([
    ctx.store.mfaMethods.listForUser(user.id),
    ctx.store.temporaryAccessPasses.listUsable(user.id, ctx.clock.now()),
  ]);
  return {
    methods: methods.map(({ id, kind, displayName, createdAt, lastUsedAt }) => ({ id, kind, displayName, createdAt, lastUsedAt })),
    passes: passes.map(({ id, oneTimeUse, createdAt, expiresAt, usedAt }) => ({ id, oneTimeUse, createdAt, expiresAt, usedAt })),
  };
}

/**
 * Deletes every MFA method (a lost phone, a departed authenticator). Passes are left alone: the
 * usual recovery is reset, then a TAP, so the user can enrol again without the admin in the room.
 */
export async function resetMethods(ctx: AppContext, user: User): Promise<number> {
  return ctx.store.mfaMethods.deleteForUser(user.id);
}

/** Issues a pass; the code is returned once and only its hash is stored. */
export async function issueTemporaryAccessPass(ctx: AppContext, user: User, opts: { minutes?: number; oneTime?: boolean }): Promise<{ code: string; record: TemporaryAccessPassRecord }> {
  const now = ctx.clock.now();
  const { code, record } = createTemporaryAccessPass({ now: toSeconds(now), lifetimeInMinutes: opts.minutes ?? 60, isUsableOnce: opts.oneTime ?? false });
  const stored: TemporaryAccessPassRecord = {
    id: newId('tap'), userId: user.id, codeHash: record.codeHash, oneTimeUse: record.isUsableOnce,
    createdAt: now, expiresAt: now + (record.expiresAt - record.startAt) * 1000, usedAt: null, revokedAt: null,
  };
  await ctx.store.temporaryAccessPasses.create(stored);
  return { code, record: stored };
}
