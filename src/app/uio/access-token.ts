// Validates the user access token the UiO extension sends to psso/enroll and psso/userenroll
// (extensions.md §4.5): a JWT access token (RFC 9068) the OpenID Provider issued to the dialect's
// client for its resource; signature by the server's signing key, typ, issuer, audience, client,
// expiry, and a user who still exists and is enabled. Anything else is uio_access_token_invalid (401).

import type { AppContext } from '../context.js';
import type { User } from '../../storage/ports.js';
import { PssoError } from '../../errors/psso-error.js';
import { parseCompactJws, verifyJwsSignature, type ParsedJws } from '../../protocol/jws.js';
import { toSeconds } from '../clock.js';
import { oidcIssuerOf, uioResource } from './oidc-client.js';

export interface UioAccessToken {
  user: User;
  /** The token's id: names the sign-in that enrolled a device without attestation. */
  jti: string;
  amr: string[];
  /** Epoch ms the token was issued. */
  issuedAt: number;
}

const invalid = (why: string) => new PssoError('uio_access_token_invalid', why);

export async function verifyUioAccessToken(ctx: AppContext, token: unknown): Promise<UioAccessToken> {
  if (typeof token !== 'string' || token.length === 0) throw new PssoError('uio_credential_missing', 'no accessToken');
  if (token.length > 8192) throw invalid('longer than 8192 characters');
  let jws: ParsedJws;
  try { jws = parseCompactJws(token); } catch { throw invalid('not a JWT'); }
  // typ at+jwt keeps the provider's id_tokens (same keys) from passing as access tokens.
  if (jws.header.alg !== 'ES256' || String(jws.header.typ).toLowerCase() !== 'at+jwt') throw invalid('not an ES256 at+jwt');
  const key = typeof jws.header.kid === 'string' ? ctx.keys.byKid(jws.header.kid) : undefined;
  if (!key || key.record.use !== 'sig' || !verifyJwsSignature(jws, key.publicKey, 'ES256')) throw invalid('signature does not verify with a key of this server');
  const c = jws.claims;
  const cfg = ctx.config.extensions.uio;
  if (c.iss !== oidcIssuerOf(ctx)) throw invalid('issued by another provider');
  const aud = Array.isArray(c.aud) ? c.aud : [c.aud];
  if (!aud.includes(uioResource(ctx))) throw invalid('not for this dialect');
  if (c.client_id !== cfg.clientId) throw invalid(`issued to another client than ${cfg.clientId}`);
  const now = toSeconds(ctx.clock.now());
  const skew = ctx.config.tokens.clockSkewSeconds;
  if (typeof c.exp !== 'number' || c.exp <= now - skew) throw invalid('expired');
  if (typeof c.iat !== 'number' || c.iat > now + skew) throw invalid('issued in the future');
  // Enrolment trusts the token like a registration bearer token: only for as long as one lives, so a
  // leaked token cannot enrol devices (and Secure Enclave keys) for the rest of its access lifetime.
  if (now - c.iat > ctx.config.tokens.bearerLifetimeSeconds + skew) throw invalid('older than tokens.bearerLifetimeSeconds: sign in again');
  if (typeof c.sub !== 'string' || typeof c.jti !== 'string') throw invalid('no sub or jti');
  const user = await ctx.store.users.get(c.sub);
  if (!user || !user.enabled) throw invalid('the user is unknown or disabled');
  const amr = Array.isArray(c.amr) && c.amr.every((a) => typeof a === 'string') ? c.amr as string[] : ['pwd'];
  return { user, jti: c.jti, amr, issuedAt: c.iat * 1000 };
}
