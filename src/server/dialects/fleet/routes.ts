// Fleet's FleetPSSOExtension server contract (extensions.md §3.3): under the BaseURL,
// api/mdm/apple/psso/{nonce,registration,token,jwks}. The token path takes both macOS's own
// requests (the one token use case) and the extension's own credential check, told apart by shape.

import type { FastifyPluginAsync } from 'fastify';
import type { AppContext } from '../../../app/context.js';
import { dialectClient } from '../../../app/client-profile.js';
import { issueNonce } from '../../../app/nonces.js';
import { registerFleetDevice } from '../../../app/dialect-registration.js';
import { checkExtensionCredential } from '../../../app/credential-check.js';
import { isCredentialCheckShape } from '../../../protocol/credential-check.js';
import { parseCompactJws, type ParsedJws } from '../../../protocol/jws.js';
import { answerTokenRequest } from '../../routes/psso.js';
import { formOf, headerOf, requestFacts } from '../../request-parts.js';
import { withAnyBody } from '../any-body.js';
import { sendJwks } from '../../routes/discovery.js';

const PREFIX = '/api/mdm/apple/psso';

/** The extension's credential check, if the form carries one: never throws, so anything else goes to the token use case. */
function credentialCheckIn(form: Record<string, string | undefined>): ParsedJws | undefined {
  const jwt = form.assertion || form.request;
  if (!jwt) return undefined;
  try {
    const jws = parseCompactJws(jwt);
    return isCredentialCheckShape(jws) ? jws : undefined;
  } catch {
    return undefined;
  }
}


export function fleetRoutes(ctx: AppContext): FastifyPluginAsync {
  return async (app) => {
    // Fleet ignores the nonce body (the OS sends grant_type=srv_challenge, the extension may send anything).
    await withAnyBody(app, (scope) => {
      scope.post(`${PREFIX}/nonce`, async (_req, reply) => {
        reply.header('cache-control', 'no-store').type('application/json');
        return { Nonce: await issueNonce(ctx) };
      });
    });

    // Any 2xx counts as registered; Fleet answers 204.
    app.post(`${PREFIX}/registration`, async (req, reply) => {
      await registerFleetDevice(ctx, formOf(req), requestFacts(req));
      return reply.code(204).send();
    });

    app.post(`${PREFIX}/token`, async (req, reply) => {
      const form = formOf(req);
      const clientRequestId = headerOf(req, 'client-request-id');
      const client = dialectClient(ctx, 'fleet');
      reply.header('cache-control', 'no-store');
      const check = credentialCheckIn(form);
      if (check) {
        // The extension reads only the status: 2xx accepted, 401 wrong credentials, anything else "couldn't verify".
        await checkExtensionCredential(ctx, { jws: check, client, clientRequestId, ...requestFacts(req) });
        return reply.type('application/json').send({ status: 'OK' });
      }
      return answerTokenRequest(ctx, req, reply, client, form);
    });

    app.get(`${PREFIX}/jwks`, async (_req, reply) => sendJwks(ctx, reply));
  };
}
