// Correlation ids and the one log line per request. The id comes from the caller when it sent one
// (the Mac's client-request-id, a proxy's X-Request-Id), is answered in `request-id` (as Graph does)
// and `x-request-id`, is on every log line of the request (pino's child binding), is the error
// body's correlation_id and the sign-in log row's correlationId, so one search finds them all.

import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { errorCodeOf } from './error-reply.js';

const UUID = /^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$/;
/** Characters an id keeps: enough for UUIDs, ULIDs, nginx's $request_id and AWS trace ids, nothing a log or a header could misread. */
const UNSAFE = /[^A-Za-z0-9._:=+-]/g;
const MAX_ID_LENGTH = 64;
const MAX_PATH_LENGTH = 200;

type Headers = Record<string, string | string[] | undefined>;

/** The caller's id, sanitised and capped, or a fresh UUID. UUIDs are upper-cased, as Macs send them. */
export function requestIdFrom(headers: Headers): string {
  for (const name of ['client-request-id', 'x-request-id']) {
    const h = headers[name];
    if (typeof h !== 'string') continue;
    if (UUID.test(h)) return h.toUpperCase();
    const clean = h.replace(UNSAFE, '').slice(0, MAX_ID_LENGTH);
    if (clean.length > 0) return clean;
  }
  return randomUUID().toUpperCase();
}

/**
 * On the root instance: the id goes back in the response headers, and each finished request logs
 * one line at info with what an operator filters on. Never headers, bodies or the query string,
 * where credentials travel (Authorization, passwords, assertions, codes).
 */
export function installRequestLog(app: FastifyInstance): void {
  app.addHook('onRequest', (req, reply, done) => {
    reply.header('request-id', req.id).header('x-request-id', req.id);
    req.log.debug({ method: req.method, path: pathOf(req.url) }, 'request received');
    done();
  });
  app.addHook('onResponse', (req, reply, done) => {
    const code = errorCodeOf(reply);
    req.log.info({
      method: req.method,
      route: req.routeOptions.url ?? 'unmatched',
      path: pathOf(req.url),
      status: reply.statusCode,
      durationMs: Math.round(reply.elapsedTime * 10) / 10,
      clientIp: req.ip,
      ...(code ? { code } : {}),
    }, 'request');
    done();
  });
}

function pathOf(url: string): string {
  const q = url.indexOf('?');
  return (q < 0 ? url : url.slice(0, q)).slice(0, MAX_PATH_LENGTH);
}
