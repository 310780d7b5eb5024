// The password page's script inside macOS 27's Platform SSO web view (web-login-macos27.md §10):
// feature-detects window.apple.platformSSO and, when present, hands the typed password to
// syncPassword on submit (honoured only with AllowWebLoginPasswordSync); the form then posts as usual.

import { html, SafeHtml, type SafeHtml as Safe } from './html.js';

const SOURCE = `
(function(){
  var sso=window.apple&&window.apple.platformSSO;
  var form=document.getElementById('password-form');var field=document.getElementById('password');
  if(!sso||typeof sso.syncPassword!=='function'||!form||!field)return;
  form.addEventListener('submit',function(){try{sso.syncPassword(field.value);}catch(e){}});
})();`;

export function platformSsoScript(nonce: string): Safe {
  return html`<script nonce="${nonce}">${new SafeHtml(SOURCE)}</script>`;
}
