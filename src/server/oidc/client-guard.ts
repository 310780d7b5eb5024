// Client authentication at the OpenID Provider's token, introspection and revocation endpoints
// (RFC 6749 §2.3, RFC 7523 §2.2) goes through the credential guard: the client is admitted before
// oidc-provider checks its secret or assertion, and the outcome is counted after.

import type { FastifyRequest } from 'fastify';
import type { KoaContextWithOIDC } from 'oidc-provider';
import type { AppContext } from '../../app/context.js';
import { admit, type GuardTicket } from '../../app/credential-guard.js';
import { findApplicationByClientId } from '../../app/applications.js';

/** The endpoint paths (under the issuer) where a client presents a credential. */
export const GUARDED_PATHS = new Set(['/token', '/token/introspection', '/token/revocation']);

/** The guard's account space for apps: apart from users and admin API clients. */
export const CLIENT_GUARD_ORG = 'oidc-clients';

const TICKET = Symbol('openpsso.clientTicket');
type Tagged = { [TICKET]?: GuardTicket };

/** The client_id a request names, from HTTP Basic, the form, or a client assertion's sub; null if none. */
export function presentedClientId(req: FastifyRequest, form: URLSearchParams): string | null {
  const auth = req.headers.authorization;
  if (typeof auth === 'string' && /^basic /i.test(auth)) {
    const decoded = Buffer.from(auth.slice(6).trim(), 'base64').toString('utf8');
    const i = decoded.indexOf(':');
    if (i > 0) {
      try { return decodeURIComponent(decoded.slice(0, i).replace(/\+/g, ' ')); } catch { return null; }
    }
    return null;
  }
  const id = form.get('client_id');
  if (id) return id;
  const assertion = form.get('client_assertion');
  if (assertion) {
    try {
      const claims = JSON.parse(Buffer.from(assertion.split('.')[1] ?? '', 'base64url').toString('utf8')) as { sub?: unknown };
      return typeof claims.sub === 'string' ? claims.sub : null;
    } catch { return null; }
  }
  return null;
}

/**
 * Admits the client before oidc-provider sees its credential (throws the guard's lockout or throttle
 * error). Public clients present no secret and are not guarded. The ticket rides on the raw request.
 */
export async function admitClient(ctx: AppContext, req: FastifyRequest, body: string): Promise<void> {
  const clientId = presentedClientId(req, new URLSearchParams(body));
  if (clientId === null || clientId.length > 256) return;
  const app = await findApplicationByClientId(ctx, clientId);
  if (app?.tokenEndpointAuthMethod === 'none') return;
  const ticket = await admit(ctx, {
    orgId: CLIENT_GUARD_ORG, account: clientId, ipAddress: req.ip, surface: 'oidc_client',
    // Not throttled per request: an app's backend redeems a code for every user who signs in, and
    // OpenPSSO's secrets are 256 random bits (signed assertions cannot be guessed at all). Failures
    // still count and lock the client, from unfamiliar networks apart from the app's own (smart
    // lockout), so guessing stops without letting a stranger lock the app's backend out.
    guessable: false,
  });
  (req.raw as Tagged)[TICKET] = ticket;
}

/** Koa middleware for oidc-provider: counts the credential's outcome once the endpoint has answered. */
export async function countClientOutcome(kctx: KoaContextWithOIDC, next: () => Promise<void>): Promise<void> {
  await next();
  const ticket = (kctx.req as Tagged)[TICKET];
  if (!ticket) return;
  delete (kctx.req as Tagged)[TICKET];
  const body = kctx.body as { error?: unknown } | undefined;
  if (body && typeof body === 'object' && body.error === 'invalid_client') await ticket.failed();
  else if (kctx.oidc?.entities?.Client) await ticket.succeeded();
}
