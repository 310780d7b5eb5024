// Records what an admin API client changed as a row in the sign-in log (the admin API app, operation
// `admin_action`), so `openpsso logs --app admin` and /auditLogs/signIns show who revoked what and when.

import type { AppContext } from '../context.js';
import type { AdminPrincipal } from './admin-clients.js';
import type { TokenRequestFacts } from './client-credentials.js';

/** What a write changed, as words for the log row: e.g. { action: 'revokeDevice', target: 'dev_x', refreshTokensRevoked: 2 }. */
export type AdminActionDetails = { action: string; target: string } & Record<string, string | number | boolean>;

export async function recordAdminAction(ctx: AppContext, by: AdminPrincipal, facts: TokenRequestFacts, details: AdminActionDetails): Promise<void> {
  // Like admin_signin rows, the actor (a service principal) stands where a user's name would be.
  await ctx.signIns.record({
    at: ctx.clock.now(), correlationId: facts.correlationId, operation: 'admin_action', interactive: false, orgId: by.orgId,
    userPrincipalName: by.clientId, ipAddress: facts.ipAddress, userAgent: facts.userAgent, details,
  });
}
