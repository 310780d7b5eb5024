// The pages oidc-provider itself renders (an error it cannot send back to the app, the RP-initiated
// logout confirmation and its result), in the sign-in pages' layout and with their security headers.

import type { FastifyReply } from 'fastify';
import type { KoaContextWithOIDC } from 'oidc-provider';
import type { AppContext } from '../../app/context.js';
import { formatCode } from '../../errors/catalogue.js';
import { contentSecurityPolicy, html, layout, newNonce, SafeHtml } from '../routes/signin-pages/html.js';
import { messagePage, type PageBody } from '../routes/signin-pages/pages.js';
import { formActionSource } from '../../app/interactive/redirect.js';
import { entryForOAuthError } from './op-errors.js';

/** A page's security headers and HTML: the sign-in pages' layout, with the form targets its CSP allows. */
function pageParts(ctx: AppContext, page: PageBody, nonce: string, formTargets: string[]): { headers: Record<string, string>; body: string } {
  return {
    headers: {
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store',
      'content-security-policy': contentSecurityPolicy(nonce, formTargets),
      'x-frame-options': 'DENY',
      'referrer-policy': 'no-referrer',
    },
    body: layout({ title: page.title, nonce, host: new URL(ctx.config.issuer).host, body: page.body, script: page.script }),
  };
}

/** Sets the body and headers of a page on oidc-provider's Koa context. */
export function sendKoaPage(ctx: AppContext, kctx: KoaContextWithOIDC, page: PageBody, nonce: string, formTargets: string[] = []): void {
  const p = pageParts(ctx, page, nonce, formTargets);
  for (const [k, v] of Object.entries(p.headers)) kctx.set(k, v);
  kctx.body = p.body;
}

/** Sends a page from a Fastify route (the consent page, whose form's answer redirects to the app). */
export function sendOpPage(ctx: AppContext, reply: FastifyReply, status: number, page: PageBody, nonce: string, formTargets: string[]): FastifyReply {
  const p = pageParts(ctx, page, nonce, formTargets);
  return reply.code(status).headers(p.headers).send(p.body);
}

/** An error that cannot go back to the app (unknown client, unregistered redirect_uri): shown, never redirected. */
export function renderErrorPage(ctx: AppContext) {
  return async (kctx: KoaContextWithOIDC, out: { error: string; error_description?: string }, _error: Error): Promise<void> => {
    const entry = entryForOAuthError(out.error, out.error_description);
    const page = messagePage({
      title: 'Sign-in to the app failed',
      notice: { kind: 'error', title: `${entry.message} (${formatCode(entry)})`, text: `${out.error_description ?? out.error}. ${entry.remediation}` },
    });
    sendKoaPage(ctx, kctx, page, newNonce());
  };
}

const origin = (uri: unknown): string[] => {
  if (typeof uri !== 'string') return [];
  try { return [formActionSource(uri)]; } catch { return []; }
};

/** RP-initiated logout: oidc-provider's form (with its xsrf field) and two buttons that submit it. */
export function logoutPage(ctx: AppContext) {
  return async (kctx: KoaContextWithOIDC, form: string): Promise<void> => {
    const client = kctx.oidc.client;
    const page: PageBody = {
      title: 'Sign out',
      body: html`<h1>Sign out?</h1>
<p class="sub">${client ? `${client.clientName ?? client.clientId} asks to sign you out of OpenPSSO.` : 'Sign out of OpenPSSO on this browser.'}</p>
${new SafeHtml(form)}
<button class="primary" autofocus type="submit" form="op.logoutForm" value="yes" name="logout">Yes, sign me out</button>
<button type="submit" form="op.logoutForm">No, stay signed in</button>`,
    };
    // The form's answer redirects to the app's post_logout_redirect_uri, which form-action must allow.
    sendKoaPage(ctx, kctx, page, newNonce(), origin(kctx.oidc.params?.post_logout_redirect_uri));
  };
}

export function loggedOutPage(ctx: AppContext) {
  return async (kctx: KoaContextWithOIDC): Promise<void> => {
    const client = kctx.oidc.client;
    sendKoaPage(ctx, kctx, messagePage({
      title: 'Signed out',
      notice: { kind: 'ok', title: 'You are signed out.', text: client ? `You signed out of ${client.clientName ?? client.clientId}.` : 'You can close this window.' },
    }), newNonce());
  };
}
