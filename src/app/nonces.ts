// Server nonces (grant_type=srv_challenge, psso-protocol.md §4.1): random, single use, short-lived.

import { randomBytes } from 'node:crypto';
import type { AppContext } from './context.js';

export async function issueNonce(ctx: AppContext): Promise<string> {
  const now = ctx.clock.now();
  // 256 bits, standard base64 as real servers send it; the Mac treats it as an opaque string.
  const value = randomBytes(32).toString('base64');
  await ctx.store.nonces.create({ value, createdAt: now, expiresAt: now + ctx.config.tokens.nonceLifetimeSeconds * 1000, usedAt: null });
  ctx.metrics.noncesIssued.inc();
  return value;
}
