// Graceful shutdown on SIGTERM or SIGINT: stop accepting connections, let requests already in
// flight finish within shutdown.timeoutMs, answer anything new on a kept-alive connection with a
// clean 503 (OPSSO1640) and Connection: close, then run the clean-up (retention timer, sign-in log
// flush, database) and exit 0. Past the timeout the remaining sockets are closed and the process
// exits 1 with one line. /readyz answers 503 from the first moment, so load balancers move on.

import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { PssoError } from '../errors/psso-error.js';
import { sendError } from './error-reply.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** Set once shutdown starts; requests arriving after that are refused (graceful-shutdown.ts). */
    drain: Drain;
  }
}

export class Drain {
  private started = false;
  get draining(): boolean { return this.started; }
  start(): void { this.started = true; }
}

/**
 * On the root instance, before fair admission, so a refused request never waits for a slot. A
 * request already past this point is in flight and finishes; its reply closes the connection.
 */
export function installDrain(app: FastifyInstance, now: () => Date): Drain {
  const drain = new Drain();
  app.decorate('drain', drain);
  app.addHook('onRequest', (req: FastifyRequest, reply: FastifyReply, done: (err?: Error) => void) => {
    if (!drain.draining) { done(); return; }
    reply.header('connection', 'close');
    sendError(req, reply, new PssoError('shutting_down', `${req.method} arrived after shutdown started`, { retryAfterSeconds: 1 }), now());
  });
  app.addHook('onSend', async (_req, reply, payload) => {
    if (drain.draining) reply.header('connection', 'close');
    return payload;
  });
  return drain;
}

export interface ShutdownOptions {
  timeoutMs: number;
  /** After the server has closed: stop timers, flush what is buffered, close the database. */
  cleanUp: () => Promise<void>;
  exit: (code: number) => void;
  /** Where the one line about a forced or failed shutdown goes. */
  report: (line: string) => void;
}

/** Drains `app` and exits; resolves (for tests with a fake exit) once `exit` was called. */
export async function shutDown(app: FastifyInstance, opts: ShutdownOptions): Promise<void> {
  app.drain.start();
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => { timer = setTimeout(() => resolve('timeout'), opts.timeoutMs); });
  const closed = app.close().then(() => 'closed' as const, (e: unknown) => e);
  const outcome = await Promise.race([closed, timedOut]);
  clearTimeout(timer);
  if (outcome === 'closed') {
    try {
      await opts.cleanUp();
    } catch (e) {
      opts.report(`openpsso: shutdown clean-up failed: ${e instanceof Error ? e.message : String(e)}`);
      opts.exit(1);
      return;
    }
    opts.exit(0);
    return;
  }
  const open = await new Promise<number>((resolve) => app.server.getConnections((_e, n) => resolve(n ?? 0)));
  app.server.closeAllConnections();
  opts.report(outcome === 'timeout'
    ? `openpsso: shutdown timed out after ${opts.timeoutMs} ms; closed ${open} connection(s) with requests still in flight`
    : `openpsso: closing the server failed: ${outcome instanceof Error ? outcome.message : String(outcome)}`);
  // Best effort: what finished is still flushed and the database closed, but never wait for ever.
  await Promise.race([opts.cleanUp().catch(() => undefined), new Promise((r) => setTimeout(r, 2000).unref())]);
  opts.exit(1);
}

/** SIGTERM (orchestrators) and SIGINT (Ctrl-C) drain once; a second signal exits at once. */
export function shutDownOnSignals(app: FastifyInstance, opts: ShutdownOptions): void {
  let started = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (started) {
      opts.report(`openpsso: ${signal} again during shutdown; exiting without waiting`);
      opts.exit(1);
      return;
    }
    started = true;
    void shutDown(app, opts);
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}
