// Graph conditional access: /identity/conditionalAccess/policies and /namedLocations (entra-mdm.md §3.7), and security defaults (§3.8).

import type { FastifyPluginAsync } from 'fastify';
import type { AppContext } from '../../../app/context.js';
import { collection, odataContext, parseGraphQuery } from '../../../app/admin-api/graph-query.js';
import {
  createNamedLocation, createPolicy, deleteNamedLocation, deletePolicy, getNamedLocation, getPolicy, getSecurityDefaults,
  setSecurityDefaults, updateNamedLocation, updatePolicy,
} from '../../../app/admin-api/graph-policies.js';
import { authorize, jsonBody, requestUrl, ROLES, type IdParams } from './kit.js';

const POLICIES = 'identity/conditionalAccess/policies';
const LOCATIONS = 'identity/conditionalAccess/namedLocations';

export function conditionalAccessRoutes(ctx: AppContext): FastifyPluginAsync {
  return async (app) => {
    const entity = (req: Parameters<typeof requestUrl>[1], set: string) => `${odataContext(requestUrl(ctx, req), set)}/$entity`;

    // Policies and locations are few per organisation (Entra allows 195), so lists are one page.
    app.get(`/${POLICIES}`, async (req) => {
      const p = await authorize(ctx, req, ROLES.policyRead);
      parseGraphQuery(req.query, { kind: 'policies', defaultTop: 1000 });
      return collection(requestUrl(ctx, req), POLICIES, await ctx.store.policies.list(p.orgId), { kind: 'policies', cursor: null });
    });
    app.get<IdParams>(`/${POLICIES}/:id`, async (req) => {
      const p = await authorize(ctx, req, ROLES.policyRead);
      return { '@odata.context': entity(req, POLICIES), ...(await getPolicy(ctx, p.orgId, req.params.id)) };
    });
    app.post(`/${POLICIES}`, async (req, reply) => {
      const p = await authorize(ctx, req, ROLES.policyWrite);
      const created = await createPolicy(ctx, p.orgId, jsonBody(req));
      return reply.code(201).send({ '@odata.context': entity(req, POLICIES), ...created });
    });
    app.patch<IdParams>(`/${POLICIES}/:id`, async (req, reply) => {
      const p = await authorize(ctx, req, ROLES.policyWrite);
      await updatePolicy(ctx, p.orgId, req.params.id, jsonBody(req));
      return reply.code(204).send();
    });
    app.delete<IdParams>(`/${POLICIES}/:id`, async (req, reply) => {
      const p = await authorize(ctx, req, ROLES.policyWrite);
      await deletePolicy(ctx, p.orgId, req.params.id);
      return reply.code(204).send();
    });

    app.get(`/${LOCATIONS}`, async (req) => {
      const p = await authorize(ctx, req, ROLES.policyRead);
      parseGraphQuery(req.query, { kind: 'namedLocations', defaultTop: 1000 });
      return collection(requestUrl(ctx, req), LOCATIONS, await ctx.store.namedLocations.list(p.orgId), { kind: 'namedLocations', cursor: null });
    });
    app.get<IdParams>(`/${LOCATIONS}/:id`, async (req) => {
      const p = await authorize(ctx, req, ROLES.policyRead);
      return { '@odata.context': entity(req, LOCATIONS), ...(await getNamedLocation(ctx, p.orgId, req.params.id)) };
    });
    app.post(`/${LOCATIONS}`, async (req, reply) => {
      const p = await authorize(ctx, req, ROLES.policyWrite);
      const created = await createNamedLocation(ctx, p.orgId, jsonBody(req));
      return reply.code(201).send({ '@odata.context': entity(req, LOCATIONS), ...created });
    });
    app.patch<IdParams>(`/${LOCATIONS}/:id`, async (req, reply) => {
      const p = await authorize(ctx, req, ROLES.policyWrite);
      await updateNamedLocation(ctx, p.orgId, req.params.id, jsonBody(req));
      return reply.code(204).send();
    });
    app.delete<IdParams>(`/${LOCATIONS}/:id`, async (req, reply) => {
      const p = await authorize(ctx, req, ROLES.policyWrite);
      await deleteNamedLocation(ctx, p.orgId, req.params.id);
      return reply.code(204).send();
    });

    const SD = 'policies/identitySecurityDefaultsEnforcementPolicy';
    app.get(`/${SD}`, async (req) => {
      const p = await authorize(ctx, req, ROLES.policyRead);
      return { '@odata.context': `${odataContext(requestUrl(ctx, req), SD)}/$entity`, ...(await getSecurityDefaults(ctx, p.orgId)) };
    });
    app.patch(`/${SD}`, async (req, reply) => {
      const p = await authorize(ctx, req, ROLES.policyWrite);
      await setSecurityDefaults(ctx, p.orgId, jsonBody(req));
      return reply.code(204).send();
    });
  };
}
