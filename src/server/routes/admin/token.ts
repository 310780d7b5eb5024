// POST /oauth2/v2.0/token: the client-credentials grant for admin API clients, at the path Entra uses.

import type { FastifyPluginAsync } from 'fastify';
import type { AppContext } from '../../../app/context.js';
import { clientCredentialsGrant } from '../../../app/admin-api/client-credentials.js';
import { PssoError } from '../../../errors/psso-error.js';

export function adminTokenRoutes(ctx: AppContext): FastifyPluginAsync {
  return async (app) => {
    app.post('/oauth2/v2.0/token', async (req, reply) => {
      const ct = String(req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
      if (ct !== 'application/x-www-form-urlencoded') throw new PssoError('unsupported_content_type', ct || 'none');
      const token = await clientCredentialsGrant(ctx, req.body, req.headers.authorization, {
        ipAddress: req.ip, correlationId: req.id, userAgent: req.headers['user-agent'],
      });
      return reply.header('cache-control', 'no-store').header('pragma', 'no-cache').send(token);
    });
  };
}
