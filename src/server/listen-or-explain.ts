// Starts listening and turns the socket errors an admin can fix (port taken, not allowed, address
// not on this machine) into catalogue errors, instead of a stack trace.

import type { FastifyInstance } from 'fastify';
import { PssoError } from '../errors/psso-error.js';

export function explainListenError(e: unknown, host: string, port: number): unknown {
  const code = (e as NodeJS.ErrnoException | null)?.code;
  const where = `${host.includes(':') ? `[${host}]` : host}:${port}`;
  if (code === 'EADDRINUSE') return new PssoError('startup_port_in_use', where);
  if (code === 'EACCES') return new PssoError('startup_listen_refused', `${where}: permission denied`);
  if (code === 'EADDRNOTAVAIL') return new PssoError('startup_listen_refused', `${where}: ${host} is not an address of this machine`);
  return e;
}

/** Listens; on failure closes the app and, through `cleanup`, whatever else start-up opened. */
export async function listenOrExplain(app: FastifyInstance, listen: { host: string; port: number }, cleanup: () => Promise<void>): Promise<string> {
  try {
    return await app.listen({ host: listen.host, port: listen.port });
  } catch (e) {
    await app.close().catch(() => {});
    await cleanup().catch(() => {});
    throw explainListenError(e, listen.host, listen.port);
  }
}
