// Page sign-ins for apps other than device registration: start one for a target app with a
// continuation, and hand the finished sign-in to the finisher registered for its kind (the OpenID
// Provider's interaction, macOS 27 web login ...). The pages, the credential guard, conditional
// access for the target app and the sign-in log rows are the same as for registration.

import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../../app/context.js';
import type { User } from '../../../storage/ports.js';
import type { AccessDecision } from '../../../policy/types.js';
import type { Continuation, SignInTarget } from '../../../app/interactive/continuation.js';
import { createSession, endSession, loadSession, type Session } from '../../../app/interactive/session.js';
import { COOKIE, STAGE_PATH, readCookie, redirect, sendPage, setSessionCookie, withNonce } from './page-kit.js';
import { messagePage, type Notice } from './pages.js';

export interface Finished {
  /** The ended sign-in session (its data: target, continuation, amr). */
  session: Session;
  user: User;
  amr: string[];
  decision: AccessDecision | null;
  req: FastifyRequest;
  reply: FastifyReply;
}

export type Finisher = (ctx: AppContext, f: Finished) => Promise<FastifyReply>;

const finishers = new Map<string, Finisher>();

/** Registers what a finished sign-in of this continuation kind does; one finisher per kind. */
export function registerFinisher(kind: string, fn: Finisher): void {
  finishers.set(kind, fn);
}

/**
 * Starts a page sign-in for `target` and sends the browser to its first page. A login hint fills in
 * the account name; with `lockUsername` the sign-in is for that account only (the user goes
 * straight to the password), as when the Mac already said who is signing in.
 */
export async function startPageSignIn(ctx: AppContext, req: FastifyRequest, reply: FastifyReply, o: {
  orgId: string; target: SignInTarget; continuation: Continuation; loginHint?: string | undefined; lockUsername?: boolean;
}): Promise<FastifyReply> {
  const old = await loadSession(ctx, readCookie(req, COOKIE), 'page');
  if (old) await endSession(ctx, old);
  const hint = o.loginHint !== undefined && o.loginHint.length > 0 && o.loginHint.length <= 256 ? o.loginHint : undefined;
  const stage = hint && o.lockUsername ? 'password' as const : 'username' as const;
  const s = await createSession(ctx, o.orgId, {
    channel: 'page', stage, target: o.target, continuation: o.continuation, ...(hint ? { username: hint } : {}),
  });
  setSessionCookie(ctx, reply, s);
  return redirect(reply, STAGE_PATH[stage]);
}

/** A page with a message and no form, in the sign-in pages' style (for finishers' refusals). */
export function sendMessagePage(ctx: AppContext, reply: FastifyReply, status: number, title: string, notice: Notice, link?: { href: string; text: string }): FastifyReply {
  return sendPage(ctx, reply, status, withNonce(() => messagePage({ title, notice, ...(link ? { link } : {}) })), null);
}

/** Calls the finisher of a done session's continuation (the session is already ended). */
export async function finishContinuation(ctx: AppContext, s: Session, req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const kind = s.data.continuation!.kind;
  const fn = finishers.get(kind);
  const user = s.userId ? await ctx.store.users.get(s.userId) : null;
  if (!fn || !user || !user.enabled) {
    return sendMessagePage(ctx, reply, 400, 'Sign-in could not continue', {
      kind: 'error', title: 'This sign-in cannot continue to the app.', text: 'Open the app again to start a new sign-in.',
    });
  }
  return fn(ctx, { session: s, user, amr: s.data.amr, decision: s.data.decision ?? null, req, reply });
}
