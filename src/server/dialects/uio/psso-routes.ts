// UiO's psso/* endpoints (extensions.md §4.4 #4-#7, #10): nonce, enroll, userenroll, token, authurl.
// Thin: parse, call the use case, answer the extension's way ({"status":"OK"} for enrolments).

import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { AppContext } from '../../../app/context.js';
import { issueNonce } from '../../../app/nonces.js';
import { dialectClient } from '../../../app/client-profile.js';
import { enrollDevice, enrollUser, type UioFacts } from '../../../app/uio/enroll.js';
import { preauthenticate } from '../../../app/web-login.js';
import { PssoError } from '../../../errors/psso-error.js';
import { answerTokenRequest } from '../../routes/psso.js';
import { formOf, headerOf, jsonOf, requestFacts } from '../../request-parts.js';

const facts = (req: FastifyRequest): UioFacts => ({ ...requestFacts(req), clientRequestId: headerOf(req, 'client-request-id') });

export function uioPssoRoutes(ctx: AppContext): FastifyPluginAsync {
  return async (app) => {
    // §4.4 #4: a UUID under both keys (the extension reads `nonce`, macOS its keypath), bound to the
    // lower-cased client-request-id when one is sent; never required here (§5).
    app.post('/psso/nonce', async (req, reply) => {
      const form = formOf(req);
      if (form.grant_type !== 'srv_challenge') throw new PssoError('uio_nonce_grant_type', String(form.grant_type ?? 'none').slice(0, 64));
      const nonce = await issueNonce(ctx, { format: 'uuid', clientRequestId: headerOf(req, 'client-request-id') });
      reply.header('cache-control', 'no-store').type('application/json');
      return { nonce, Nonce: nonce };
    });

    // §4.4 #5-#6: any 2xx is success to the extension; KC answers {"status":"OK"}.
    app.post('/psso/enroll', async (req, reply) => {
      const body = jsonOf(req);
      await enrollDevice(ctx, body, facts(req));
      return reply.header('cache-control', 'no-store').send({ status: 'OK' });
    });

    app.post('/psso/userenroll', async (req, reply) => {
      const body = jsonOf(req);
      await enrollUser(ctx, body, facts(req));
      return reply.header('cache-control', 'no-store').send({ status: 'OK' });
    });

    // §4.4 #7, §4.7: the standard PSSO form with the nonce request's client-request-id. Errors keep
    // OpenPSSO's rule (401 only for a bad credential), not KC's 401-for-everything (§5 "errors").
    app.post('/psso/token', (req, reply) => answerTokenRequest(ctx, req, reply, dialectClient(ctx, 'uio')));

    // §4.4 #10, §4.10: macOS 27's pre-authentication, answered by OpenPSSO's web login (docs/web-login.md).
    app.get('/psso/authurl', async (req, reply) => {
      reply.header('cache-control', 'no-store, no-cache').type('application/json');
      return preauthenticate(ctx, req.query as Record<string, unknown>, ctx.config.extensions.uio.clientId);
    });
  };
}
