// The sign-in pages' bodies: username, password, second factor, enrolment, done and message pages.

import { html, type SafeHtml } from './html.js';
import { passkeyScript } from './passkey-script.js';
import { platformSsoScript } from './platform-sso-script.js';
import { METHOD_LABEL } from '../../../app/interactive/messages.js';
import type { MethodKind } from '../../../app/interactive/session.js';

export interface PageBody { title: string; body: SafeHtml; script?: SafeHtml }

/** An error or notice box: the headline says what happened, the text what to do. */
export interface Notice { kind: 'error' | 'info' | 'ok'; title: string; text?: string | undefined }

const notice = (n: Notice | undefined) => n
  ? html`<div class="alert ${n.kind}" role="${n.kind === 'error' ? 'alert' : 'status'}"><strong>${n.title}</strong>${n.text ?? ''}</div>`
  : '';

const csrfField = (csrf: string) => html`<input type="hidden" name="csrf" value="${csrf}">`;
const who = (username: string) => html`<div class="who" title="Signed in as">${username}</div>`;

export function usernamePage(o: { csrf: string; notice?: Notice | undefined; username?: string | undefined; appName?: string | undefined }): PageBody {
  return {
    title: 'Sign in',
    body: html`<h1>Sign in</h1><p class="sub">${o.appName ? html`Use your organisation account to continue to ${o.appName}.` : 'Use your organisation account to register this Mac.'}</p>${notice(o.notice)}
<form method="post" action="/signin/username">${csrfField(o.csrf)}
<label for="username">Account</label>
<input id="username" name="username" type="text" autocomplete="username" autocapitalize="off" spellcheck="false" required autofocus placeholder="name@example.com" value="${o.username ?? ''}">
<button type="submit">Next</button></form>`,
  };
}

/** `platformSso`: the page runs in the Mac's Platform SSO web view (web login), so it offers password sync. */
export function passwordPage(o: { csrf: string; username: string; notice?: Notice | undefined; platformSso?: { nonce: string } | undefined }): PageBody {
  return {
    title: 'Enter password',
    ...(o.platformSso ? { script: platformSsoScript(o.platformSso.nonce) } : {}),
    body: html`<h1>Enter your password</h1>${who(o.username)}${notice(o.notice)}
<form method="post" action="/signin/password" id="password-form">${csrfField(o.csrf)}
<input type="text" name="username_echo" value="${o.username}" autocomplete="username" hidden>
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required autofocus>
<button type="submit">Sign in</button></form>`,
  };
}

function totpForm(csrf: string, action: string, button: string): SafeHtml {
  return html`<form method="post" action="${action}">${csrfField(csrf)}
<label for="code">Code</label>
<input id="code" class="code" name="code" type="text" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9 ]{6,7}" maxlength="7" required autofocus placeholder="123456">
<button type="submit">${button}</button></form>`;
}

function tapForm(csrf: string, action: string, primary: boolean): SafeHtml {
  return html`<form method="post" action="${action}">${csrfField(csrf)}
<label for="tap">Pass</label>
<input id="tap" class="mono" name="code" type="text" autocomplete="off" autocapitalize="characters" spellcheck="false" required placeholder="XXXX-XXXX-XXXX">
<button type="submit" class="${primary ? '' : 'secondary'}">Use pass</button></form>`;
}

export function mfaPage(o: { csrf: string; username: string; reason: string; methods: MethodKind[]; notice?: Notice | undefined; nonce: string }): PageBody {
  const sections: SafeHtml[] = [];
  if (o.methods.includes('totp')) {
    sections.push(html`<section><h2>Authenticator app</h2><p class="hint">Open your authenticator app and type the 6-digit code for this account.</p>${totpForm(o.csrf, '/signin/mfa/totp', 'Verify')}</section>`);
  }
  if (o.methods.includes('passkey')) {
    sections.push(html`<section><h2>Passkey</h2><p class="hint">Use the passkey you set up for this account.</p>
<button type="button" id="passkey" class="${o.methods.includes('totp') ? 'secondary' : ''}" data-csrf="${o.csrf}" data-options="/signin/mfa/passkey/options" data-verify="/signin/mfa/passkey">Use a passkey</button>
<p class="hint" id="passkey-status" role="status"></p></section>`);
  }
  if (o.methods.includes('tap')) {
    sections.push(html`<section><h2>Temporary access pass</h2><p class="hint">Your administrator gave you a pass for this.</p>${tapForm(o.csrf, '/signin/mfa/tap', o.methods.length === 1)}</section>`);
  }
  return {
    title: 'Verify it is you',
    body: html`<h1>Verify it's you</h1>${who(o.username)}
<div class="alert info" role="status"><strong>A second step is required</strong>Why: ${o.reason}.</div>${notice(o.notice)}${sections}
<p class="hint aside">Lost your phone or passkey? Your administrator can reset your methods or give you a temporary access pass.</p>`,
    ...(o.methods.includes('passkey') ? { script: passkeyScript(o.nonce) } : {}),
  };
}

export interface EnrollPageOptions {
  csrf: string;
  username: string;
  reason: string;
  totp: { secret: string; otpauthUri: string; issuer: string };
  /** MFA is already done (a temporary access pass): setting up a method is offered, not forced. */
  mfaSatisfied: boolean;
  tapAvailable: boolean;
  notice?: Notice | undefined;
  nonce: string;
}

const grouped = (secret: string) => secret.replace(/(.{4})(?=.)/g, '$1 ');

export function enrollPage(o: EnrollPageOptions): PageBody {
  const intro = o.mfaSatisfied
    ? html`<div class="alert ok" role="status"><strong>You are verified</strong>Set up a sign-in method now, so you will not need a temporary access pass next time.</div>`
    : html`<div class="alert info" role="status"><strong>Set up a second sign-in method</strong>Why: ${o.reason}. Your account has no method yet, so set one up now.</div>`;
  return {
    title: 'Set up a sign-in method',
    body: html`<h1>Set up a sign-in method</h1>${who(o.username)}${intro}${notice(o.notice)}
<section><h2>Authenticator app</h2>
<ol><li>In your authenticator app, add an account and choose to enter a setup key.</li>
<li>Enter this key (time based, 6 digits):</li></ol>
<code class="secret" id="totp-secret">${grouped(o.totp.secret)}</code>
<p class="hint">Or open this setup link on the device with the app:</p>
<code class="secret" id="totp-uri">${o.totp.otpauthUri}</code>
<p class="hint">Then type the code the app shows.</p>
${totpForm(o.csrf, '/signin/enroll/totp', 'Confirm and continue')}</section>
<section><h2>Passkey</h2><p class="hint">Use Touch ID, a security key or a phone.</p>
<button type="button" id="passkey" class="secondary" data-csrf="${o.csrf}" data-options="/signin/enroll/passkey/options" data-verify="/signin/enroll/passkey">Create a passkey</button>
<p class="hint" id="passkey-status" role="status"></p></section>
${!o.mfaSatisfied && o.tapAvailable ? html`<section><h2>Temporary access pass</h2><p class="hint">If your administrator gave you a pass, use it first.</p>${tapForm(o.csrf, '/signin/mfa/tap', false)}</section>` : ''}
${o.mfaSatisfied ? html`<section><form method="post" action="/signin/enroll/skip">${csrfField(o.csrf)}<button type="submit" class="secondary">Continue without setting up</button></form></section>` : ''}`,
    script: passkeyScript(o.nonce),
  };
}

export function donePage(o: { token: string; expiresIn: number; amr: string[] }): PageBody {
  return {
    title: 'Signed in',
    body: html`<h1>You're signed in</h1>
<div class="alert ok" role="status"><strong>Sign-in complete</strong>Verified with: ${o.amr.join(', ')}.</div>
<p class="sub">Give this registration token to the device registration. It is valid for ${Math.round(o.expiresIn / 60)} minutes and is not shown again.</p>
<code class="secret" id="access-token">${o.token}</code>`,
  };
}

export function messagePage(o: { title: string; notice: Notice; link?: { href: string; text: string } }): PageBody {
  return {
    title: o.title,
    body: html`<h1>${o.title}</h1>${notice(o.notice)}${o.link ? html`<p><a href="${o.link.href}">${o.link.text}</a></p>` : ''}`,
  };
}

export const methodList = (methods: MethodKind[]): string => methods.map((m) => METHOD_LABEL[m]).join(', ');
