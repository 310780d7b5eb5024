// The client-credentials grant for admin API clients, recorded in the sign-in log as an 'admin_signin' either way.

import type { AppContext } from '../context.js';
import { PssoError, isPssoError } from '../../errors/psso-error.js';
import { authenticateClient, issueAdminToken, type AdminTokenResponse } from './admin-clients.js';
import { guardSecret } from '../credential-guard.js';

export interface TokenRequestFacts {
  ipAddress: string;
  correlationId: string;
  userAgent?: string | undefined;
}

/**
 * One form-urlencoded half of Basic credentials. A bad %-escape, or a NUL (which the edge guard
 * cannot see inside base64, and PostgreSQL cannot store), is a failed client authentication, logged like one.
 */
function basicPart(raw: string, what: string): string {
  let v: string;
  try {
    v = decodeURIComponent(raw.replace(/\+/g, ' '));
  } catch {
    throw new PssoError('malformed_client_credentials', `${what}: bad %-escape`);
  }
  if (v.includes('\0')) throw new PssoError('malformed_client_credentials', `${what}: NUL character`);
  return v;
}

/** Client secret from the form (client_secret_post) or HTTP Basic (client_secret_basic); never both. */
function clientCredentials(form: Record<string, string>, authorization: string | undefined): { id: string; secret: string } {
  let id = form.client_id;
  let secret = form.client_secret;
  const basic = /^Basic ([A-Za-z0-9+/=]+)$/i.exec(authorization?.trim() ?? '');
  if (basic) {
    if (secret !== undefined) throw new PssoError('malformed_request', 'client credentials in both the body and Authorization');
    const decoded = Buffer.from(basic[1]!, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) throw new PssoError('malformed_request', 'Basic credentials must be id:secret');
    // RFC 6749 §2.3.1: both parts are form-urlencoded inside Basic.
    const basicId = basicPart(decoded.slice(0, colon), 'client id');
    if (id !== undefined && id !== basicId) throw new PssoError('malformed_request', 'client_id differs from the Basic credentials');
    id = basicId;
    secret = basicPart(decoded.slice(colon + 1), 'client secret');
  }
  if (!id) throw new PssoError('malformed_request', 'client_id is required');
  if (!secret) throw new PssoError('malformed_request', 'client_secret is required (certificate credentials are not supported)');
  return { id, secret };
}

/**
 * `scope` is accepted and ignored: Graph tools send https://graph.microsoft.com/.default, and what a
 * client may do is decided by its roles, not by the scope it asks for.
 */
export async function clientCredentialsGrant(
  ctx: AppContext, body: unknown, authorization: string | undefined, facts: TokenRequestFacts,
): Promise<AdminTokenResponse> {
  const at = ctx.clock.now();
  let clientId: string | undefined;
  try {
    if (body === null || typeof body !== 'object') throw new PssoError('malformed_request', 'expected a form body');
    const form = body as Record<string, string>;
    if (form.grant_type !== 'client_credentials') {
      throw form.grant_type ? new PssoError('unsupported_grant_type', `grant_type ${form.grant_type.slice(0, 60)}`) : new PssoError('malformed_request', 'grant_type is required');
    }
    const creds = clientCredentials(form, authorization);
    clientId = creds.id.slice(0, 100);
    // Client ids are global, so the guard counts them under one pseudo-organisation.
    const client = await guardSecret(ctx, { orgId: 'admin-clients', account: creds.id, ipAddress: facts.ipAddress, surface: 'admin_api', guessable: true },
      () => authenticateClient(ctx, creds.id, creds.secret));
    const token = await issueAdminToken(ctx, client);
    await ctx.signIns.record({
      at, correlationId: facts.correlationId, operation: 'admin_signin', interactive: false, orgId: client.orgId,
      userPrincipalName: client.id, ipAddress: facts.ipAddress, userAgent: facts.userAgent, details: { clientId: client.id, roles: client.roles },
    });
    return token;
  } catch (e) {
    if (isPssoError(e)) {
      // Service principals have no user: the log shows the client id where a user's name would be.
      await ctx.signIns.record({
        at, correlationId: facts.correlationId, operation: 'admin_signin', interactive: false,
        ...(clientId ? { userPrincipalName: clientId } : {}), ipAddress: facts.ipAddress, userAgent: facts.userAgent, error: e,
      });
    }
    throw e;
  }
}
