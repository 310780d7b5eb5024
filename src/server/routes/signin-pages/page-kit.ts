// Plumbing for the sign-in page routes: the session cookie, CSRF checks, sending a page with its
// security headers, and turning a catalogue error into a notice that says what to do.

import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../../app/context.js';
import { PssoError } from '../../../errors/psso-error.js';
import { csrfMatches, loadSession, SESSION_TTL_MS, type Session, type Stage } from '../../../app/interactive/session.js';
import { formActionSource } from '../../../app/interactive/redirect.js';
import type { RequestFacts } from '../../../app/interactive/events.js';
import { contentSecurityPolicy, layout, newNonce } from './html.js';
import type { Notice, PageBody } from './pages.js';

export const COOKIE = 'opsso_signin';

export function facts(req: FastifyRequest): RequestFacts {
  return { ipAddress: req.ip, correlationId: req.id, userAgent: req.headers['user-agent'], slot: req.admissionSlot };
}

export function readCookie(req: FastifyRequest, name: string): string | undefined {
  for (const part of String(req.headers.cookie ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i > 0 && part.slice(0, i).trim() === name) return part.slice(i + 1).trim();
  }
  return undefined;
}

function secure(ctx: AppContext): boolean {
  return ctx.config.issuer.startsWith('https:');
}

export function setSessionCookie(ctx: AppContext, reply: FastifyReply, s: Session): void {
  reply.header('set-cookie', `${COOKIE}=${s.handle}; Path=/signin; Max-Age=${SESSION_TTL_MS / 1000}; HttpOnly; SameSite=Lax${secure(ctx) ? '; Secure' : ''}`);
}

export function clearSessionCookie(ctx: AppContext, reply: FastifyReply): void {
  reply.header('set-cookie', `${COOKIE}=; Path=/signin; Max-Age=0; HttpOnly; SameSite=Lax${secure(ctx) ? '; Secure' : ''}`);
}

export const STAGE_PATH: Record<Stage, string> = {
  username: '/signin/username', password: '/signin/password', mfa: '/signin/mfa', enroll: '/signin/enroll', done: '/signin/done',
};

export function restartHref(s: Session | null): string {
  if (s?.data.continuation?.restartUrl) return s.data.continuation.restartUrl;
  return s?.data.redirectUri ? `/signin?${new URLSearchParams({ redirect_uri: s.data.redirectUri })}` : '/signin';
}

/** Thrown when a page request has no usable session; the routes show "start again". */
export class SessionGone extends Error {}

/** The page session from the cookie, with the CSRF token checked on anything that changes state. */
export async function pageSession(ctx: AppContext, req: FastifyRequest, checkCsrf: boolean): Promise<Session> {
  const s = await loadSession(ctx, readCookie(req, COOKIE), 'page');
  if (!s) throw new SessionGone();
  if (checkCsrf) {
    const body = req.body as Record<string, unknown> | undefined;
    const given = req.headers['x-csrf-token'] ?? body?.csrf;
    if (!csrfMatches(s, given)) throw new PssoError('malformed_request', 'the form is out of date or did not come from this sign-in page; start again');
  }
  return s;
}

export function sendPage(ctx: AppContext, reply: FastifyReply, status: number, page: PageBody & { nonce: string }, s: Session | null): FastifyReply {
  const targets = s?.data.redirectUri ? [formActionSource(s.data.redirectUri)] : (s?.data.continuation?.formActionSources ?? []);
  const host = new URL(ctx.config.issuer).host;
  return reply.code(status)
    .header('content-type', 'text/html; charset=utf-8')
    .header('cache-control', 'no-store')
    .header('content-security-policy', contentSecurityPolicy(page.nonce, targets))
    .header('x-frame-options', 'DENY')
    .header('referrer-policy', 'no-referrer')
    .send(layout({
      title: page.title, nonce: page.nonce, host, body: page.body, script: page.script, restartHref: restartHref(s),
      ...(s?.data.target ? { footer: `Sign-in to ${s.data.target.appDisplayName}` } : {}),
    }));
}

const capitalise = (t: string) => t.charAt(0).toUpperCase() + t.slice(1);

/** The catalogue message says what happened; the detail (or the user action) says what to do. */
export function noticeFor(e: PssoError): Notice {
  const what = e.entry.name === 'user_locked' ? 'Your account is temporarily locked.' : e.entry.message;
  const todo = e.detail ? `${capitalise(e.detail)}.` : (e.entry.userAction ?? e.entry.remediation);
  return { kind: 'error', title: what, text: todo };
}

export function withNonce<T extends PageBody>(fn: (nonce: string) => T): T & { nonce: string } {
  const nonce = newNonce();
  return { ...fn(nonce), nonce };
}

export function redirect(reply: FastifyReply, path: string): FastifyReply {
  return reply.code(303).header('cache-control', 'no-store').header('location', path).send();
}
