// Admin API clients and their OAuth 2.0 client-credentials tokens (RFC 6749 §4.4, RFC 9068 access-token JWTs), shaped like Entra's v2.0 token endpoint.

import { timingSafeEqual } from 'node:crypto';
import { SignJWT, jwtVerify, decodeProtectedHeader, errors as joseErrors } from 'jose';
import type { AppContext } from '../context.js';
import type { AdminClientRecord, AdminRole } from '../../storage/ports-access.js';
import { PssoError } from '../../errors/psso-error.js';
import { ADMIN_API_APP_ID } from '../../policy/app-ids.js';
import { newId, newSecret, sha256Hex } from '../ids.js';
import { toSeconds } from '../clock.js';

export const ADMIN_ROLES: readonly AdminRole[] = ['Directory.Read', 'Directory.ReadWrite', 'Policy.ReadWrite', 'AuditLog.Read', 'UserAuthenticationMethod.ReadWrite'];

/** Short-lived: a leaked token is useful for minutes, and revoking the client ends it at once anyway. */
export const ADMIN_TOKEN_SECONDS = 900;
/** RFC 9068 type, so an id_token signed by the same key can never pass as an admin token. */
const TOKEN_TYP = 'at+jwt';

export function isAdminRole(r: string): r is AdminRole {
  return (ADMIN_ROLES as readonly string[]).includes(r);
}

export async function createAdminClient(ctx: AppContext, orgId: string, displayName: string, roles: string[]): Promise<{ client: AdminClientRecord; secret: string }> {
  const name = displayName.trim();
  if (!name || name.length > 200) throw new PssoError('malformed_request', 'an admin client needs a name of 1-200 characters');
  const bad = roles.filter((r) => !isAdminRole(r));
  if (bad.length > 0) throw new PssoError('malformed_request', `unknown role(s) ${bad.join(', ')}; roles are ${ADMIN_ROLES.join(', ')}`);
  if (roles.length === 0) throw new PssoError('malformed_request', `name at least one role: ${ADMIN_ROLES.join(', ')}`);
  const secret = newSecret('acs');
  const client: AdminClientRecord = {
    id: newId('acl'), orgId, displayName: name, secretHash: sha256Hex(secret),
    roles: [...new Set(roles as AdminRole[])], createdAt: ctx.clock.now(), revokedAt: null,
  };
  await ctx.store.adminClients.create(client);
  return { client, secret };
}

/** The audience of admin tokens: the admin API's application id, as Entra puts the resource app in `aud`. */
export const adminAudience = (): string => ADMIN_API_APP_ID;

async function activeClient(ctx: AppContext, clientId: string): Promise<AdminClientRecord | null> {
  // Ids we issue are short; anything else cannot be ours and is not worth a lookup.
  if (!/^acl_[A-Za-z0-9_-]{1,64}$/.test(clientId)) return null;
  const c = await ctx.store.adminClients.get(clientId);
  return c && c.revokedAt === null ? c : null;
}

/** Checks client credentials; one error for unknown client and wrong secret, so ids cannot be probed. */
export async function authenticateClient(ctx: AppContext, clientId: string, secret: string): Promise<AdminClientRecord> {
  const c = await activeClient(ctx, clientId);
  const want = Buffer.from(c?.secretHash ?? '0'.repeat(64), 'hex');
  const got = Buffer.from(sha256Hex(secret), 'hex');
  if (!c || !timingSafeEqual(want, got)) throw new PssoError('admin_unauthorized', 'invalid client_id or client_secret');
  return c;
}

export interface AdminTokenResponse {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
  ext_expires_in: number;
}

export async function issueAdminToken(ctx: AppContext, client: AdminClientRecord): Promise<AdminTokenResponse> {
  const key = ctx.keys.active('sig');
  const now = toSeconds(ctx.clock.now());
  const token = await new SignJWT({ roles: client.roles, tid: client.orgId, azp: client.id, appid: client.id, client_id: client.id, app_displayname: client.displayName })
    .setProtectedHeader({ alg: 'ES256', kid: key.record.kid, typ: TOKEN_TYP })
    .setIssuer(ctx.urls.issuer).setAudience(adminAudience()).setSubject(client.id)
    .setIssuedAt(now).setNotBefore(now).setExpirationTime(now + ADMIN_TOKEN_SECONDS).setJti(newId('at'))
    .sign(key.privateKey);
  return { access_token: token, token_type: 'Bearer', expires_in: ADMIN_TOKEN_SECONDS, ext_expires_in: ADMIN_TOKEN_SECONDS };
}

export interface AdminPrincipal {
  clientId: string;
  displayName: string;
  orgId: string;
  roles: AdminRole[];
}

/** Verifies `Authorization: Bearer <jwt>`: signature by one of our keys, typ, iss, aud, exp, and a client that still exists. */
export async function verifyAdminToken(ctx: AppContext, authorization: string | undefined): Promise<AdminPrincipal> {
  const m = /^Bearer ([A-Za-z0-9_.-]{10,8192})$/i.exec(authorization?.trim() ?? '');
  if (!m) throw new PssoError('admin_unauthorized', authorization ? 'Authorization must be "Bearer <token>"' : 'no bearer token');
  const jwt = m[1]!;
  let kid: string | undefined;
  try { kid = decodeProtectedHeader(jwt).kid; } catch { throw new PssoError('admin_unauthorized', 'token is not a JWT'); }
  const key = kid ? ctx.keys.byKid(kid) : undefined;
  if (!key || key.record.use !== 'sig') throw new PssoError('admin_unauthorized', 'token not signed by this server');
  let payload: Record<string, unknown>;
  try {
    ({ payload } = await jwtVerify(jwt, key.publicKey, {
      algorithms: ['ES256'], typ: TOKEN_TYP, issuer: ctx.urls.issuer, audience: adminAudience(),
      currentDate: new Date(ctx.clock.now()), requiredClaims: ['exp', 'sub'],
    }));
  } catch (e) {
    const why = e instanceof joseErrors.JWTExpired ? 'token expired' : e instanceof joseErrors.JOSEError ? `token rejected (${e.code})` : 'token rejected';
    throw new PssoError('admin_unauthorized', why);
  }
  const client = await activeClient(ctx, String(payload.sub));
  if (!client || client.orgId !== payload.tid) throw new PssoError('admin_unauthorized', 'admin client revoked or unknown');
  // Roles come from the stored client, so removing a role takes effect before the token expires.
  return { clientId: client.id, displayName: client.displayName, orgId: client.orgId, roles: client.roles };
}

/** 403 unless the principal holds one of `anyOf`. */
export function requireRole(p: AdminPrincipal, anyOf: readonly AdminRole[]): void {
  if (!anyOf.some((r) => p.roles.includes(r))) throw new PssoError('forbidden', `needs one of ${anyOf.join(', ')}`);
}
