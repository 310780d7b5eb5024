// The sign-in log row of an authorization oidc-provider completed without any page: a live OP
// session reused for this app after conditional access allowed it (sso-reuse.ts).

import type { KoaContextWithOIDC } from 'oidc-provider';
import type { AppContext } from '../../app/context.js';
import { recordAppSignIn } from '../../app/oidc/app-access.js';
import { reuseOf } from './sso-reuse.js';

export async function recordSilentSignIn(ctx: AppContext, kctx: KoaContextWithOIDC): Promise<void> {
  // After an interaction (route 'resume') the sign-in pages or the interaction already logged it.
  if (kctx.oidc.route !== 'authorization') return;
  const reuse = reuseOf(kctx);
  if (reuse?.access.kind !== 'allow') return;
  await recordAppSignIn(ctx, reuse.facts, 'sso_session', reuse.access.decision);
}
