// Graph groups and their members, and membership changes by reference ($ref).

import type { FastifyPluginAsync } from 'fastify';
import type { AppContext } from '../../../app/context.js';
import { applySelect, collection, odataContext, parseGraphQuery } from '../../../app/admin-api/graph-query.js';
import { groupMembers, listGroups, resolveGroup } from '../../../app/admin-api/graph-directory.js';
import { GROUP_PROPERTIES, toGraphGroup, USER_PROPERTIES } from '../../../app/admin-api/graph-mappers.js';
import { addGroupMemberRef, removeGroupMemberRef } from '../../../app/admin-api/graph-members.js';
import { recordAdminAction } from '../../../app/admin-api/admin-actions.js';
import { authorize, jsonBody, requestFacts, requestUrl, ROLES, type IdParams } from './kit.js';

export function groupRoutes(ctx: AppContext): FastifyPluginAsync {
  return async (app) => {
    app.get('/groups', async (req) => {
      const p = await authorize(ctx, req, ROLES.directoryRead);
      const q = parseGraphQuery(req.query, { kind: 'groups', defaultTop: 100, filter: true, selectable: GROUP_PROPERTIES });
      const page = await listGroups(ctx, p.orgId, q);
      return collection(requestUrl(ctx, req), 'groups', page.items.map((g) => applySelect(g, q.select)), { kind: 'groups', cursor: page.next });
    });

    app.get<IdParams>('/groups/:id', async (req) => {
      const p = await authorize(ctx, req, ROLES.directoryRead);
      const q = parseGraphQuery(req.query, { kind: 'group', defaultTop: 1, selectable: GROUP_PROPERTIES });
      const g = await resolveGroup(ctx, p.orgId, req.params.id);
      return { '@odata.context': `${odataContext(requestUrl(ctx, req), 'groups')}/$entity`, ...applySelect(toGraphGroup(g), q.select) };
    });

    for (const rel of ['members', 'transitiveMembers']) {
      app.get<IdParams>(`/groups/:id/${rel}`, async (req) => {
        const p = await authorize(ctx, req, ROLES.directoryRead);
        const q = parseGraphQuery(req.query, { kind: 'groupMembers', defaultTop: 100, selectable: USER_PROPERTIES });
        const page = await groupMembers(ctx, p.orgId, req.params.id, q);
        return collection(requestUrl(ctx, req), 'directoryObjects', page.items.map((u) => applySelect(u, q.select)), { kind: 'groupMembers', cursor: page.next });
      });
    }

    app.post<IdParams>('/groups/:id/members/$ref', async (req, reply) => {
      const p = await authorize(ctx, req, ROLES.directoryWrite);
      // An unknown group is 404 whatever the body, as on every route with an id; then the body is checked.
      await resolveGroup(ctx, p.orgId, req.params.id);
      const { group, user } = await addGroupMemberRef(ctx, p.orgId, req.params.id, jsonBody(req));
      await recordAdminAction(ctx, p, requestFacts(req), { action: 'addGroupMember', target: group.id, userId: user.id, userPrincipalName: user.userPrincipalName });
      return reply.code(204).send();
    });

    app.delete<{ Params: { id: string; userId: string } }>('/groups/:id/members/:userId/$ref', async (req, reply) => {
      const p = await authorize(ctx, req, ROLES.directoryWrite);
      const { group, user } = await removeGroupMemberRef(ctx, p.orgId, req.params.id, req.params.userId);
      await recordAdminAction(ctx, p, requestFacts(req), { action: 'removeGroupMember', target: group.id, userId: user.id, userPrincipalName: user.userPrincipalName });
      return reply.code(204).send();
    });
  };
}
