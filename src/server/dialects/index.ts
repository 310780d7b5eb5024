// Mounts each enabled SSO extension dialect under its base path (extensions.md §5): thin adapters
// that parse the extension's shapes, call the same use cases as the native routes, answer its way.

import type { FastifyPluginAsync } from 'fastify';
import type { AppContext } from '../../app/context.js';
import type { OidcProvider } from '../oidc/mount.js';
import { twocanoesRoutes } from './twocanoes/routes.js';
import { fleetRoutes } from './fleet/routes.js';
import { uioRoutes } from './uio/routes.js';

const DIALECTS = { twocanoes: twocanoesRoutes, fleet: fleetRoutes, uio: uioRoutes } as const;

export function dialectRoutes(ctx: AppContext, op: OidcProvider): FastifyPluginAsync {
  return async (app) => {
    for (const [name, routes] of Object.entries(DIALECTS) as [keyof typeof DIALECTS, typeof DIALECTS[keyof typeof DIALECTS]][]) {
      const c = ctx.config.extensions[name];
      if (!c.enabled) continue;
      // UiO's Keycloak-style OIDC paths forward to the OpenID Provider.
      await app.register(name === 'uio' ? uioRoutes(ctx, op) : (routes as (c: AppContext) => FastifyPluginAsync)(ctx), { prefix: c.basePath === '/' ? '' : c.basePath });
    }
  };
}
