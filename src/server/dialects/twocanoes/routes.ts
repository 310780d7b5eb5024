// twocanoes Scissors' server contract (extensions.md §2.3): under the BaseURL (issuer + basePath,
// the extension appends `register`, `nonce`, `token`, `.well-known/jwks.json` after its slash).
// Parse, call the same use cases, answer its way; no checks of its own.

import type { FastifyPluginAsync } from 'fastify';
import type { AppContext } from '../../../app/context.js';
import { dialectClient } from '../../../app/client-profile.js';
import { issueNonce } from '../../../app/nonces.js';
import { registerTwocanoesDevice } from '../../../app/dialect-registration.js';
import { PssoError } from '../../../errors/psso-error.js';
import type { Device } from '../../../storage/ports.js';
import { answerTokenRequest } from '../../routes/psso.js';
import { formOf, requestFacts } from '../../request-parts.js';
import { jsonBody, withAnyBody } from '../any-body.js';
import { sendJwks } from '../../routes/discovery.js';

/** Scissors ignores the answer; it carries the device id anyway, for admins and other clients. */
export const twocanoesRegistrationReply = (d: Device) => ({
  status: 'OK', device: { id: d.id, deviceUuid: d.deviceUuid, signingKeyId: d.signingKid, encryptionKeyId: d.encryptionKid },
});

export function twocanoesRoutes(ctx: AppContext): FastifyPluginAsync {
  return async (app) => {
    const atRoot = ctx.config.extensions.twocanoes.basePath === '/';

    // The extension sets no Content-Type, so URLSession labels the JSON as a form: read it as JSON whatever the label.
    await withAnyBody(app, (scope) => {
      scope.post('/register', async (req) => twocanoesRegistrationReply(await registerTwocanoesDevice(ctx, jsonBody(req.body), requestFacts(req))));
    });

    app.post('/nonce', async (req, reply) => {
      const form = formOf(req);
      if (form.grant_type !== 'srv_challenge') throw new PssoError('unsupported_grant_type', String(form.grant_type));
      reply.header('cache-control', 'no-store').type('application/json');
      return { Nonce: await issueNonce(ctx) };
    });

    app.post('/token', (req, reply) => answerTokenRequest(ctx, req, reply, dialectClient(ctx, 'twocanoes')));

    // At the root the native discovery route already serves this exact path with the same keys.
    if (!atRoot) app.get('/.well-known/jwks.json', async (_req, reply) => sendJwks(ctx, reply));
  };
}
