// The Graph-shaped admin API (issue 4): placeholder plugin, filled in by the admin API work.

import type { FastifyPluginAsync } from 'fastify';
import type { AppContext } from '../../app/context.js';

export function adminGraphRoutes(_ctx: AppContext): FastifyPluginAsync {
  return async () => undefined;
}
