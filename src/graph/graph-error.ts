// The error the Graph client raises for a refused request, carrying Graph's (or OpenPSSO's) error code and message.

export class GraphError extends Error {
  override readonly name = 'GraphError';
  constructor(readonly status: number, readonly code: string, message: string, readonly body?: unknown) {
    super(message);
  }
}

/** Pulls code and message out of either error shape: Graph's {error:{code,message}} or OpenPSSO's {error, error_code, error_description}. */
export function graphErrorFrom(status: number, method: string, url: string, body: unknown): GraphError {
  const b = (body ?? {}) as Record<string, unknown>;
  const inner = typeof b.error === 'object' && b.error !== null ? b.error as Record<string, unknown> : null;
  const code = String(inner?.code ?? b.error_code ?? b.error ?? `http_${status}`);
  const message = String(inner?.message ?? b.error_description ?? `HTTP ${status}`);
  return new GraphError(status, code, `${method} ${url}: ${status} ${code}: ${message}`, body);
}
