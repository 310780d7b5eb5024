// OpenPSSO's facts about a request (proxy-resolved client address, correlation id), carried on the
// raw request from Fastify into oidc-provider's Koa context.

import type { IncomingMessage } from 'node:http';
import type { KoaContextWithOIDC } from 'oidc-provider';

const FACTS = Symbol('openpsso.requestFacts');
export interface RawFacts { ip: string; correlationId: string; userAgent?: string | undefined }

export function tagRaw(raw: IncomingMessage, f: RawFacts): void {
  (raw as unknown as Record<symbol, RawFacts>)[FACTS] = f;
}

export function rawFacts(kctx: KoaContextWithOIDC): RawFacts {
  return (kctx.req as unknown as Record<symbol, RawFacts | undefined>)[FACTS] ?? { ip: kctx.ip, correlationId: '', userAgent: kctx.get('user-agent') || undefined };
}
