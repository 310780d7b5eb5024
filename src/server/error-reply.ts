// Turns any error into the catalogue's JSON body; only PssoErrors carry their own status, so a
// framework or driver error can never leak a stack trace or a misleading 401.

import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { PssoError, errorBody, isPssoError } from '../errors/psso-error.js';
import { fromDriverError } from '../errors/driver-errors.js';

/** Fastify's own client errors, mapped to catalogue entries. */
function fromFastify(err: FastifyError): PssoError | undefined {
  switch (err.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE': return new PssoError('body_too_large');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE': return new PssoError('unsupported_content_type', String(err.message));
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_JSON_BODY': return new PssoError('malformed_request', 'body is not valid JSON');
    case 'FST_ERR_VALIDATION': return new PssoError('malformed_request', err.message);
    default: break;
  }
  if (err instanceof SyntaxError || err.statusCode === 400) return new PssoError('malformed_request', 'unreadable body');
  if (err.statusCode === 413) return new PssoError('body_too_large');
  if (err.statusCode === 415) return new PssoError('unsupported_content_type');
  return undefined;
}

/** The catalogue code each error reply carried, for the request's log line (request-log.ts). */
const errorCodes = new WeakMap<FastifyReply, string>();
export function errorCodeOf(reply: FastifyReply): string | undefined {
  return errorCodes.get(reply);
}

export function sendError(req: FastifyRequest, reply: FastifyReply, err: unknown, now: Date = new Date()): FastifyReply {
  let perr: PssoError;
  if (isPssoError(err)) perr = err;
  else {
    const driver = fromDriverError(err);
    // The driver's message names the value's column and sometimes the value; it stays in the log.
    if (driver) req.log.warn({ err, code: driver.code, correlationId: req.id }, 'database refused a value from the request');
    perr = driver ?? fromFastify(err as FastifyError) ?? new PssoError('internal_error');
  }
  // Every 5xx is a bug: the log line carries the error, its stack and the correlation id the body shows.
  if (perr.entry.status >= 500) req.log.error({ err, correlationId: req.id }, perr.message);
  // The request's info line carries the code; the detail may quote the request, so it is debug only.
  else req.log.debug({ code: perr.code, detail: perr.detail }, 'request refused');
  errorCodes.set(reply, perr.code);
  const retry = perr.extra?.retryAfterSeconds;
  if (typeof retry === 'number') reply.header('retry-after', String(retry));
  return reply.code(perr.entry.status).header('cache-control', 'no-store').type('application/json')
    .send(errorBody(perr, req.id, now));
}
