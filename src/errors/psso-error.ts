// The single error type thrown by protocol, app and storage code; routes turn it into the JSON body.

import { catalogue, formatCode, type CatalogueEntry, type ErrorName } from './catalogue.js';

export class PssoError extends Error {
  readonly entry: CatalogueEntry;
  /** Extra, non-secret detail for developers and logs (never a password or key). */
  readonly detail: string | undefined;
  /** Structured facts for the sign-in log (e.g. the access decision); never sent on the wire. */
  readonly extra: Record<string, unknown> | undefined;

  constructor(name: ErrorName | string, detail?: string, extra?: Record<string, unknown>) {
    const entry = catalogue.get(name as ErrorName);
    if (!entry) throw new Error(`unknown error name ${name}`);
    super(detail ? `${entry.message} (${detail})` : entry.message);
    this.name = 'PssoError';
    this.entry = entry;
    this.detail = detail;
    this.extra = extra;
  }

  get code(): string {
    return formatCode(this.entry);
  }
}

export function isPssoError(e: unknown): e is PssoError {
  return e instanceof PssoError;
}

/** The JSON error body every endpoint uses (status rules in architecture.md). */
export interface ErrorBody {
  error: string;
  error_description: string;
  error_code: string;
  error_codes: number[];
  remediation: string;
  user_action?: string;
  locked_until?: string;
  retry_after?: number;
  correlation_id: string;
  timestamp: string;
}

export function errorBody(err: PssoError, correlationId: string, now: Date): ErrorBody {
  const e = err.entry;
  return {
    error: e.oauthError,
    error_description: err.message,
    error_code: formatCode(e),
    error_codes: e.entra !== undefined ? [e.code, e.entra] : [e.code],
    remediation: e.remediation,
    ...(e.userAction ? { user_action: e.userAction } : {}),
    // The public facts a client needs to act on a lock or a throttle: when it ends, when to retry.
    ...(typeof err.extra?.lockedUntil === 'number' ? { locked_until: new Date(err.extra.lockedUntil).toISOString() } : {}),
    ...(typeof err.extra?.retryAfterSeconds === 'number' ? { retry_after: err.extra.retryAfterSeconds } : {}),
    correlation_id: correlationId,
    timestamp: now.toISOString(),
  };
}
