// Interactive sign-in: the JSON stand-in for the extension's web view (POST /api/v1/signin) that
// hands out bearer tokens for the registration API.

import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { AppContext } from '../../app/context.js';
import { createBearerToken } from '../../app/registration-auth.js';
import { parseBody } from '../../app/registration.js';
import { defaultOrganisation } from '../../app/directory.js';
import { verifyPassword } from '../../app/passwords.js';
import { PssoError } from '../../errors/psso-error.js';

const signInSchema = z.object({ username: z.string().min(1).max(256), password: z.string().min(1).max(1024) }).strict();

function requireJson(req: FastifyRequest): unknown {
  const ct = String(req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (ct !== 'application/json') throw new PssoError('unsupported_content_type', ct || 'none');
  return req.body;
}

export function signInRoutes(ctx: AppContext): FastifyPluginAsync {
  return async (app) => {
    app.post('/api/v1/signin', async (req) => {
      const b = parseBody(signInSchema, requireJson(req));
      const org = await defaultOrganisation(ctx);
      const user = await ctx.store.users.getByPrincipalName(org.id, b.username);
      const ok = await verifyPassword(user?.passwordHash ?? null, b.password);
      if (!user || !ok) throw new PssoError('invalid_credentials');
      if (!user.enabled) throw new PssoError('user_disabled');
      const t = await createBearerToken(ctx, user, ['pwd']);
      return { access_token: t.token, token_type: 'Bearer', expires_in: t.expiresIn, scope: 'register' };
    });
  };
}
