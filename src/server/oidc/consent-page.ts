// The consent page, shown only when an app asks prompt=consent (OpenID Connect Core §3.1.2.1):
// admin-registered apps otherwise get the scopes they may have without asking.

import { html } from '../routes/signin-pages/html.js';
import type { PageBody } from '../routes/signin-pages/pages.js';
import type { ApplicationRecord } from '../../storage/ports-apps.js';
import type { User } from '../../storage/ports.js';
import { allowedScopes } from './clients.js';
import { OIDC_PATH } from './provider.js';

const WORDS: Record<string, string> = {
  openid: 'Sign you in',
  offline_access: 'Stay signed in (refresh tokens)',
  email: 'Your email address',
  profile: 'Your name and account name',
  groups: 'The groups you belong to',
};

export function consentPage(o: { uid: string; app: ApplicationRecord; user: User; scopes: string }): PageBody {
  const allowed = new Set(allowedScopes(o.app));
  const asked = o.scopes.split(' ').filter((s) => allowed.has(s));
  return {
    title: `Allow ${o.app.displayName}?`,
    body: html`<h1>Allow ${o.app.displayName}?</h1>
<div class="who" title="Signed in as">${o.user.userPrincipalName}</div>
<p class="sub">${o.app.displayName} asks to:</p>
<ul>${asked.map((s) => html`<li>${WORDS[s] ?? s}</li>`)}</ul>
<form method="post" action="${OIDC_PATH}/interaction/${o.uid}/consent">
<button class="primary" type="submit" name="decision" value="allow">Allow</button>
<button type="submit" name="decision" value="deny">Don't allow</button>
</form>`,
  };
}
