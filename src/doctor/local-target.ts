// The doctor's default target: OpenPSSO's own admin API served in-process (no port opened), reached through the same Graph client and routes as over HTTP.

import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../app/context.js';
import { buildServer } from '../server/build-server.js';
import { createAdminClient } from '../app/admin-api/admin-clients.js';
import { defaultOrganisation } from '../app/directory.js';
import { ClientCredentialsTokenProvider, GraphClient } from '../graph/index.js';

/** A fetch that hands requests to Fastify's inject, so the local run exercises the real routes, auth included. */
export function injectFetch(app: FastifyInstance, base: string): typeof fetch {
  return (async (input: string | URL | Request, init?: RequestInit) => {
    const url = String(input instanceof Request ? input.url : input);
    if (!url.startsWith(base)) throw new Error(`in-process fetch only serves ${base}, not ${url}`);
    const res = await app.inject({
      method: (init?.method ?? 'GET') as 'GET',
      url: url.slice(base.length) || '/',
      headers: Object.fromEntries(new Headers(init?.headers).entries()),
      ...(typeof init?.body === 'string' ? { payload: init.body } : {}),
    });
    const headers = new Headers();
    for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) headers.set(k, Array.isArray(v) ? v.join(', ') : String(v));
    return new Response(res.statusCode === 204 ? null : res.body, { status: res.statusCode, headers });
  }) as typeof fetch;
}

/**
 * Creates a throwaway admin client (so the run is authorised and logged like any other client),
 * calls `fn` with a Graph client for it, and revokes the client afterwards.
 */
export async function withLocalGraphClient<T>(ctx: AppContext, fn: (client: GraphClient) => Promise<T>): Promise<T> {
  const org = await defaultOrganisation(ctx);
  const app = await buildServer(ctx, { logLevel: 'silent' });
  const { client, secret } = await createAdminClient(ctx, org.id, 'openpsso doctor (local run)',
    ['Directory.Read', 'Policy.ReadWrite', 'AuditLog.Read', 'UserAuthenticationMethod.ReadWrite']);
  try {
    const base = ctx.urls.issuer.replace(/\/+$/, '');
    const fetchFn = injectFetch(app, base);
    const tokens = new ClientCredentialsTokenProvider({ tokenUrl: `${base}/oauth2/v2.0/token`, clientId: client.id, clientSecret: secret, fetch: fetchFn });
    return await fn(new GraphClient({ baseUrl: base, tokens, fetch: fetchFn }));
  } finally {
    await ctx.store.adminClients.revoke(client.id, ctx.clock.now());
    await app.close();
  }
}
