// A loopback port free a moment ago: for a child `serve` that must be told its port (and issuer)
// before it starts, and, once closed again, as a port where nothing listens.

import { createServer } from 'node:net';

export async function freePort(): Promise<number> {
  const probe = createServer();
  const port: number = await new Promise((resolve) => probe.listen(0, '127.0.0.1', () => resolve((probe.address() as { port: number }).port)));
  await new Promise((r) => probe.close(r));
  return port;
}
