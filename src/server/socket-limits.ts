// Socket limits from `limits` in the configuration (defaults and reasons in config/schema.ts),
// split between what Fastify sets on the server it creates, what Node's http server takes at
// creation, and what can only be set on the server afterwards.

import type { Server } from 'node:http';
import type { Config } from '../config/schema.js';

type Limits = Config['limits'];

export interface SocketOptions {
  /** Fastify options: Fastify copies these onto the server after creating it. */
  fastify: { requestTimeout: number; keepAliveTimeout: number; connectionTimeout: number };
  /** http.createServer options: Node refuses a headersTimeout above requestTimeout only here. */
  http: { requestTimeout: number; headersTimeout: number; keepAliveTimeout: number; connectionsCheckingInterval: number };
  apply(server: Server): void;
}

export function socketOptions(l: Limits): SocketOptions {
  // Node checks request and header deadlines on a timer (30 s by default), so a 10 s limit could
  // let a stalled client hold its socket for 40 s; check at a quarter of the shortest limit, at
  // most once a second (a walk over at most maxConnections sockets).
  const deadlines = [l.requestTimeoutMs, l.headersTimeoutMs].filter((t) => t > 0);
  const checkEvery = deadlines.length > 0 ? Math.max(25, Math.min(1000, Math.floor(Math.min(...deadlines) / 4))) : 1000;
  const keepAlive = l.keepAliveTimeoutMs;
  return {
    fastify: { requestTimeout: l.requestTimeoutMs, keepAliveTimeout: keepAlive, connectionTimeout: l.connectionTimeoutMs },
    http: { requestTimeout: l.requestTimeoutMs, headersTimeout: l.headersTimeoutMs, keepAliveTimeout: keepAlive, connectionsCheckingInterval: checkEvery },
    apply(server) {
      server.headersTimeout = l.headersTimeoutMs;
      // Above the cap Node accepts and at once destroys the socket: the client sees a reset, and the
      // sockets already open carry on.
      if (l.maxConnections > 0) server.maxConnections = l.maxConnections;
    },
  };
}
