// The server-rendered sign-in pages the SSO extension's web view shows: username, password, second
// factor, method enrolment, and the done page that hands the bearer token back.

import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../../app/context.js';
import { PssoError, errorBody } from '../../../errors/psso-error.js';
import { defaultOrganisation } from '../../../app/directory.js';
import { createSession, endSession, loadSession, saveSession, unsealForSession, type Session } from '../../../app/interactive/session.js';
import { advance, availableMethods, passkeyAuthenticationOptions, passwordStep, pendingAuthChallenge, secondFactorStep, sessionUser, type Outcome } from '../../../app/interactive/flow.js';
import { beginTotpEnrolment, confirmPasskeyEnrolment, confirmTotpEnrolment, passkeyRegistrationOptions } from '../../../app/interactive/enroll.js';
import { redirectWithToken, validateRedirectUri } from '../../../app/interactive/redirect.js';
import { COOKIE, STAGE_PATH, SessionGone, clearSessionCookie, facts, noticeFor, pageSession, readCookie, redirect, restartHref, sendPage, setSessionCookie, withNonce } from './page-kit.js';
import { donePage, enrollPage, messagePage, mfaPage, passwordPage, usernamePage, type Notice } from './pages.js';
import { finishContinuation } from './continuations.js';

const field = (req: FastifyRequest, name: string): string => {
  const v = (req.body as Record<string, unknown> | undefined)?.[name];
  return typeof v === 'string' ? v : '';
};

export function registerSignInPages(app: FastifyInstance, ctx: AppContext): void {
  const gone = (reply: FastifyReply, s: Session | null = null) => sendPage(ctx, reply, 400, withNonce(() => messagePage({
    title: 'Sign-in expired',
    notice: { kind: 'error', title: 'This sign-in has expired or was already used.', text: 'Sign-ins time out after 15 minutes. Start again.' },
    link: { href: restartHref(s), text: 'Start again' },
  })), s);

  /** Renders the page of the session's current stage, with an optional notice and status. */
  async function stagePage(reply: FastifyReply, s: Session, notice?: Notice, status = 200): Promise<FastifyReply> {
    const username = s.data.username ?? '';
    switch (s.data.stage) {
      case 'username': return sendPage(ctx, reply, status, withNonce(() => usernamePage({ csrf: s.data.csrf, notice, username, appName: s.data.target?.appDisplayName })), s);
      case 'password': return sendPage(ctx, reply, status, withNonce((nonce) => passwordPage({
        csrf: s.data.csrf, username, notice, platformSso: s.data.continuation?.kind === 'psso-web-login' ? { nonce } : undefined,
      })), s);
      case 'mfa': {
        const methods = await availableMethods(ctx, await sessionUser(ctx, s));
        return sendPage(ctx, reply, status, withNonce((nonce) => mfaPage({ csrf: s.data.csrf, username, reason: s.data.reason ?? '', methods, notice, nonce })), s);
      }
      case 'enroll': {
        const totp = await beginTotpEnrolment(ctx, s);
        const tapAvailable = (await availableMethods(ctx, await sessionUser(ctx, s))).includes('tap');
        return sendPage(ctx, reply, status, withNonce((nonce) => enrollPage({
          csrf: s.data.csrf, username, reason: s.data.reason ?? '', totp, mfaSatisfied: s.data.amr.includes('mfa'), tapAvailable, notice, nonce,
        })), s);
      }
      case 'done': return redirect(reply, STAGE_PATH.done);
    }
  }

  /** Runs a page step; a refused step shows the same stage again with what happened and what to do. */
  async function step(req: FastifyRequest, reply: FastifyReply, json: boolean, fn: (s: Session) => Promise<string | object>): Promise<FastifyReply> {
    let s: Session | null = null;
    try {
      s = await pageSession(ctx, req, true);
      const out = await fn(s);
      if (typeof out !== 'string') return reply.header('cache-control', 'no-store').send(out);
      return json ? reply.header('cache-control', 'no-store').send({ next: out }) : redirect(reply, out);
    } catch (e) {
      if (e instanceof SessionGone) {
        // The page script shows error_description and follows `next`; the code is there like on every other error.
        const body = { ...errorBody(new PssoError('malformed_request', 'sign-in expired'), req.id, new Date(ctx.clock.now())), error_description: 'This sign-in has expired. Start again.', next: '/signin' };
        return json ? reply.code(400).header('cache-control', 'no-store').send(body) : gone(reply);
      }
      if (!(e instanceof PssoError)) throw e;
      if (e.extra?.retryAfterSeconds) reply.header('retry-after', String(e.extra.retryAfterSeconds));
      if (json) return reply.code(e.entry.status).send({ error_code: e.code, error_description: e.message });
      // A step may have ended the session (too many wrong codes, a lockout): say so, with the way back.
      const live = s ? await loadSession(ctx, s.handle, 'page') : null;
      if (!live) {
        return sendPage(ctx, reply, e.entry.status, withNonce(() => messagePage({ title: 'Sign-in stopped', notice: noticeFor(e), link: { href: restartHref(s), text: 'Start again' } })), s);
      }
      return stagePage(reply, live, noticeFor(e), e.entry.status);
    }
  }

  const at = (s: Session, ...stages: Session['data']['stage'][]) => {
    if (!stages.includes(s.data.stage)) throw new PssoError('malformed_request', 'this step does not belong here; continue from the current page');
  };
  /** The page of the stage the step left the session in (after a TAP without methods: enrolment, not done). */
  const next = (o: Outcome, s: Session) => (o.kind === 'done' ? STAGE_PATH[s.data.stage] : STAGE_PATH[o.kind]);

  app.get('/signin', async (req, reply) => {
    const q = req.query as Record<string, unknown>;
    // An app's OAuth request sent to the registration sign-in belongs to the OpenID Provider, which
    // checks client, redirect URI, PKCE and state; the registration sign-in would ignore them.
    if (q.client_id !== undefined || q.response_type !== undefined) {
      return redirect(reply, `/oidc/auth${req.url.slice(req.url.indexOf('?'))}`);
    }
    let redirectUri: string | undefined;
    if (q.redirect_uri !== undefined) {
      const v = typeof q.redirect_uri === 'string' ? validateRedirectUri(q.redirect_uri) : null;
      if (!v) {
        return sendPage(ctx, reply, 400, withNonce(() => messagePage({ title: 'Sign-in link not valid', notice: {
          kind: 'error', title: 'This sign-in link asks to send your token somewhere OpenPSSO does not send tokens.',
          text: 'Only the OpenPSSO extension (openpsso-extension://) and loopback addresses are allowed. Open the sign-in from the registration prompt on your Mac.',
        } })), null);
      }
      redirectUri = v;
    }
    const old = await loadSession(ctx, readCookie(req, COOKIE), 'page');
    if (old) await endSession(ctx, old);
    const org = await defaultOrganisation(ctx);
    const hint = typeof q.login_hint === 'string' && q.login_hint.length <= 256 ? q.login_hint : undefined;
    const s = await createSession(ctx, org.id, { channel: 'page', stage: 'username', ...(redirectUri ? { redirectUri } : {}), ...(hint ? { username: hint } : {}) });
    setSessionCookie(ctx, reply, s);
    return stagePage(reply, s);
  });

  for (const path of ['/signin/username', '/signin/password', '/signin/mfa', '/signin/enroll'] as const) {
    app.get(path, async (req, reply) => {
      const s = await loadSession(ctx, readCookie(req, COOKIE), 'page');
      if (!s) return gone(reply);
      if (STAGE_PATH[s.data.stage] !== path) return redirect(reply, STAGE_PATH[s.data.stage]);
      return stagePage(reply, s);
    });
  }

  app.post('/signin/username', (req, reply) => step(req, reply, false, async (s) => {
    at(s, 'username', 'password');
    const username = field(req, 'username').trim();
    if (username.length === 0 || username.length > 256) throw new PssoError('malformed_request', 'type your account name, such as name@example.com');
    Object.assign(s.data, { username, stage: 'password' });
    await saveSession(ctx, s);
    return STAGE_PATH.password;
  }));

  app.post('/signin/password', (req, reply) => step(req, reply, false, async (s) => {
    at(s, 'password');
    const password = field(req, 'password');
    if (password.length === 0 || password.length > 1024) throw new PssoError('malformed_request', 'type your password');
    return next(await advance(ctx, s, await passwordStep(ctx, s.orgId, 'page', s.data.username ?? '', password, facts(req), s.data.target)), s);
  }));

  for (const kind of ['totp', 'tap'] as const) {
    app.post(`/signin/mfa/${kind}`, (req, reply) => step(req, reply, false, async (s) => {
      const code = field(req, 'code');
      if (code.length === 0 || code.length > 64) throw new PssoError('mfa_failed', kind === 'totp' ? 'type the 6-digit code' : 'type the pass your administrator gave you');
      return next(await advance(ctx, s, await secondFactorStep(ctx, s, { kind, code }, facts(req))), s);
    }));
  }

  app.post('/signin/mfa/passkey/options', (req, reply) => step(req, reply, true, async (s) => passkeyAuthenticationOptions(ctx, s)));
  app.post('/signin/mfa/passkey', (req, reply) => step(req, reply, true, async (s) => {
    const response = (req.body as { response?: unknown } | undefined)?.response;
    if (!response || typeof response !== 'object') throw new PssoError('malformed_request', 'no passkey answer in the request');
    return next(await advance(ctx, s, await secondFactorStep(ctx, s, { kind: 'passkey', response: response as never, challenge: pendingAuthChallenge(s) }, facts(req))), s);
  }));

  app.post('/signin/enroll/totp', (req, reply) => step(req, reply, false, async (s) =>
    next(await advance(ctx, s, await confirmTotpEnrolment(ctx, s, field(req, 'code'), facts(req))), s)));
  app.post('/signin/enroll/passkey/options', (req, reply) => step(req, reply, true, async (s) => passkeyRegistrationOptions(ctx, s)));
  app.post('/signin/enroll/passkey', (req, reply) => step(req, reply, true, async (s) => {
    const response = (req.body as { response?: unknown } | undefined)?.response;
    if (!response || typeof response !== 'object') throw new PssoError('malformed_request', 'no passkey answer in the request');
    return next(await advance(ctx, s, await confirmPasskeyEnrolment(ctx, s, response as never, facts(req))), s);
  }));
  app.post('/signin/enroll/skip', (req, reply) => step(req, reply, false, async (s) => {
    at(s, 'enroll');
    if (!s.data.amr.includes('mfa') || (!s.data.result && !s.data.continuation)) throw new PssoError('mfa_enrollment_required_interactive', 'set up a method to continue');
    s.data.stage = 'done';
    await saveSession(ctx, s);
    return STAGE_PATH.done;
  }));

  app.get('/signin/done', async (req, reply) => {
    const s = await loadSession(ctx, readCookie(req, COOKIE), 'page');
    if (!s) return gone(reply);
    if (s.data.stage === 'done' && s.data.continuation) {
      // One use, like the token below: the session ends before the app gets the result.
      await endSession(ctx, s);
      clearSessionCookie(ctx, reply);
      return finishContinuation(ctx, s, req, reply);
    }
    if (s.data.stage !== 'done' || !s.data.result) return redirect(reply, STAGE_PATH[s.data.stage]);
    const r = s.data.result;
    const token = unsealForSession(ctx, s, 'token', r.sealedToken);
    // Shown once: the session ends now, so a reload or the back button cannot show the token again.
    await endSession(ctx, s);
    clearSessionCookie(ctx, reply);
    if (s.data.redirectUri) return redirect(reply, redirectWithToken(s.data.redirectUri, { token, expiresIn: r.expiresIn, amr: r.amr }));
    return sendPage(ctx, reply, 200, withNonce(() => donePage({ token, expiresIn: r.expiresIn, amr: r.amr })), null);
  });
}
