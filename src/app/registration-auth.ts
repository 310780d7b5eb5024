// Who may register: a per-organisation registration token (from the MDM profile) or a bearer token
// from an interactive sign-in. Both are opaque secrets stored only as hashes.

import type { AppContext } from './context.js';
import type { User } from '../storage/ports.js';
import { PssoError } from '../errors/psso-error.js';
import { newId, newSecret, sha256Hex } from './ids.js';

export type RegistrationPrincipal =
  | { kind: 'registration_token'; orgId: string; tokenId: string }
  | { kind: 'bearer'; orgId: string; user: User; amr: string[]; issuedAt: number };

export async function authenticateRegistration(ctx: AppContext, authorization: string | undefined): Promise<RegistrationPrincipal> {
  const m = /^Bearer\s+(\S+)$/i.exec(authorization ?? '');
  if (!m) throw new PssoError('registration_unauthorized');
  const secret = m[1]!;
  const now = ctx.clock.now();
  if (secret.startsWith('rgt.')) {
    const t = await ctx.store.registrationTokens.getByHash(sha256Hex(secret));
    if (!t) throw new PssoError('registration_unauthorized');
    if (t.revokedAt !== null || (t.expiresAt !== null && t.expiresAt <= now)) throw new PssoError('registration_token_expired');
    return { kind: 'registration_token', orgId: t.orgId, tokenId: t.id };
  }
  const b = await ctx.store.bearerTokens.getByHash(sha256Hex(secret));
  if (!b || b.revokedAt !== null || b.expiresAt <= now || !b.scopes.includes('register')) throw new PssoError('bearer_token_invalid');
  const user = await ctx.store.users.get(b.userId);
  if (!user || !user.enabled) throw new PssoError('bearer_token_invalid');
  return { kind: 'bearer', orgId: user.orgId, user, amr: b.amr, issuedAt: b.createdAt };
}

export async function createRegistrationToken(ctx: AppContext, orgId: string, description: string, ttlDays: number | null): Promise<{ id: string; token: string; expiresAt: number | null }> {
  const now = ctx.clock.now();
  const token = newSecret('rgt');
  const id = newId('rgt');
  const expiresAt = ttlDays === null ? null : now + ttlDays * 86400_000;
  await ctx.store.registrationTokens.create({ id, orgId, tokenHash: sha256Hex(token), description, createdAt: now, expiresAt, revokedAt: null });
  return { id, token, expiresAt };
}

/** A short-lived bearer token for the registration API, handed out after an interactive sign-in. */
export async function createBearerToken(ctx: AppContext, user: User, amr: string[]): Promise<{ token: string; expiresIn: number }> {
  const now = ctx.clock.now();
  const token = newSecret('bt');
  const ttl = ctx.config.tokens.bearerLifetimeSeconds;
  await ctx.store.bearerTokens.create({
    id: newId('bt'), tokenHash: sha256Hex(token), userId: user.id, scopes: ['register'], amr,
    createdAt: now, expiresAt: now + ttl * 1000, revokedAt: null,
  });
  return { token, expiresIn: ttl };
}
