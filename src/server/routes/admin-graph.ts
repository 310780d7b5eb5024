// The Graph-shaped admin API (issue 4): the client-credentials token endpoint, and every resource under both /v1.0 and /beta, as Graph tools use both.

import type { FastifyPluginAsync } from 'fastify';
import type { AppContext } from '../../app/context.js';
import { adminTokenRoutes } from './admin/token.js';
import { userRoutes } from './admin/users.js';
import { groupRoutes } from './admin/groups.js';
import { deviceRoutes } from './admin/devices.js';
import { conditionalAccessRoutes } from './admin/conditional-access.js';
import { auditLogRoutes } from './admin/audit-logs.js';
import { applicationRoutes } from './admin/applications.js';

export const GRAPH_PREFIXES = ['/v1.0', '/beta'] as const;

export function adminGraphRoutes(ctx: AppContext): FastifyPluginAsync {
  return async (app) => {
    await app.register(adminTokenRoutes(ctx));
    for (const prefix of GRAPH_PREFIXES) {
      await app.register(async (graph) => {
        await graph.register(userRoutes(ctx));
        await graph.register(groupRoutes(ctx));
        await graph.register(deviceRoutes(ctx));
        await graph.register(conditionalAccessRoutes(ctx));
        await graph.register(auditLogRoutes(ctx));
        await graph.register(applicationRoutes(ctx));
      }, { prefix });
    }
  };
}
