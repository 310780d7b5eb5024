// The endpoints the Mac's AppSSOAgent calls: nonce and token (login, refresh, key_request, key_exchange).

import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../app/context.js';
import { handleTokenRequest } from '../../app/token-endpoint.js';
import { issueNonce } from '../../app/nonces.js';
import { PssoError } from '../../errors/psso-error.js';
import type { ClientProfile } from '../../app/client-profile.js';
import { formOf, headerOf } from '../request-parts.js';

/**
 * Answers a token request through the one token use case, for the native login configuration or an
 * extension dialect's client: the JWE (or a nonce) with no-store. `form` when the caller already read it.
 */
export async function answerTokenRequest(ctx: AppContext, req: FastifyRequest, reply: FastifyReply, client?: ClientProfile, form = formOf(req)): Promise<FastifyReply> {
  const result = await handleTokenRequest(ctx, {
    form, ipAddress: req.ip, userAgent: req.headers['user-agent'], correlationId: req.id, slot: req.admissionSlot,
    clientRequestId: headerOf(req, 'client-request-id'), client,
  });
  reply.header('cache-control', 'no-store');
  if (result.kind === 'nonce') return reply.type('application/json').send(result.body);
  return reply.type(result.contentType).send(result.body);
}

export function pssoRoutes(ctx: AppContext): FastifyPluginAsync {
  return async (app) => {
    app.post('/psso/token', (req, reply) => answerTokenRequest(ctx, req, reply));

    app.post('/psso/nonce', async (req, reply) => {
      const form = formOf(req);
      if (form.grant_type !== 'srv_challenge') throw new PssoError('unsupported_grant_type', String(form.grant_type));
      reply.header('cache-control', 'no-store').type('application/json');
      return { Nonce: await issueNonce(ctx) };
    });
  };
}
