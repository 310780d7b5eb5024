// Operations endpoints: liveness for a load balancer (GET /healthz), readiness for an orchestrator
// (GET /readyz: database reachable, keys loaded, migrations current) and Prometheus metrics
// (GET /metrics, only from ops.metricsAllowFrom), plus the per-route request histogram behind them.

import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import type { AppContext } from '../../app/context.js';
import { PssoError } from '../../errors/psso-error.js';
import { cidrContains, parseCidr, parseIp } from '../../policy/ip-range.js';

interface Check { name: string; ok: boolean; detail?: string }

async function check(name: string, fn: () => Promise<string | undefined>): Promise<Check> {
  try {
    const detail = await fn();
    return { name, ok: true, ...(detail ? { detail } : {}) };
  } catch (e) {
    return { name, ok: false, detail: e instanceof Error ? e.message.slice(0, 300) : String(e) };
  }
}

/** On the root instance, so every route is observed: route pattern, method, status and duration. */
export function observeRequests(app: FastifyInstance, ctx: AppContext): void {
  app.addHook('onResponse', async (req, reply) => {
    ctx.metrics.httpRequests.observe(
      { route: req.routeOptions.url ?? 'unmatched', method: req.method, status: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
  });
}

export function opsRoutes(ctx: AppContext): FastifyPluginAsync {
  const allowed = ctx.config.ops.metricsAllowFrom.map((c) => {
    const cidr = parseCidr(c.includes('/') ? c : `${c}/${c.includes(':') ? 128 : 32}`);
    if (!cidr) throw new PssoError('invalid_configuration', `ops.metricsAllowFrom: ${c} is not an address or CIDR range`);
    return cidr;
  });
  return async (app) => {
    app.get('/healthz', async (_req, reply) => {
      reply.header('cache-control', 'no-store');
      return { status: 'ok' };
    });

    app.get('/readyz', async (_req, reply) => {
      const checks = await Promise.all([
        check('database', async () => { await ctx.store.organisations.list(); return ctx.store.kind; }),
        check('keys', async () => {
          const sig = ctx.keys.active('sig');
          const enc = ctx.keys.active('enc');
          return `sig ${sig.record.kid}, enc ${enc.record.kid}`;
        }),
        check('migrations', async () => {
          const pending = await ctx.store.pendingMigrations();
          if (pending.length > 0) throw new Error(`not applied: ${pending.join(', ')}`);
          return undefined;
        }),
      ]);
      const ready = checks.every((c) => c.ok);
      reply.code(ready ? 200 : 503).header('cache-control', 'no-store');
      return { status: ready ? 'ready' : 'not ready', checks };
    });

    app.get('/metrics', async (req, reply) => {
      const ip = parseIp(req.ip);
      if (!ip || !allowed.some((c) => cidrContains(c, ip))) throw new PssoError('forbidden', 'metrics are served only to ops.metricsAllowFrom');
      reply.header('cache-control', 'no-store').type(ctx.metrics.registry.contentType);
      return ctx.metrics.registry.metrics();
    });
  };
}
