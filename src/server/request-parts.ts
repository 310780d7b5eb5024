// What routes read from a request, in one place: a form or JSON body under its declared content
// type, one header value, and the facts every use case records (address, correlation id, agent).

import type { FastifyRequest } from 'fastify';
import { PssoError } from '../errors/psso-error.js';
import type { RequestFacts } from '../app/registration-events.js';

function contentType(req: FastifyRequest): string {
  return String(req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
}

/** A form body (application/x-www-form-urlencoded only), as PSSO requests are sent. */
export function formOf(req: FastifyRequest): Record<string, string | undefined> {
  const ct = contentType(req);
  if (ct !== 'application/x-www-form-urlencoded') throw new PssoError('unsupported_content_type', ct || 'none');
  return (req.body ?? {}) as Record<string, string | undefined>;
}

/** A JSON body (application/json only). */
export function jsonOf(req: FastifyRequest): unknown {
  const ct = contentType(req);
  if (ct !== 'application/json') throw new PssoError('unsupported_content_type', ct || 'none');
  return req.body;
}

/** One header value, or undefined when absent or repeated (a repeated id binds nothing). */
export function headerOf(req: FastifyRequest, name: string): string | undefined {
  const v = req.headers[name];
  return typeof v === 'string' && v.length > 0 && v.length <= 200 ? v : undefined;
}

/** The request facts registration and sign-in rows record. */
export function requestFacts(req: FastifyRequest): RequestFacts {
  return { ipAddress: req.ip, correlationId: req.id, userAgent: req.headers['user-agent'], slot: req.admissionSlot };
}
