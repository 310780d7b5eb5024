// HTML building blocks for the sign-in pages: an escaping template tag, the page layout with its
// stylesheet, and the security headers (CSP with a per-response nonce) every page is sent with.

import { randomBytes } from 'node:crypto';

/** Markup that is already safe; everything else interpolated into `html` is escaped. */
export class SafeHtml {
  constructor(readonly value: string) {}
  toString(): string { return this.value; }
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;', '`': '&#96;' };

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"'`]/g, (c) => ESCAPES[c]!);
}

function render(v: unknown): string {
  if (v instanceof SafeHtml) return v.value;
  if (Array.isArray(v)) return v.map(render).join('');
  if (v === null || v === undefined || v === false) return '';
  return escapeHtml(String(v));
}

/** Tagged template: `html\`<p>${name}</p>\`` escapes name; nested html`` fragments pass through. */
export function html(strings: TemplateStringsArray, ...values: unknown[]): SafeHtml {
  let out = strings[0]!;
  for (let i = 0; i < values.length; i++) out += render(values[i]) + strings[i + 1]!;
  return new SafeHtml(out);
}

export function newNonce(): string {
  return randomBytes(16).toString('base64');
}

/**
 * Nothing loads from elsewhere; the one stylesheet and the WebAuthn script carry the nonce. Forms
 * post to this server only, plus the extension's redirect target, which the last redirect reaches.
 */
export function contentSecurityPolicy(nonce: string, formTargets: string[] = []): string {
  return [
    "default-src 'none'",
    `style-src 'nonce-${nonce}'`,
    `script-src 'nonce-${nonce}'`,
    "img-src 'self' data:",
    "connect-src 'self'",
    `form-action 'self'${formTargets.map((t) => ` ${t}`).join('')}`,
    "base-uri 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

const STYLE = `
:root{color-scheme:light dark;--bg:#f3f4f6;--card:#fff;--text:#111827;--muted:#4b5563;--line:#d1d5db;--accent:#1d4ed8;--accent-text:#fff;--err-bg:#fef2f2;--err:#991b1b;--info-bg:#eff6ff;--info:#1e3a8a;--ok-bg:#ecfdf5;--ok:#065f46}
@media (prefers-color-scheme:dark){:root{--bg:#0b1120;--card:#111827;--text:#f3f4f6;--muted:#9ca3af;--line:#374151;--accent:#3b82f6;--err-bg:#3f1d1d;--err:#fecaca;--info-bg:#172554;--info:#bfdbfe;--ok-bg:#052e2b;--ok:#a7f3d0}}
*{box-sizing:border-box}
body{margin:0;min-height:100vh;display:flex;align-items:center;justify-content:center;background:var(--bg);color:var(--text);font:15px/1.5 -apple-system,BlinkMacSystemFont,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
main{width:100%;max-width:420px;margin:24px;background:var(--card);border:1px solid var(--line);border-radius:14px;padding:32px 32px 28px;box-shadow:0 10px 30px rgba(0,0,0,.06)}
.brand{display:flex;align-items:center;gap:10px;margin-bottom:22px;color:var(--muted);font-size:13px}
.logo{width:28px;height:28px;border-radius:8px;background:var(--accent);color:var(--accent-text);display:flex;align-items:center;justify-content:center;font-weight:700;font-size:14px}
h1{font-size:22px;line-height:1.3;margin:0 0 6px}
.sub{color:var(--muted);margin:0 0 20px}
.who{display:inline-block;padding:3px 10px;border:1px solid var(--line);border-radius:999px;font-size:13px;margin-bottom:18px;word-break:break-all}
label{display:block;font-weight:600;font-size:13px;margin:0 0 6px}
input[type=text],input[type=password]{width:100%;padding:10px 12px;border:1px solid var(--line);border-radius:8px;font-size:16px;background:transparent;color:var(--text)}
input:focus{outline:2px solid var(--accent);outline-offset:1px}
input.code{letter-spacing:.3em;font-variant-numeric:tabular-nums}
button{width:100%;margin-top:14px;padding:10px 14px;border:0;border-radius:8px;background:var(--accent);color:var(--accent-text);font-size:15px;font-weight:600;cursor:pointer}
button.secondary{background:transparent;color:var(--accent);border:1px solid var(--line)}
.alert{padding:10px 12px;border-radius:8px;margin:0 0 16px;font-size:14px}
.alert.error{background:var(--err-bg);color:var(--err)}
.alert.info{background:var(--info-bg);color:var(--info)}
.alert.ok{background:var(--ok-bg);color:var(--ok)}
.alert strong{display:block;margin-bottom:2px}
section{border-top:1px solid var(--line);padding-top:18px;margin-top:20px}
section:first-of-type{border-top:0;padding-top:0;margin-top:0}
h2{font-size:15px;margin:0 0 8px}
.hint{color:var(--muted);font-size:13px;margin:2px 0 12px}
.hint:last-child{margin-bottom:0}
.aside{margin-top:22px}
.hint+button{margin-top:2px}
code,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:13px}
.secret{display:block;padding:10px 12px;border:1px dashed var(--line);border-radius:8px;word-break:break-all;margin:6px 0 10px;user-select:all}
ol{padding-left:20px;margin:0 0 12px}
footer{margin-top:24px;font-size:12px;color:var(--muted);display:flex;justify-content:space-between;gap:12px}
a{color:var(--accent)}
`;

export interface LayoutOptions {
  title: string;
  nonce: string;
  host: string;
  body: SafeHtml;
  script?: SafeHtml | undefined;
  /** Where "Start over" goes: /signin with the same redirect_uri. */
  restartHref?: string;
  /** What the sign-in is for, in the footer; default: device registration. */
  footer?: string;
}

export function layout(o: LayoutOptions): string {
  return `<!doctype html>\n${html`<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${o.title} · OpenPSSO</title>
<style nonce="${o.nonce}">${new SafeHtml(STYLE)}</style></head>
<body><main>
<div class="brand"><div class="logo" aria-hidden="true">O</div><span>OpenPSSO · ${o.host}</span></div>
${o.body}
<footer><span>${o.footer ?? 'Sign-in for device registration'}</span><a href="${o.restartHref ?? '/signin'}">Start over</a></footer>
</main>${o.script ?? ''}</body></html>`.value}`;
}
