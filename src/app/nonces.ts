// Server nonces (grant_type=srv_challenge, psso-protocol.md §4.1): random, single use, short-lived;
// optionally UUID-shaped and bound to the fetching request's client-request-id (extensions.md §5).

import { randomBytes, randomUUID } from 'node:crypto';
import type { AppContext } from './context.js';
import { PssoError } from '../errors/psso-error.js';

export interface NonceOptions {
  /** UiO's extension parses the nonce as a Swift UUID (extensions.md §4.4 #4); others treat it as opaque. */
  format?: 'base64' | 'uuid';
  /** Bind to this client-request-id (lower-cased): only a request carrying the same id may spend it. */
  clientRequestId?: string | undefined;
}

export async function issueNonce(ctx: AppContext, o: NonceOptions = {}): Promise<string> {
  const now = ctx.clock.now();
  // 256 bits, standard base64 as real servers send it; a UUID carries 122 random bits, still unguessable.
  const value = o.format === 'uuid' ? randomUUID() : randomBytes(32).toString('base64');
  await ctx.store.nonces.create({
    value, createdAt: now, expiresAt: now + ctx.config.tokens.nonceLifetimeSeconds * 1000, usedAt: null,
    boundTo: o.clientRequestId ? o.clientRequestId.toLowerCase() : null,
  });
  ctx.metrics.noncesIssued.inc();
  return value;
}

/**
 * Spends a server nonce atomically, or throws why it cannot be spent. A nonce bound to a
 * client-request-id is spent only with the same id (`clientRequestId`, as the request carried it).
 */
export async function spendNonce(ctx: AppContext, value: string, now: number, clientRequestId: string | undefined, what?: string): Promise<void> {
  const result = await ctx.store.nonces.consume(value, now, clientRequestId?.toLowerCase());
  ctx.metrics.noncesConsumed.inc({ result });
  if (result === 'ok') return;
  throw new PssoError(({ unknown: 'nonce_unknown', expired: 'nonce_expired', replayed: 'nonce_replayed', wrong_binding: 'nonce_wrong_binding' } as const)[result], what);
}
