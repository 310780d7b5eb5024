// Registration API (native, and the opt-in twocanoes-style /register) and the minimal sign-in that hands out bearer tokens.

import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { AppContext } from '../../app/context.js';
import { authenticateRegistration, createBearerToken } from '../../app/registration-auth.js';
import { loginConfiguration, parseBody, registerDevice, registerDeviceCompat, registerUser } from '../../app/registration.js';
import { defaultOrganisation } from '../../app/directory.js';
import { verifyPassword } from '../../app/passwords.js';
import { PssoError } from '../../errors/psso-error.js';
import type { Device } from '../../storage/ports.js';

function requireJson(req: FastifyRequest): unknown {
  const ct = String(req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (ct !== 'application/json') throw new PssoError('unsupported_content_type', ct || 'none');
  return req.body;
}

const deviceView = (d: Device) => ({
  id: d.id, deviceUuid: d.deviceUuid, signingKeyId: d.signingKid, encryptionKeyId: d.encryptionKid,
  sharedDeviceKeys: d.sharedDeviceKeys, status: d.status, registeredVia: d.registeredVia,
  createdDateTime: new Date(d.createdAt).toISOString(),
});

const signInSchema = z.object({ username: z.string().min(1).max(256), password: z.string().min(1).max(1024) }).strict();

export function registrationRoutes(ctx: AppContext): FastifyPluginAsync {
  return async (app) => {
    app.post('/api/v1/devices', async (req, reply) => {
      const body = requireJson(req);
      const principal = await authenticateRegistration(ctx, req.headers.authorization);
      const device = await registerDevice(ctx, principal, body);
      reply.code(201);
      return { device: deviceView(device), loginConfiguration: loginConfiguration(ctx) };
    });

    app.post<{ Params: { id: string } }>('/api/v1/devices/:id/users', async (req, reply) => {
      const body = requireJson(req);
      const principal = await authenticateRegistration(ctx, req.headers.authorization);
      const reg = await registerUser(ctx, principal, req.params.id, body);
      reply.code(201);
      return { registration: { id: reg.id, deviceId: reg.deviceId, userId: reg.userId, method: reg.method, userKeyId: reg.userKid, mfaVerified: reg.mfaVerified } };
    });

    // Off unless registration.compatEndpoint is set: this style carries no authorisation at all.
    app.post('/register', async (req, reply) => {
      if (!ctx.config.registration.compatEndpoint) throw new PssoError('compat_registration_disabled');
      await registerDeviceCompat(ctx, requireJson(req));
      return reply.code(200).send();
    });

    // Minimal interactive sign-in for the registration API (issue 4 adds MFA and the sign-in pages).
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
