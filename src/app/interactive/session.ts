// Server-side state of one interactive sign-in (pages or JSON API), kept in the signInSessions store.

import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { AppContext } from '../context.js';
import type { SignInSessionRecord } from '../../storage/ports-access.js';
import type { AccessDecision } from '../../policy/types.js';
import type { Continuation, SignInTarget } from './continuation.js';

/** Long enough to read a secret off the screen into an authenticator app and type a code back. */
export const SESSION_TTL_MS = 15 * 60_000;
/** Wrong second factors one session may try before it is ended (the account lockout counts them too). */
export const MAX_MFA_FAILURES_PER_SESSION = 5;

export type Stage = 'username' | 'password' | 'mfa' | 'enroll' | 'done';
export type MethodKind = 'totp' | 'passkey' | 'tap';

export interface SessionData {
  v: 1;
  /** Sessions of the pages need the cookie and CSRF token; API sessions only their handle. */
  channel: 'page' | 'api';
  stage: Stage;
  csrf: string;
  username?: string;
  /** amr satisfied so far: 'pwd', then 'otp' / 'hwk' / 'tap' and 'mfa'. */
  amr: string[];
  redirectUri?: string;
  /** Why MFA is asked, in words for the user, and the decision's requirement source for logs. */
  reason?: string;
  requirementSource?: string | null;
  /** TOTP enrolment in progress: the secret sealed under the master key (base64). */
  pendingTotp?: string;
  /** The WebAuthn challenge awaiting an answer; one use. */
  challenge?: { purpose: 'authenticate' | 'register'; value: string };
  mfaFailures: number;
  /** The finished sign-in: the bearer token sealed until the done page shows it once. */
  result?: { sealedToken: string; expiresIn: number; amr: string[] };
  /** The app this sign-in is for; absent: device registration (the bearer token above). */
  target?: SignInTarget;
  /** What a finished sign-in for `target` hands over to; absent: the registration token. */
  continuation?: Continuation;
  /** The access decision that let the sign-in finish, for the continuation's log row and claims. */
  decision?: AccessDecision;
}

export interface Session {
  /** The secret the client holds (cookie value or `sign_in_session`); only its hash is stored. */
  handle: string;
  id: string;
  orgId: string;
  userId: string | null;
  data: SessionData;
  expiresAt: number;
}

/** The store id is a hash of the handle, so a database reader cannot take over a session in flight. */
function idOf(handle: string): string {
  return `sis_${createHash('sha256').update(handle).digest('base64url')}`;
}

const HANDLE = /^sis\.[A-Za-z0-9_-]{43}$/;

export async function createSession(ctx: AppContext, orgId: string, init: Partial<SessionData> & Pick<SessionData, 'channel' | 'stage'>): Promise<Session> {
  const handle = `sis.${randomBytes(32).toString('base64url')}`;
  const now = ctx.clock.now();
  const data: SessionData = { v: 1, csrf: randomBytes(24).toString('base64url'), amr: [], mfaFailures: 0, ...init };
  const record: SignInSessionRecord = { id: idOf(handle), orgId, userId: null, data: JSON.stringify(data), createdAt: now, expiresAt: now + SESSION_TTL_MS };
  await ctx.store.signInSessions.create(record);
  // Abandoned sign-ins expire on their own; an occasional small sweep keeps the table in check where
  // no retention job runs (serve runs one, see app/retention.ts), bounded so a request never waits long.
  if (Math.random() < 0.02) await ctx.store.signInSessions.purgeExpired(now, 100);
  return { handle, id: record.id, orgId, userId: null, data, expiresAt: record.expiresAt };
}

export async function loadSession(ctx: AppContext, handle: string | undefined, channel: SessionData['channel']): Promise<Session | null> {
  if (!handle || !HANDLE.test(handle)) return null;
  const r = await ctx.store.signInSessions.get(idOf(handle), ctx.clock.now());
  if (!r) return null;
  let data: SessionData;
  try {
    data = JSON.parse(r.data) as SessionData;
  } catch {
    return null;
  }
  // A handle from the JSON API must not drive the pages (no CSRF token was ever shown) and vice versa.
  if (data.v !== 1 || data.channel !== channel) return null;
  return { handle, id: r.id, orgId: r.orgId, userId: r.userId, data, expiresAt: r.expiresAt };
}

export async function saveSession(ctx: AppContext, s: Session): Promise<void> {
  await ctx.store.signInSessions.update(s.id, { userId: s.userId, data: JSON.stringify(s.data) });
}

export async function endSession(ctx: AppContext, s: Session): Promise<void> {
  await ctx.store.signInSessions.delete(s.id);
}

export function csrfMatches(s: Session, given: unknown): boolean {
  if (typeof given !== 'string') return false;
  const a = Buffer.from(s.data.csrf);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Binds a sealed session field to its purpose and session (also used by master key rotation). */
export const sessionAad = (purpose: string, sessionId: string): string => `signin:${purpose}:${sessionId}`;

export function sealForSession(ctx: AppContext, s: Session, purpose: string, value: string): string {
  return ctx.master.seal(Buffer.from(value, 'utf8'), sessionAad(purpose, s.id)).toString('base64');
}

export function unsealForSession(ctx: AppContext, s: Session, purpose: string, sealed: string): string {
  return ctx.master.unseal(Buffer.from(sealed, 'base64'), sessionAad(purpose, s.id)).toString('utf8');
}

export function addAmr(amr: string[], ...values: string[]): string[] {
  return [...new Set([...amr, ...values])];
}
