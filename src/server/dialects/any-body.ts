// Some extensions send bodies under a content type that does not say what they are (Scissors posts
// JSON with URLSession's default form type) or say nothing at all: routes registered here get the
// raw body as checked UTF-8 text, whatever the content type, and parse it themselves.

import type { FastifyInstance } from 'fastify';
import { decodeBody } from '../input-guard.js';
import { PssoError } from '../../errors/psso-error.js';

/** Registers `routes` in their own context, whose one body parser accepts every content type. */
export async function withAnyBody(app: FastifyInstance, routes: (scope: FastifyInstance) => void): Promise<void> {
  await app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => {
      try {
        done(null, decodeBody(body as Buffer));
      } catch (e) {
        done(e as Error, undefined);
      }
    });
    routes(scope);
  });
}

/** The raw body as JSON, or malformed_request. */
export function jsonBody(body: unknown): unknown {
  if (typeof body !== 'string' || body.trim() === '') throw new PssoError('malformed_request', 'body is empty; a JSON object is expected');
  try {
    return JSON.parse(body);
  } catch {
    throw new PssoError('malformed_request', 'body is not valid JSON');
  }
}
