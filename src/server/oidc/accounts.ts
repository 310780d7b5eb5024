// oidc-provider's findAccount: the OpenPSSO user behind a session or token, and the claims an app
// may see (OpenID Connect Core §5.1, §5.4): sub always; email, profile and groups as the app releases.

import type { Account, KoaContextWithOIDC } from 'oidc-provider';
import type { AppContext } from '../../app/context.js';
import { findApplicationByClientId } from '../../app/applications.js';

/** Scope → claims; `groups` is OpenPSSO's own scope for group display names. */
export const SCOPE_CLAIMS = {
  openid: ['sub', 'auth_time', 'acr', 'amr'],
  email: ['email'],
  profile: ['name', 'preferred_username', 'updated_at'],
  groups: ['groups'],
} as const;

export function findAccountFor(ctx: AppContext) {
  return async (kctx: KoaContextWithOIDC, sub: string): Promise<Account | undefined> => {
    const user = await ctx.store.users.get(sub);
    // A disabled or deleted user's sessions and tokens stop working at once.
    if (!user || !user.enabled) return undefined;
    const clientId = kctx.oidc.client?.clientId;
    return {
      accountId: user.id,
      async claims(_use, scope) {
        const app = clientId ? await findApplicationByClientId(ctx, clientId) : null;
        const released = new Set(app?.releasedClaims ?? []);
        const scopes = new Set(scope.split(' '));
        const want = (s: 'email' | 'profile' | 'groups') => released.has(s) && scopes.has(s);
        const out: Record<string, unknown> = { sub: user.id };
        if (want('email') && user.email) out.email = user.email;
        if (want('profile')) Object.assign(out, { name: user.displayName, preferred_username: user.userPrincipalName, updated_at: Math.floor(user.updatedAt / 1000) });
        if (want('groups')) out.groups = (await ctx.store.groups.groupsOfUser(user.id)).map((g) => g.displayName).sort();
        return out as { sub: string };
      },
    };
  };
}
