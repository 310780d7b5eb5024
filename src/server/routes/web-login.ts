// macOS 27 web-based login over HTTP (web-login-macos27.md §3-§5; docs/web-login.md): the
// pre-authentication GET, the authorize endpoint (POST with the device-signed request object, GET in
// static mode) that starts OpenPSSO's sign-in pages, and the finisher that ends them in the callback.

import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../app/context.js';
import { PssoError } from '../../errors/psso-error.js';
import { formatCode } from '../../errors/catalogue.js';
import { PLATFORM_SSO_APP_ID, appDisplayName } from '../../policy/app-ids.js';
import {
  WEB_LOGIN_CONTINUATION, checkSignedAuthorization, checkStaticAuthorization, continuationData, mintWebLoginCode,
  preauthenticate, type WebLoginAuthorization, type WebLoginContinuationData,
} from '../../app/web-login.js';
import { callbackLocation } from '../../protocol/web-login.js';
import { registerFinisher, sendMessagePage, startPageSignIn } from './signin-pages/continuations.js';
import { noticeFor } from './signin-pages/page-kit.js';
import { escapeHtml } from './signin-pages/html.js';

const RESTART_PATH = '/psso/web-login/restart';

/** The web view shows this; there is no documented error callback, so a refusal is a page (§5 "Denial"). */
function refusalPage(ctx: AppContext, reply: FastifyReply, e: PssoError): FastifyReply {
  const n = noticeFor(e);
  // The code lets a helpdesk look the refusal up (docs/errors.md); the header lets scripts read it.
  reply.header('x-openpsso-error-code', formatCode(e.entry));
  return sendMessagePage(ctx, reply, e.entry.status, 'Sign-in cannot start', { ...n, text: `${n.text ?? ''} (Error code ${formatCode(e.entry)}.)`.trim() }, { href: RESTART_PATH, text: 'What to do now' });
}

/** The end of the web sign-in: 302 to the callback, with a meta refresh body as in Apple's example. */
function sendCallback(reply: FastifyReply, location: string): FastifyReply {
  const href = escapeHtml(location);
  return reply.code(302)
    .header('location', location)
    .header('cache-control', 'no-store')
    .header('referrer-policy', 'no-referrer')
    .header('content-security-policy', "default-src 'none'; base-uri 'none'; frame-ancestors 'none'")
    .type('text/html; charset=utf-8')
    .send(`<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><meta http-equiv="refresh" content="0;url=${href}"><title>Signed in</title></head>`
      + `<body><p>Signed in. Returning to your Mac…</p></body></html>`);
}

export function webLoginRoutes(ctx: AppContext): FastifyPluginAsync {
  registerFinisher(WEB_LOGIN_CONTINUATION, async (c, f) => {
    const d = f.session.data.continuation!.data as WebLoginContinuationData;
    const code = await mintWebLoginCode(c, f.user, f.amr, d);
    return sendCallback(f.reply, callbackLocation(code, d.state));
  });

  const start = async (req: FastifyRequest, reply: FastifyReply, check: () => Promise<WebLoginAuthorization>): Promise<FastifyReply> => {
    let a: WebLoginAuthorization;
    try {
      a = await check();
    } catch (e) {
      if (!(e instanceof PssoError)) throw e;
      // A forged or replayed authorization request is worth an admin's eye: one row, like any refused sign-in.
      await ctx.signIns.record({
        at: ctx.clock.now(), correlationId: req.id, operation: 'interactive_signin', interactive: true, appId: PLATFORM_SSO_APP_ID,
        ipAddress: req.ip, userAgent: req.headers['user-agent'], error: e, details: { step: 'web_login_authorize' },
      });
      return refusalPage(ctx, reply, e);
    }
    return startPageSignIn(ctx, req, reply, {
      orgId: a.orgId,
      // The Mac itself is the app signed in to: policies for Platform SSO govern this sign-in, with
      // the Mac's authorization scope as the user action and its device proof for device conditions.
      target: {
        appId: PLATFORM_SSO_APP_ID, appDisplayName: appDisplayName(PLATFORM_SSO_APP_ID),
        ...(a.userAction ? { userAction: a.userAction } : {}), ...(a.device ? { deviceId: a.device.id } : {}),
      },
      continuation: {
        kind: WEB_LOGIN_CONTINUATION, data: continuationData(a), restartUrl: RESTART_PATH,
        // CSP applies form-action to a form post's redirects, and the last one leaves for the Mac.
        formActionSources: ['com.apple.platformsso:'],
      },
      loginHint: a.loginHint,
      lockUsername: a.loginHint !== undefined,
    });
  };

  return async (app) => {
    app.get('/psso/web-login/preauth', async (req, reply) => {
      reply.header('cache-control', 'no-store, no-cache').type('application/json');
      return preauthenticate(ctx, req.query as Record<string, unknown>);
    });

    app.post('/psso/web-login/authorize', async (req, reply) => {
      const ct = String(req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
      const form = ct === 'application/x-www-form-urlencoded' ? (req.body ?? {}) as Record<string, unknown> : {};
      return start(req, reply, () => checkSignedAuthorization(ctx, form.request, req.query as Record<string, unknown>));
    });

    app.get('/psso/web-login/authorize', async (req, reply) =>
      start(req, reply, () => checkStaticAuthorization(ctx, req.query as Record<string, unknown>)));

    // A web login cannot be restarted from the page: its state is single use and only the Mac mints a new one.
    app.get(RESTART_PATH, async (_req, reply) => sendMessagePage(ctx, reply, 200, 'Start again on your Mac', {
      kind: 'info', title: 'This sign-in has ended.', text: 'Cancel the sign-in window on your Mac and start the login again; the Mac opens a fresh sign-in.',
    }));
  };
}
