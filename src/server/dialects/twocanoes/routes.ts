// The twocanoes extension's server contract (extensions.md): being built in issue 10.

import type { FastifyPluginAsync } from 'fastify';
import type { AppContext } from '../../../app/context.js';

export function twocanoesRoutes(_ctx: AppContext): FastifyPluginAsync {
  return async () => undefined;
}
