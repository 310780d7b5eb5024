// Creating, changing and deleting users over the admin API in Graph's shapes (POST, PATCH and DELETE
// /users). Field rules are the directory's own (checkNewUser, userFieldProblems), so the CLI, the
// CSV import and the API accept and refuse the same values. Passwords are hashed before the
// transaction opens, so it stays short.

import { z } from 'zod';
import type { AppContext } from '../context.js';
import type { User } from '../../storage/ports.js';
import { PssoError } from '../../errors/psso-error.js';
import { checkNewUser, newUserRecord, userFieldProblems, type UserProblem } from '../directory.js';
import { hashPassword } from '../passwords.js';
import { setUserEnabledIn, type SessionsEnded } from '../user-lifecycle.js';
import { resolveUser } from './graph-directory.js';

function malformed(issues: { path: PropertyKey[]; message: string }[]): PssoError {
  return new PssoError('malformed_request', issues.map((i) => `${i.path.map(String).join('.') || 'body'}: ${i.message}`).join('; '));
}

function refuseProblems(problems: UserProblem[]): void {
  if (problems.length > 0) throw new PssoError('malformed_request', problems.map((p) => `${p.field === 'password' ? 'passwordProfile.password' : p.field}: ${p.message}`).join('; '));
}

// OpenPSSO has no forced password change at the next sign-in; saying so beats ignoring the flag.
const passwordProfile = z.object({
  password: z.string({ error: 'password must be a string' }),
  forceChangePasswordNextSignIn: z.literal(false, { error: 'forceChangePasswordNextSignIn: OpenPSSO cannot force a change at the next sign-in; send false or leave it out' }).optional(),
  forceChangePasswordNextSignInWithMfa: z.literal(false, { error: 'forceChangePasswordNextSignInWithMfa is not supported; send false or leave it out' }).optional(),
}, { error: 'passwordProfile must be an object' }).strict();

const str = (name: string) => z.string({ error: `${name} must be a string` });

/** Refuses properties OpenPSSO does not store, except @odata annotations that Graph clients echo back. */
function onlyKnown(allowed: readonly string[]) {
  return (b: Record<string, unknown>, ctx: z.RefinementCtx) => {
    const extra = Object.keys(b).filter((k) => !allowed.includes(k) && !k.startsWith('@odata.'));
    if (extra.length > 0) ctx.addIssue({ code: 'custom', message: `only ${allowed.join(', ')} can be set here, not ${extra.slice(0, 5).join(', ')}` });
  };
}

const CREATE_FIELDS = ['accountEnabled', 'displayName', 'userPrincipalName', 'mail', 'mailNickname', 'passwordProfile'] as const;
const createBody = z.object({
  accountEnabled: z.boolean({ error: 'accountEnabled must be true or false' }).optional(),
  displayName: str('displayName'),
  userPrincipalName: str('userPrincipalName'),
  mail: str('mail').nullable().optional(),
  // Graph requires it; OpenPSSO has no mailboxes, so it is accepted and not stored.
  mailNickname: str('mailNickname').optional(),
  passwordProfile: passwordProfile.optional(),
}, { error: 'the body must be a JSON object' }).catchall(z.unknown()).superRefine(onlyKnown(CREATE_FIELDS));

/** POST /users: 201 with the new user. Without passwordProfile the user has no password (a temporary access pass or another method signs them in). */
export async function createGraphUser(ctx: AppContext, orgId: string, body: unknown): Promise<User> {
  const r = createBody.safeParse(body);
  if (!r.success) throw malformed(r.error.issues);
  const b = r.data;
  const fields = { userPrincipalName: b.userPrincipalName, displayName: b.displayName, ...(b.mail !== undefined ? { email: b.mail } : {}), ...(b.passwordProfile ? { password: b.passwordProfile.password } : {}) };
  refuseProblems(await checkNewUser(ctx, orgId, fields));
  const hash = b.passwordProfile ? await hashPassword(b.passwordProfile.password) : null;
  const user = { ...newUserRecord(orgId, fields, hash, ctx.clock.now()), enabled: b.accountEnabled ?? true };
  await ctx.store.users.create(user);
  return user;
}

const PATCH_FIELDS = ['accountEnabled', 'displayName', 'mail', 'passwordProfile'] as const;
const patchBody = z.object({
  accountEnabled: z.boolean({ error: 'accountEnabled must be true or false' }).optional(),
  displayName: str('displayName').optional(),
  mail: str('mail').nullable().optional(),
  passwordProfile: passwordProfile.optional(),
}, { error: 'the body must be a JSON object' }).catchall(z.unknown()).superRefine(onlyKnown(PATCH_FIELDS)).superRefine((b, ctx) => {
  if (!PATCH_FIELDS.some((k) => b[k] !== undefined)) ctx.addIssue({ code: 'custom', message: `send at least one of ${PATCH_FIELDS.join(', ')}` });
});

export interface UserChange extends SessionsEnded { user: User; changed: string[] }

/**
 * PATCH /users/{id}: accountEnabled, displayName, mail and passwordProfile. Disabling ends the
 * user's sessions (as revokeSignInSessions does), so enabling again never revives them; a new
 * password leaves sessions alone, as a reset by an admin does in Entra.
 */
export async function patchGraphUser(ctx: AppContext, orgId: string, idOrUpn: string, body: unknown): Promise<UserChange> {
  // An unknown id is 404 whatever the body, as for devices and policies; then the body is checked.
  await resolveUser(ctx, orgId, idOrUpn);
  const r = patchBody.safeParse(body);
  if (!r.success) throw malformed(r.error.issues);
  const b = r.data;
  refuseProblems(userFieldProblems({
    ...(b.displayName !== undefined ? { displayName: b.displayName } : {}), ...(b.mail !== undefined ? { email: b.mail } : {}),
    ...(b.passwordProfile ? { password: b.passwordProfile.password } : {}),
  }));
  const hash = b.passwordProfile ? await hashPassword(b.passwordProfile.password) : undefined;
  const now = ctx.clock.now();
  return ctx.store.transaction(async (tx) => {
    const user = await resolveUser({ ...ctx, store: tx }, orgId, idOrUpn);
    const patch: Partial<User> = {
      ...(b.displayName !== undefined ? { displayName: b.displayName } : {}),
      ...(b.mail !== undefined ? { email: b.mail } : {}),
      ...(hash !== undefined ? { passwordHash: hash, passwordChangedAt: now } : {}),
    };
    if (Object.keys(patch).length > 0) await tx.users.update(user.id, { ...patch, updatedAt: now });
    const ended = b.accountEnabled === undefined ? { refreshTokensRevoked: 0, bearerTokensRevoked: 0 } : await setUserEnabledIn(tx, user, b.accountEnabled, now);
    const changed = [...PATCH_FIELDS].filter((k) => b[k] !== undefined);
    return { user: { ...user, ...patch, ...(b.accountEnabled !== undefined ? { enabled: b.accountEnabled } : {}), updatedAt: now }, changed, ...ended };
  });
}
