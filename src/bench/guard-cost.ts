// What the credential guard adds to one request, measured on the server's own store: a Secure
// Enclave login (lockout and familiar-network reads), a password attempt from a familiar network
// (plus the account bucket) and from an unfamiliar one (plus the address bucket). CPU time of the
// process per check, so it does not count time other processes take.

import type { AppContext } from '../app/context.js';
import { admit } from '../app/credential-guard.js';

export interface GuardCost {
  assertionMicros: number;
  passwordFamiliarMicros: number;
  passwordUnfamiliarMicros: number;
  iterations: number;
}

async function cpuMicrosPer(iterations: number, fn: (i: number) => Promise<unknown>): Promise<number> {
  for (let i = 0; i < 200; i++) await fn(i);
  const c0 = process.cpuUsage();
  for (let i = 0; i < iterations; i++) await fn(i);
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / iterations;
}

export async function measureGuard(ctx: AppContext, orgId: string, iterations = 3000): Promise<GuardCost> {
  // Generous buckets so every take succeeds: the cost measured is the check, not a refusal.
  const saved = { ...ctx.config.credentialGuard };
  ctx.config.credentialGuard.perAddress = { burst: 1e5, perSecond: 1e4 };
  ctx.config.credentialGuard.perAccount = { burst: 1e5, perSecond: 1e4 };
  try {
    const account = 'guard-bench@demo.openpsso.test';
    const familiar = await admit(ctx, { orgId, account, ipAddress: '198.18.0.1', surface: 'token_endpoint', guessable: false });
    await familiar.succeeded();
    return {
      assertionMicros: await cpuMicrosPer(iterations, () => admit(ctx, { orgId, account, ipAddress: '198.18.0.1', surface: 'token_endpoint', guessable: false })),
      passwordFamiliarMicros: await cpuMicrosPer(iterations, () => admit(ctx, { orgId, account, ipAddress: '198.18.0.1', surface: 'token_endpoint', guessable: true })),
      passwordUnfamiliarMicros: await cpuMicrosPer(iterations, (i) => admit(ctx, { orgId, account: `guess-${i}@demo.openpsso.test`, ipAddress: '198.19.0.1', surface: 'token_endpoint', guessable: true })),
      iterations,
    };
  } finally {
    Object.assign(ctx.config.credentialGuard, saved);
  }
}
