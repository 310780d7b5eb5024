// Mounts the OpenID Provider under /oidc in Fastify: its paths get the raw body text, and the raw
// request and response go to oidc-provider's Koa handler (reply.hijack), with OpenPSSO's facts
// (client address, correlation id) and the credential guard around client authentication.

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type Provider from 'oidc-provider';
import type { KoaContextWithOIDC } from 'oidc-provider';
import type { AppContext } from '../../app/context.js';
import { decodeBody } from '../input-guard.js';
import { sendError } from '../error-reply.js';
import { PssoError } from '../../errors/psso-error.js';
import { buildProvider, OIDC_PATH } from './provider.js';
import { admitClient, countClientOutcome, GUARDED_PATHS } from './client-guard.js';
import { catalogueFields } from './op-errors.js';
import { recordSilentSignIn } from './silent-sign-in.js';
import { interactionRoutes } from './interactions.js';
import { rawFacts, tagRaw } from './raw-facts.js';
import { proofAtAuthorize } from './sso-proof-carry.js';

/** How often the server's signing keys are re-read, so a rotation by the CLI reaches the provider. */
const KEY_CHECK_MS = 60_000;

/** Holds the provider; rebuilds it when the server's signing keys change (keys are fixed per Provider). */
export class OidcProvider {
  private provider: Provider | null = null;
  private handle: ((req: IncomingMessage, res: ServerResponse) => Promise<void>) | null = null;
  private kids = '';
  private checkedAt = 0;

  constructor(private readonly ctx: AppContext) {}

  async get(): Promise<Provider> {
    const now = Date.now();
    if (now - this.checkedAt > KEY_CHECK_MS) {
      this.checkedAt = now;
      await this.ctx.keys.refresh();
    }
    const kids = this.ctx.keys.list().filter((k) => k.use === 'sig').map((k) => `${k.kid}:${k.status}`).join(',');
    if (!this.provider || kids !== this.kids) {
      this.provider = this.build();
      this.handle = this.provider.callback() as unknown as (req: IncomingMessage, res: ServerResponse) => Promise<void>;
      this.kids = kids;
    }
    return this.provider;
  }

  /** oidc-provider's Node request handler (Koa's callback), built once per provider. */
  async handler(): Promise<(req: IncomingMessage, res: ServerResponse) => Promise<void>> {
    await this.get();
    return this.handle!;
  }

  private build(): Provider {
    const ctx = this.ctx;
    const p = buildProvider(ctx);
    p.use(async (kctx, next) => {
      await next();
      // OAuth JSON errors get the catalogue's fields; HTML pages are rendered by op-pages.ts.
      const body = kctx.body as Record<string, unknown> | undefined;
      if (body && typeof body === 'object' && !Buffer.isBuffer(body) && typeof body.error === 'string') {
        Object.assign(body, catalogueFields(body.error, String(body.error_description ?? ''), rawFacts(kctx as KoaContextWithOIDC).correlationId, new Date(ctx.clock.now())));
      }
    });
    p.use(countClientOutcome as never);
    p.on('authorization.success', (kctx: KoaContextWithOIDC) => { void recordSilentSignIn(ctx, kctx); });
    // oidc-provider reports its own failures as events; a server_error is logged with the correlation id.
    p.on('server_error', (kctx: KoaContextWithOIDC, err: Error) => {
      console.error(JSON.stringify({ level: 'error', msg: 'oidc-provider server_error', correlationId: rawFacts(kctx).correlationId, err: err.message }));
    });
    return p;
  }
}

/**
 * oidc-provider builds discovery URLs, redirects and cookie flags from the request's origin. The public
 * origin is the configured issuer's, whatever Host or X-Forwarded-* a client sends: otherwise a forged
 * Host header would put another host into the discovery document and the provider's redirects. The
 * client address is Fastify's (which applies trustProxy).
 */
function pinPublicOrigin(raw: IncomingMessage, issuer: string, ip: string): void {
  const origin = new URL(issuer);
  raw.headers.host = origin.host;
  raw.headers['x-forwarded-host'] = origin.host;
  raw.headers['x-forwarded-proto'] = origin.protocol.slice(0, -1);
  raw.headers['x-forwarded-for'] = ip;
}

/** oidc-provider content types: the raw body text, checked to be UTF-8 (for scopes that forward to the provider). */
export function rawBodyParsers(app: FastifyInstance): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => {
    try { done(null, decodeBody(body as Buffer)); } catch (e) { done(e as Error, undefined); }
  });
}

/**
 * Hands one request to oidc-provider as if it had arrived at `providerUrl` (its path and query below
 * /oidc): the client guard on token-type endpoints, the SSO proof on /auth, OpenPSSO's facts and the
 * pinned public origin. The /oidc routes use it for themselves; a dialect (UiO's Keycloak-style paths)
 * forwards through it internally, so its clients never see a redirect they might not follow with a POST.
 */
export async function serveProvider(ctx: AppContext, op: OidcProvider, req: FastifyRequest, reply: FastifyReply, providerUrl: string): Promise<FastifyReply | undefined> {
  const raw = req.raw as IncomingMessage & { originalUrl?: string; body?: unknown };
  const path = providerUrl.split('?')[0] || '/';
  if (req.method === 'POST' && GUARDED_PATHS.has(path)) {
    try {
      await admitClient(ctx, req, typeof req.body === 'string' ? req.body : '');
    } catch (e) {
      if (e instanceof PssoError && e.extra?.retryAfterSeconds) reply.header('retry-after', String(e.extra.retryAfterSeconds));
      return sendError(req, reply, e, new Date(ctx.clock.now()));
    }
  }
  // The SSO extension's session proof comes on the authorize request only: verified (or refused) here.
  if (path === '/auth' && (await proofAtAuthorize(ctx, req, reply)) === 'refused') return reply;
  tagRaw(raw, { ip: req.ip, correlationId: req.id, userAgent: req.headers['user-agent'] });
  pinPublicOrigin(raw, ctx.config.issuer, req.ip);
  if (typeof req.body === 'string') raw.body = req.body;
  // oidc-provider derives its mount path from originalUrl: always /oidc, whichever path forwarded here.
  raw.originalUrl = `${OIDC_PATH}${providerUrl}`;
  raw.url = providerUrl;
  reply.raw.setHeader('x-content-type-options', 'nosniff');
  const handle = await op.handler();
  reply.hijack();
  await handle(raw, reply.raw);
  return undefined;
}

export function oidcRoutes(ctx: AppContext, op: OidcProvider): FastifyPluginAsync {
  return async (app) => {
    // oidc-provider parses its own bodies; this scope only checks they are UTF-8 and hands the text on.
    rawBodyParsers(app);

    // The OP's JWKS is the server's JWKS (the same ES256 keys sign PSSO id_tokens and app id_tokens).
    app.get(`${OIDC_PATH}/jwks`, async (_req, reply) => {
      await ctx.keys.refresh();
      return reply.type('application/jwk-set+json').header('cache-control', 'public, max-age=300').send(ctx.keys.jwks());
    });

    await app.register(interactionRoutes(ctx, op));

    const handler = async (req: FastifyRequest, reply: FastifyReply) =>
      serveProvider(ctx, op, req, reply, req.raw.url!.slice(OIDC_PATH.length) || '/');
    app.all(OIDC_PATH, handler);
    app.all(`${OIDC_PATH}/*`, handler);
  };
}
