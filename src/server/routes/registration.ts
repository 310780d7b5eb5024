// Registration API: native, and the deprecated twocanoes-style root /register (registration.compatEndpoint).

import type { FastifyPluginAsync } from 'fastify';
import type { AppContext } from '../../app/context.js';
import { authenticateRegistration } from '../../app/registration-auth.js';
import { loginConfiguration } from '../../app/registration.js';
import { registerTwocanoesDevice } from '../../app/dialect-registration.js';
import { twocanoesRegistrationReply } from '../dialects/twocanoes/routes.js';
import { registerDeviceRecorded, registerUserRecorded } from '../../app/registration-events.js';
import { PssoError } from '../../errors/psso-error.js';
import type { Device } from '../../storage/ports.js';
import { jsonOf, requestFacts } from '../request-parts.js';

const deviceView = (d: Device) => ({
  id: d.id, deviceUuid: d.deviceUuid, signingKeyId: d.signingKid, encryptionKeyId: d.encryptionKid,
  sharedDeviceKeys: d.sharedDeviceKeys, status: d.status, registeredVia: d.registeredVia,
  createdDateTime: new Date(d.createdAt).toISOString(),
  isAttested: d.attestation !== null, serialNumber: d.attestation?.serialNumber ?? null, udid: d.attestation?.udid ?? null,
});


export function registrationRoutes(ctx: AppContext): FastifyPluginAsync {
  return async (app) => {
    app.post('/api/v1/devices', async (req, reply) => {
      const body = jsonOf(req);
      const principal = await authenticateRegistration(ctx, req.headers.authorization);
      const device = await registerDeviceRecorded(ctx, principal, body, requestFacts(req));
      reply.code(201);
      return { device: deviceView(device), loginConfiguration: loginConfiguration(ctx) };
    });

    app.post<{ Params: { id: string } }>('/api/v1/devices/:id/users', async (req, reply) => {
      const body = jsonOf(req);
      const principal = await authenticateRegistration(ctx, req.headers.authorization);
      const reg = await registerUserRecorded(ctx, principal, req.params.id, body, requestFacts(req));
      reply.code(201);
      return { registration: { id: reg.id, deviceId: reg.deviceId, userId: reg.userId, method: reg.method, userKeyId: reg.userKid, mfaVerified: reg.mfaVerified } };
    });

    // Deprecated alias of the twocanoes dialect's register (registration.compatEndpoint): the same
    // use case at the root, admitting any Mac into the native login configuration, as it always did.
    // A twocanoes dialect mounted at '/' owns this path instead.
    const twocanoes = ctx.config.extensions.twocanoes;
    if (!(twocanoes.enabled && twocanoes.basePath === '/')) {
      app.post('/register', async (req) => {
        if (!ctx.config.registration.compatEndpoint) throw new PssoError('compat_registration_disabled');
        return twocanoesRegistrationReply(await registerTwocanoesDevice(ctx, jsonOf(req), requestFacts(req), { compatAlias: true }));
      });
    }
  };
}
