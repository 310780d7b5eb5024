// Mints the token response a Mac stores as its SSO tokens: ES256 id_token plus an opaque,
// hashed, device-bound refresh token (psso-protocol.md §5.3, §5.4).

import { signCompactJws } from '../protocol/jws.js';
import type { AppContext } from './context.js';
import type { Device, RefreshTokenRecord, User } from '../storage/ports.js';
import type { VerifiedRequest } from '../protocol/verify-request.js';
import { newId, newSecret, sha256Hex } from './ids.js';
import { toSeconds } from './clock.js';
import { replaceRefreshToken } from './refresh.js';

export interface TokenGrant {
  user: User;
  device: Device;
  req: VerifiedRequest;
  /** The id_token iss the Mac's extension expects (its dialect's). */
  issuer: string;
  /** Time of the full login this session rests on (carried through refreshes). */
  authTime: number;
  amr: string[];
  /** For a refresh: the token being replaced (live, or rotated and in its grace). */
  previous?: RefreshTokenRecord;
}

export interface TokenResponse {
  id_token: string;
  refresh_token: string;
  token_type: 'Bearer';
  expires_in: number;
  refresh_token_expires_in: number;
}

/** Groups in the id_token: only those the request asked for and the user is in (A-PROC). */
async function grantedGroups(ctx: AppContext, user: User, requested: string[] | undefined): Promise<string[] | undefined> {
  if (!requested || requested.length === 0) return undefined;
  const mine = new Set((await ctx.store.groups.groupsOfUser(user.id)).map((g) => g.displayName));
  return requested.filter((g) => mine.has(g));
}

export async function signIdToken(ctx: AppContext, g: TokenGrant): Promise<string> {
  const now = toSeconds(ctx.clock.now());
  const key = ctx.keys.active('sig');
  const groups = await grantedGroups(ctx, g.user, g.req.requestedGroups);
  // Registered claims first; signed synchronously with node:crypto (jose's WebCrypto path cost ~5% of a request).
  const claims: Record<string, unknown> = {
    iss: g.issuer,
    // The client id this request named: an extension may be configured with any of its dialect's.
    aud: g.req.clientId,
    sub: g.user.id,
    iat: now,
    exp: now + ctx.config.tokens.idTokenLifetimeSeconds,
    nonce: g.req.nonce,
    oid: g.user.id,
    preferred_username: g.user.userPrincipalName,
    upn: g.user.userPrincipalName,
    name: g.user.displayName,
    auth_time: toSeconds(g.authTime),
    amr: g.amr,
    did: g.device.deviceUuid,
  };
  if (g.user.email) claims.email = g.user.email;
  if (groups) claims.groups = groups;
  return signCompactJws({ alg: 'ES256', kid: key.record.kid, typ: 'JWT' }, claims, key.privateKey);
}

/** Issues (or, for a refresh, rotates) the refresh token and signs the id_token. */
export async function issueTokens(ctx: AppContext, g: TokenGrant): Promise<TokenResponse> {
  const now = ctx.clock.now();
  const lifetime = ctx.config.tokens.refreshTokenLifetimeSeconds;
  const secret = newSecret('rt');
  const id = newId('rt');
  const record: RefreshTokenRecord = {
    id, tokenHash: sha256Hex(secret), userId: g.user.id, deviceId: g.device.id,
    authTime: g.authTime, amr: g.amr, createdAt: now, expiresAt: now + lifetime * 1000,
    revokedAt: null, replacedById: null,
    // A rotation stays in the login's family, so a reuse anywhere in the chain can end all of it.
    familyId: g.previous?.familyId ?? id, graceUsedAt: null,
  };
  const idToken = await signIdToken(ctx, g);
  if (g.previous) {
    await replaceRefreshToken(ctx, g.previous, record);
  } else {
    await ctx.store.refreshTokens.create(record);
  }
  return {
    id_token: idToken,
    refresh_token: secret,
    token_type: 'Bearer',
    expires_in: ctx.config.tokens.idTokenLifetimeSeconds,
    refresh_token_expires_in: lifetime,
  };
}
