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

    /** The five Graph routes of one collection (list, get, create, patch, delete); only the use cases differ. */
    interface Crud {
      path: string;
      kind: 'policies' | 'namedLocations';
      list: (orgId: string) => Promise<object[]>;
      get: (orgId: string, id: string) => Promise<object>;
      create: (orgId: string, body: unknown) => Promise<object>;
      update: (orgId: string, id: string, body: unknown) => Promise<unknown>;
      remove: (orgId: string, id: string) => Promise<unknown>;
    }
    const crud = (c: Crud) => {
      // Policies and locations are few per organisation (Entra allows 195), so lists are one page.
      app.get(`/${c.path}`, async (req) => {
        const p = await authorize(ctx, req, ROLES.policyRead);
        parseGraphQuery(req.query, { kind: c.kind, defaultTop: 1000 });
        return collection(requestUrl(ctx, req), c.path, await c.list(p.orgId), { kind: c.kind, cursor: null });
      });
      app.get<IdParams>(`/${c.path}/:id`, async (req) => {
        const p = await authorize(ctx, req, ROLES.policyRead);
        return { '@odata.context': entity(req, c.path), ...(await c.get(p.orgId, req.params.id)) };
      });
      app.post(`/${c.path}`, async (req, reply) => {
        const p = await authorize(ctx, req, ROLES.policyWrite);
        const created = await c.create(p.orgId, jsonBody(req));
        return reply.code(201).send({ '@odata.context': entity(req, c.path), ...created });
      });
      app.patch<IdParams>(`/${c.path}/:id`, async (req, reply) => {
        const p = await authorize(ctx, req, ROLES.policyWrite);
        await c.update(p.orgId, req.params.id, jsonBody(req));
        return reply.code(204).send();
      });
      app.delete<IdParams>(`/${c.path}/:id`, async (req, reply) => {
        const p = await authorize(ctx, req, ROLES.policyWrite);
        await c.remove(p.orgId, req.params.id);
        return reply.code(204).send();
      });
    };

    crud({
      path: POLICIES, kind: 'policies', list: (org) => ctx.store.policies.list(org),
      get: (org, id) => getPolicy(ctx, org, id), create: (org, b) => createPolicy(ctx, org, b),
      update: (org, id, b) => updatePolicy(ctx, org, id, b), remove: (org, id) => deletePolicy(ctx, org, id),
    });
    crud({
      path: LOCATIONS, kind: 'namedLocations', list: (org) => ctx.store.namedLocations.list(org),
      get: (org, id) => getNamedLocation(ctx, org, id), create: (org, b) => createNamedLocation(ctx, org, b),
      update: (org, id, b) => updateNamedLocation(ctx, org, id, b), remove: (org, id) => deleteNamedLocation(ctx, org, id),
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
