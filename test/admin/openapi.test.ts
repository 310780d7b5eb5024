// docs/openapi.json documents exactly the admin API routes the server registers (both prefixes, every method).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import Fastify from 'fastify';
import { adminGraphRoutes } from '../../src/server/routes/admin-graph.js';
import type { AppContext } from '../../src/app/context.js';
import { openapi } from './helpers.js';


test('every registered admin route is in docs/openapi.json and every documented one is registered', async () => {
  const app = Fastify();
  const registered = new Set<string>();
  app.addHook('onRoute', (r) => {
    for (const m of [r.method].flat()) if (m !== 'HEAD') registered.add(`${m} ${r.url.replace(/:([A-Za-z]+)/g, '{$1}')}`);
  });
  // Route registration only closes over the context; nothing reads it here.
  await app.register(adminGraphRoutes({} as AppContext));
  await app.ready();
  const documented = new Set(Object.entries(openapi.paths).flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`)));
  assert.equal(openapi.openapi, '3.1.0');
  assert.deepEqual([...registered].filter((r) => !documented.has(r)), [], 'registered but not documented');
  assert.deepEqual([...documented].filter((r) => !registered.has(r)), [], 'documented but not registered');
  assert.ok(registered.size >= 40);
  await app.close();
});
