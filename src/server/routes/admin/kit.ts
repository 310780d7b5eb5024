// Shared pieces of the admin API routes: bearer and role checks, JSON bodies, the request URL for OData links.

import type { FastifyRequest } from 'fastify';
import type { AppContext } from '../../../app/context.js';
import { requireRole, verifyAdminToken, type AdminPrincipal } from '../../../app/admin-api/admin-clients.js';
import type { RequestUrl } from '../../../app/admin-api/graph-query.js';
import type { TokenRequestFacts } from '../../../app/admin-api/client-credentials.js';
import { PssoError } from '../../../errors/psso-error.js';
import type { AdminRole } from '../../../storage/ports-access.js';

/** Role sets per operation, after Graph's permissions (documented in docs/admin-api.md). */
export const ROLES = {
  directoryRead: ['Directory.Read', 'Directory.ReadWrite'],
  directoryWrite: ['Directory.ReadWrite'],
  policyRead: ['Policy.ReadWrite', 'Directory.Read', 'Directory.ReadWrite'],
  policyWrite: ['Policy.ReadWrite'],
  mfaRead: ['UserAuthenticationMethod.ReadWrite', 'Directory.Read', 'Directory.ReadWrite'],
  mfaWrite: ['UserAuthenticationMethod.ReadWrite'],
  auditRead: ['AuditLog.Read'],
  reportsRead: ['AuditLog.Read', 'Directory.Read', 'Directory.ReadWrite'],
  // Apps are directory objects, as in Graph, where Directory.ReadWrite.All also manages applications.
  applicationRead: ['Directory.Read', 'Directory.ReadWrite'],
  applicationWrite: ['Directory.ReadWrite'],
} as const satisfies Record<string, readonly AdminRole[]>;

/** 401 without a valid token, 403 without one of the roles; the token is checked before anything else is read. */
export async function authorize(ctx: AppContext, req: FastifyRequest, anyOf: readonly AdminRole[]): Promise<AdminPrincipal> {
  const p = await verifyAdminToken(ctx, req.headers.authorization);
  requireRole(p, anyOf);
  return p;
}

export function jsonBody(req: FastifyRequest): unknown {
  const ct = String(req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (ct !== 'application/json') throw new PssoError('unsupported_content_type', ct || 'none');
  if (req.body === undefined) throw new PssoError('malformed_request', 'a JSON body is required');
  return req.body;
}

/** Actions without parameters (revokeSignInSessions) take no body, an empty one, or `{}`; anything else is a mistake worth a 400. */
export function noParameters(req: FastifyRequest): void {
  if (req.body === undefined) return;
  const body = jsonBody(req);
  const extra = typeof body === 'object' && body !== null && !Array.isArray(body) ? Object.keys(body).filter((k) => !k.startsWith('@odata.')) : null;
  if (extra === null || extra.length > 0) throw new PssoError('malformed_request', 'this action takes no parameters; send no body or {}');
}

export function requestUrl(ctx: AppContext, req: FastifyRequest): RequestUrl {
  return { base: ctx.urls.issuer.replace(/\/+$/, ''), url: req.url };
}

export type IdParams = { Params: { id: string } };

/** Who asked, from where: what an admin action's log row records. */
export function requestFacts(req: FastifyRequest): TokenRequestFacts {
  return { ipAddress: req.ip, correlationId: req.id, userAgent: req.headers['user-agent'] };
}
