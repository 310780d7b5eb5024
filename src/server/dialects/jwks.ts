// The server's JWKS as the dialects publish it: the id_token signing key and the `use: enc` ECDH-ES
// key (Fleet's extension requires the latter, extensions.md §3.3), as application/jwk-set+json.

import type { FastifyReply } from 'fastify';
import type { AppContext } from '../../app/context.js';

export async function sendJwks(ctx: AppContext, reply: FastifyReply): Promise<FastifyReply> {
  await ctx.keys.refresh();
  return reply.type('application/jwk-set+json').header('cache-control', 'public, max-age=300').send(ctx.keys.jwks());
}
