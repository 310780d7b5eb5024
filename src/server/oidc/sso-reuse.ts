// Single sign-on across apps: when oidc-provider finds a live OP session, conditional access is
// evaluated again for the app now asking (a policy naming app B applies even after app A's sign-in),
// and an allowed app gets its grant of the scopes it may have without a consent page.

import './quiet-warnings.js';
import { interactionPolicy, type Grant, type KoaContextWithOIDC } from 'oidc-provider';
import type { AppContext } from '../../app/context.js';
import { findApplicationByClientId } from '../../app/applications.js';
import { evaluateAppAccess, recordAppSignIn, type AppAccess, type AppSignInFacts } from '../../app/oidc/app-access.js';
import { rawFacts } from './raw-facts.js';
import type { ApplicationRecord } from '../../storage/ports-apps.js';
import { allowedScopes } from './clients.js';

const REUSE = Symbol('openpsso.ssoReuse');

interface Reuse { access: AppAccess; facts: AppSignInFacts }

export function reuseOf(kctx: KoaContextWithOIDC): Reuse | undefined {
  return (kctx as unknown as Record<symbol, Reuse | undefined>)[REUSE];
}

/** Adds the requested scopes the app may have to the grant (no consent page for admin-registered apps). */
export function grantAllowed(grant: Grant, app: ApplicationRecord, requested: string): void {
  const allowed = new Set(allowedScopes(app));
  const scopes = requested.split(' ').filter((s) => allowed.has(s));
  if (scopes.length > 0) grant.addOIDCScope(scopes.join(' '));
}

export function loadGrantFor(ctx: AppContext) {
  return async (kctx: KoaContextWithOIDC): Promise<Grant | undefined> => {
    const oidc = kctx.oidc;
    const clientId = oidc.client!.clientId;
    const grantId = oidc.result?.consent?.grantId || oidc.session!.grantIdFor(clientId);
    const existing = grantId ? await oidc.provider.Grant.find(grantId) : undefined;
    // Coming back from an interaction: the sign-in pages (or the consent page) already decided.
    if (oidc.route === 'resume') return existing;
    const [user, app] = await Promise.all([ctx.store.users.get(oidc.session!.accountId!), findApplicationByClientId(ctx, clientId)]);
    if (!user || !app) return existing;
    const f = rawFacts(kctx);
    const facts: AppSignInFacts = {
      user, app, amr: oidc.session!.amr ?? ['pwd'], authTime: (oidc.session!.loginTs ?? 0) * 1000,
      ipAddress: f.ip, correlationId: f.correlationId, userAgent: f.userAgent,
    };
    const access = await evaluateAppAccess(ctx, facts);
    (kctx as unknown as Record<symbol, Reuse>)[REUSE] = { access, facts };
    // A refusal is logged here, where it was decided (the app gets access_denied or the refusal page).
    if (access.kind === 'block') await recordAppSignIn(ctx, facts, 'sso_session', access.decision, access.error);
    if (access.kind !== 'allow') return existing;
    const grant = existing ?? new oidc.provider.Grant({ accountId: user.id, clientId });
    grantAllowed(grant, app, String(oidc.params!.scope ?? 'openid'));
    await grant.save();
    return grant;
  };
}

/** What the interaction page needs to know of the decision (kept in the Interaction, no secrets). */
function details(kctx: KoaContextWithOIDC): Record<string, unknown> {
  const a = reuseOf(kctx)?.access;
  if (!a || a.kind === 'allow') return {};
  return a.kind === 'block'
    ? { openpsso_access: 'block', openpsso_error: a.error.entry.name, openpsso_reason: a.error.detail ?? '' }
    : { openpsso_access: 'interaction', openpsso_reason: a.reason };
}

/** The login prompt's extra checks: conditional access refused, or asks for what only the pages can do. */
export function accessCheckFor(): interactionPolicy.Check[] {
  const { Check } = interactionPolicy;
  return [
    new Check('openpsso_access_blocked', 'conditional access blocks sign-in to this app', 'access_denied',
      (kctx) => reuseOf(kctx)?.access.kind === 'block', details),
    new Check('openpsso_access_interaction', 'conditional access asks for more than this session carries', 'interaction_required',
      (kctx) => reuseOf(kctx)?.access.kind === 'interaction', details),
  ];
}
