// The edge guard: refuses text no field can hold (NUL, lone UTF-16 surrogates, bodies that are not
// UTF-8) once, before any route runs, so no parser, use case or driver sees it. PostgreSQL refuses
// U+0000 in text (SQLSTATE 22021) and both drivers silently turn a lone surrogate into U+FFFD, so
// letting either through means a 500 or a value stored other than it was sent.

import type { FastifyInstance, FastifyRequest } from 'fastify';
import { PssoError } from '../errors/psso-error.js';
import { BAD_TEXT, findUnrepresentable } from '../app/representable.js';

/** The headers routes read; Node's parser already refuses NUL in any header, this is the backstop. */
const HEADERS_READ = ['authorization', 'content-type', 'cookie', 'user-agent', 'client-request-id', 'x-csrf-token'] as const;

export function checkRequest(req: FastifyRequest): void {
  const where = (BAD_TEXT.test(req.url) ? 'url' : null)
    ?? findUnrepresentable(req.params, 'path')
    ?? findUnrepresentable(req.query, 'query')
    ?? HEADERS_READ.map((h) => findUnrepresentable(req.headers[h], `header ${h}`)).find((w) => w !== null)
    ?? findUnrepresentable(req.body, 'body');
  if (where) throw new PssoError('unrepresentable_input', where);
}

/** Body bytes must be UTF-8: decoding with replacement would store U+FFFD in place of what was sent. */
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });
export function decodeBody(body: Buffer): string {
  try {
    return strictUtf8.decode(body);
  } catch {
    throw new PssoError('unrepresentable_input', 'body is not UTF-8');
  }
}

/** preValidation runs after the body is parsed and the route matched (params known), before every handler. */
export function installInputGuard(app: FastifyInstance): void {
  app.addHook('preValidation', async (req) => { checkRequest(req); });
}
