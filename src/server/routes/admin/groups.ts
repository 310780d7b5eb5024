// Graph groups and their members.

import type { FastifyPluginAsync } from 'fastify';
import type { AppContext } from '../../../app/context.js';
import { applySelect, collection, odataContext, parseGraphQuery } from '../../../app/admin-api/graph-query.js';
import { groupMembers, listGroups, resolveGroup } from '../../../app/admin-api/graph-directory.js';
import { GROUP_PROPERTIES, toGraphGroup, USER_PROPERTIES } from '../../../app/admin-api/graph-mappers.js';
import { authorize, requestUrl, ROLES, type IdParams } from './kit.js';

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
  };
}
