// The virtual Mac's one error type, with the server's refusal turned into plain words (psso-protocol.md §10).

export type MacErrorKind =
  /** HTTP 401: the credential was wrong (the only status a Mac treats as "incorrect password"). */
  | 'credential'
  /** Any other non-200 answer from the server. */
  | 'refused'
  /** The server could not be reached. */
  | 'network'
  /** A response failed the checks a Mac makes (JWE, id_token, nonce, iss, aud, times, unlock key). */
  | 'verification'
  /** The Mac's own state does not allow the operation (not registered, no such user, no password). */
  | 'state'
  | 'usage';

/** The JSON error body OpenPSSO sends; other servers send a subset (error, error_description). */
export interface ServerErrorBody {
  error?: string;
  error_description?: string;
  error_code?: string;
  error_codes?: number[];
  remediation?: string;
  /** What the user can do, when `remediation` is addressed to the admin (policy refusals). */
  user_action?: string;
  correlation_id?: string;
  [k: string]: unknown;
}

export class MacError extends Error {
  readonly kind: MacErrorKind;
  readonly status: number | undefined;
  readonly body: ServerErrorBody | undefined;

  constructor(kind: MacErrorKind, message: string, extra: { status?: number; body?: ServerErrorBody; cause?: unknown } = {}) {
    super(message, extra.cause !== undefined ? { cause: extra.cause } : undefined);
    this.name = 'MacError';
    this.kind = kind;
    this.status = extra.status;
    this.body = extra.body;
  }

  /** OPSSOnnnn when the server sent one. */
  get code(): string | undefined {
    return typeof this.body?.error_code === 'string' ? this.body.error_code : undefined;
  }

  toJSON(): Record<string, unknown> {
    return { kind: this.kind, message: this.message, status: this.status, code: this.code, body: this.body };
  }
}

export function parseErrorBody(text: string): ServerErrorBody | undefined {
  try {
    const v = JSON.parse(text) as unknown;
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as ServerErrorBody) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * "The server refused the login: OPSSO1201 Incorrect username or password. What to do: ..." A 401
 * is called out as a credential problem because that is how macOS reads it; anything else is a
 * general failure that re-typing the password will not fix.
 */
export function refusalError(what: string, status: number, text: string): MacError {
  const body = parseErrorBody(text);
  const code = body?.error_code ?? body?.error;
  const description = body?.error_description ?? (body ? undefined : text.trim().slice(0, 200)) ?? '';
  const head = status === 401
    ? `The server refused the ${what} because the credential is not accepted (HTTP 401)`
    : `The server refused the ${what} (HTTP ${status}; not a password problem)`;
  const parts = [`${head}: ${[code, description].filter((p) => p && String(p).length > 0).join(' ') || 'no details given'}`];
  if (description && !/[.!?]$/.test(description)) parts[0] += '.';
  // Policy refusals carry a user action and an admin remediation: show both, user first.
  if (body?.user_action) {
    parts.push(`What you can do: ${body.user_action}`);
    if (body.remediation) parts.push(`For your IT admin: ${body.remediation}`);
  } else if (body?.remediation) parts.push(`What to do: ${body.remediation}`);
  if (body?.correlation_id) parts.push(`(correlation id ${body.correlation_id})`);
  return new MacError(status === 401 ? 'credential' : 'refused', parts.join(' '), { status, ...(body ? { body } : {}) });
}

/** Server codes that mean the device registration itself is gone. */
export const REPAIR_CODES = new Set(['OPSSO1101', 'OPSSO1102']);

export function describeError(e: unknown): string {
  if (e instanceof MacError) return e.message;
  if (e instanceof Error) return e.message;
  return String(e);
}
