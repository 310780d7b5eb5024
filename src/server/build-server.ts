// Builds the Fastify server: body and socket limits, parsers, the input guard, correlation ids,
// error replies, and the routes.

import Fastify, { LogController, type FastifyInstance } from 'fastify';
import type { AppContext } from '../app/context.js';
import { sendError } from './error-reply.js';
import { fairAdmission } from './fair-admission.js';
import { PssoError } from '../errors/psso-error.js';
import { discoveryRoutes } from './routes/discovery.js';
import { observeRequests, opsRoutes } from './ops/ops-routes.js';
import { pssoRoutes } from './routes/psso.js';
import { registrationRoutes } from './routes/registration.js';
import { dialectRoutes } from './dialects/index.js';
import { signInRoutes } from './routes/signin.js';
import { adminGraphRoutes } from './routes/admin-graph.js';
import { webLoginRoutes } from './routes/web-login.js';
import { decodeBody, installInputGuard } from './input-guard.js';
import { socketOptions } from './socket-limits.js';
import { clientErrorHandler } from './client-error.js';
import { installRequestLog, requestIdFrom } from './request-log.js';
import { installDrain } from './graceful-shutdown.js';
import { OidcProvider, oidcRoutes } from './oidc/mount.js';

export interface ServerOptions {
  logLevel?: string;
  https?: { cert: Buffer; key: Buffer };
  /** Where log lines go (stdout by default); tests read them. */
  logStream?: NodeJS.WritableStream;
}

export async function buildServer(ctx: AppContext, opts: ServerOptions = {}): Promise<FastifyInstance> {
  const sockets = socketOptions(ctx.config.limits);
  const app = Fastify({
    logger: { level: opts.logLevel ?? ctx.config.log.level, ...(opts.logStream ? { stream: opts.logStream } : {}) },
    bodyLimit: ctx.config.limits.bodyLimitBytes,
    genReqId: (req: { headers: Record<string, string | string[] | undefined> }) => requestIdFrom(req.headers),
    // request-log.ts writes one line per request instead of Fastify's two (which include the URL's query).
    logController: new LogController({ requestIdLogLabel: 'requestId', disableRequestLogging: true }),
    // Every use of the client address (sign-in log, named locations, guard throttles, fair
    // admission, the metrics allow-list) reads req.ip, which this makes the proxy-resolved one.
    trustProxy: ctx.config.trustProxy === false || ctx.config.trustProxy.length === 0 ? false : ctx.config.trustProxy,
    // Graph paths carry UPNs and ids; allow long segments, and send router errors through the catalogue.
    routerOptions: { maxParamLength: 1000 },
    frameworkErrors: (err: Error, req: never, reply: never) => sendError(req, reply, new PssoError('malformed_url', err.message)),
    clientErrorHandler,
    // graceful-shutdown.ts answers requests that arrive while draining, with the catalogue's body.
    return503OnClosing: false,
    ...sockets.fastify,
    http: sockets.http,
    ...(opts.https ? { https: { ...sockets.http, ...opts.https } } : {}),
  } as never) as unknown as FastifyInstance;
  sockets.apply(app.server);

  app.removeAllContentTypeParsers();
  // Bodies arrive as bytes so that bytes that are not UTF-8 are refused, not replaced (input-guard.ts).
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'buffer' }, (_req, body, done) => {
    let params: URLSearchParams;
    try {
      params = new URLSearchParams(decodeBody(body as Buffer));
    } catch (e) { done(e as Error, undefined); return; }
    const form: Record<string, string> = {};
    for (const [k, v] of params) {
      // A repeated field is ambiguous; refuse rather than pick one.
      if (k in form) { done(new PssoError('malformed_request', `field ${k} repeated`), undefined); return; }
      form[k] = v;
    }
    done(null, form);
  });
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_req, body, done) => {
    let text: string;
    try {
      text = decodeBody(body as Buffer);
    } catch (e) { done(e as Error, undefined); return; }
    try {
      done(null, text.length === 0 ? undefined : JSON.parse(text));
    } catch {
      done(new PssoError('malformed_request', 'body is not valid JSON'), undefined);
    }
  });
  installInputGuard(app);

  app.setErrorHandler((err, req, reply) => sendError(req, reply, err, new Date(ctx.clock.now())));
  installRequestLog(app);
  installDrain(app, () => new Date(ctx.clock.now()));
  fairAdmission(app, ctx.config.admission, () => new Date(ctx.clock.now()));
  app.setNotFoundHandler((req, reply) => sendError(req, reply, new PssoError('not_found', `${req.method} ${req.url}`), new Date(ctx.clock.now())));
  app.addHook('onSend', async (_req, reply, payload) => {
    reply.header('x-content-type-options', 'nosniff');
    return payload;
  });

  observeRequests(app, ctx);
  await app.register(opsRoutes(ctx));
  await app.register(discoveryRoutes(ctx));
  await app.register(pssoRoutes(ctx));
  await app.register(registrationRoutes(ctx));
  // One OpenID Provider: its own /oidc routes and the UiO dialect's Keycloak-style paths forward to it.
  const op = new OidcProvider(ctx);
  await app.register(dialectRoutes(ctx, op));
  await app.register(signInRoutes(ctx));
  await app.register(webLoginRoutes(ctx));
  await app.register(adminGraphRoutes(ctx));
  await app.register(oidcRoutes(ctx, op));
  return app;
}
