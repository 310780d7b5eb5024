// What every sign-in attempt records (issue 4 stores these as Graph-shaped sign-in log rows).

import { PssoError } from '../errors/psso-error.js';
import type { AccessDecision } from '../policy/types.js';

export type SignInOperation =
  | 'login' | 'refresh' | 'key_request' | 'key_exchange'
  | 'device_registration' | 'user_registration' | 'interactive_signin' | 'admin_signin' | 'admin_action';

export interface SignInEvent {
  at: number; // epoch ms
  correlationId: string;
  operation: SignInOperation;
  interactive: boolean;
  method?: 'password' | 'encrypted_password' | 'secure_enclave' | 'smart_card' | 'refresh_token' | 'registration_token' | 'bearer' | 'web_login';
  orgId?: string;
  userId?: string;
  userPrincipalName?: string;
  /** Display name, when the handler already loaded the user (saves the log writer a lookup). */
  userDisplayName?: string;
  deviceId?: string;
  deviceUuid?: string;
  /** From the device's stored attestation (docs/attestation.md), for the row's deviceDetail. */
  deviceSerialNumber?: string | null;
  deviceAttested?: boolean;
  ipAddress: string;
  userAgent?: string;
  error?: PssoError;
  /** The application the sign-in was for (defaults from the operation). */
  appId?: string;
  /** The registered app's display name (OpenPSSO's own apps are named from their id). */
  appDisplayName?: string;
  /** The Platform SSO authorization scope the Mac sent (urn:apple:platformsso:auth:...), if any. */
  userAction?: string;
  /** The SSO extension dialect the request came through (extensions.md), when not OpenPSSO's own. */
  extension?: 'twocanoes' | 'fleet' | 'uio';
  /** The access decision, when policy was evaluated. */
  decision?: AccessDecision;
  /** Free-form extra facts for the log row (never secrets). */
  details?: Record<string, unknown>;
}

export interface SignInRecorder {
  record(e: SignInEvent): Promise<void>;
  /** Stores whatever is still pending (aggregate counts, retries); called at shutdown. */
  flush?(): Promise<void>;
}

/** Keeps the last events in memory (tests), optionally passing them on to another recorder. */
export class MemorySignInRecorder implements SignInRecorder {
  readonly events: SignInEvent[] = [];
  constructor(private readonly max = 1000, private readonly next?: SignInRecorder) {}
  async record(e: SignInEvent): Promise<void> {
    this.events.push(e);
    if (this.events.length > this.max) this.events.shift();
    await this.next?.record(e);
  }
}

/**
 * Runs `fn` and records `event` once, on success or on a refusal (a PssoError); `fn` may fill in
 * the event as it learns who and what the request is about.
 */
export async function withSignInRecord<T>(signIns: SignInRecorder, event: SignInEvent, fn: () => Promise<T>): Promise<T> {
  let result: T;
  try {
    result = await fn();
  } catch (e) {
    if (e instanceof PssoError) {
      event.error = e;
      await signIns.record(event);
    }
    throw e;
  }
  await signIns.record(event);
  return result;
}
