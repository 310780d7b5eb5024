// Graph applications (issue 9 item 2): list, get (by id or appId), create, change, delete, and
// addPassword/removePassword for the client secret, which is shown once.

import type { FastifyPluginAsync } from 'fastify';
import type { AppContext } from '../../../app/context.js';
import { applySelect, collection, odataContext, parseGraphQuery } from '../../../app/admin-api/graph-query.js';
import {
  APPLICATION_PROPERTIES, checkAddPasswordBody, fieldsFromGraph, keyIdOf, passwordCredentialOf, toGraphApplication,
} from '../../../app/admin-api/graph-applications.js';
import { createApplication, deleteApplication, removeSecret, requireApplication, rotateSecret, updateApplication } from '../../../app/applications.js';
import { recordAdminAction } from '../../../app/admin-api/admin-actions.js';
import { authorize, jsonBody, requestFacts, requestUrl, ROLES, type IdParams } from './kit.js';

export function applicationRoutes(ctx: AppContext): FastifyPluginAsync {
  return async (app) => {
    const entity = (req: Parameters<typeof requestUrl>[1]) => `${odataContext(requestUrl(ctx, req), 'applications')}/$entity`;

    // Apps are few per organisation, so the list is one page.
    app.get('/applications', async (req) => {
      const p = await authorize(ctx, req, ROLES.applicationRead);
      const q = parseGraphQuery(req.query, { kind: 'applications', defaultTop: 1000, selectable: APPLICATION_PROPERTIES });
      const apps = (await ctx.store.applications.list(p.orgId)).slice(0, q.top);
      return collection(requestUrl(ctx, req), 'applications', apps.map((a) => applySelect(toGraphApplication(a), q.select)), { kind: 'applications', cursor: null });
    });

    app.get<IdParams>('/applications/:id', async (req) => {
      const p = await authorize(ctx, req, ROLES.applicationRead);
      const q = parseGraphQuery(req.query, { kind: 'application', defaultTop: 1, selectable: APPLICATION_PROPERTIES });
      const a = await requireApplication(ctx.store, p.orgId, req.params.id);
      return { '@odata.context': entity(req), ...applySelect(toGraphApplication(a), q.select) };
    });

    app.post('/applications', async (req, reply) => {
      const p = await authorize(ctx, req, ROLES.applicationWrite);
      const fields = fieldsFromGraph(jsonBody(req));
      const r = await createApplication(ctx, p.orgId, { displayName: '', ...fields });
      await recordAdminAction(ctx, p, requestFacts(req), { action: 'createApplication', target: r.app.id, appId: r.app.appId, displayName: r.app.displayName });
      const base = requestUrl(ctx, req);
      return reply.code(201).header('location', `${base.base}/${req.url.split('/')[1]}/applications/${r.app.id}`)
        .send({ '@odata.context': entity(req), ...toGraphApplication(r.app, r.clientSecret ?? null) });
    });

    // A change that gives the app a secret (a public client made confidential) is the one PATCH
    // answering 200 with the app, so the secret can be shown once; otherwise 204 as in Graph.
    app.patch<IdParams>('/applications/:id', async (req, reply) => {
      const p = await authorize(ctx, req, ROLES.applicationWrite);
      const current = await requireApplication(ctx.store, p.orgId, req.params.id);
      const r = await updateApplication(ctx, p.orgId, current.id, fieldsFromGraph(jsonBody(req), current));
      await recordAdminAction(ctx, p, requestFacts(req), { action: 'updateApplication', target: r.app.id, appId: r.app.appId, displayName: r.app.displayName });
      if (r.clientSecret === undefined) return reply.code(204).send();
      return reply.code(200).send({ '@odata.context': entity(req), ...toGraphApplication(r.app, r.clientSecret) });
    });

    app.delete<IdParams>('/applications/:id', async (req, reply) => {
      const p = await authorize(ctx, req, ROLES.applicationWrite);
      const gone = await deleteApplication(ctx, p.orgId, req.params.id);
      await recordAdminAction(ctx, p, requestFacts(req), { action: 'deleteApplication', target: gone.id, appId: gone.appId, displayName: gone.displayName });
      return reply.code(204).send();
    });

    app.post<IdParams>('/applications/:id/addPassword', async (req) => {
      const p = await authorize(ctx, req, ROLES.applicationWrite);
      // The id first, so an unknown app is 404 whatever the body.
      const a = await requireApplication(ctx.store, p.orgId, req.params.id);
      checkAddPasswordBody(req.body === undefined ? undefined : jsonBody(req));
      const r = await rotateSecret(ctx, p.orgId, a.id);
      await recordAdminAction(ctx, p, requestFacts(req), { action: 'addPassword', target: r.app.id, appId: r.app.appId, keyId: r.app.secretKeyId! });
      return { '@odata.context': `${odataContext(requestUrl(ctx, req), 'microsoft.graph.passwordCredential')}`, ...passwordCredentialOf(r.app, r.clientSecret) };
    });

    app.post<IdParams>('/applications/:id/removePassword', async (req, reply) => {
      const p = await authorize(ctx, req, ROLES.applicationWrite);
      const current = await requireApplication(ctx.store, p.orgId, req.params.id);
      const keyId = keyIdOf(jsonBody(req));
      const a = await removeSecret(ctx, p.orgId, current.id, keyId);
      await recordAdminAction(ctx, p, requestFacts(req), { action: 'removePassword', target: a.id, appId: a.appId, keyId });
      return reply.code(204).send();
    });
  };
}
