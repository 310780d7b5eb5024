// The one script of the sign-in pages: WebAuthn create/get for the passkey button, posting the
// answer as JSON with the CSRF token in a header. Plain ES2017, no framework.

import { html, SafeHtml, type SafeHtml as Safe } from './html.js';

const SOURCE = `
(function(){
  var btn=document.getElementById('passkey');var status=document.getElementById('passkey-status');
  if(!btn)return;
  function show(t){status.textContent=t;}
  if(!window.PublicKeyCredential||!navigator.credentials){btn.disabled=true;show('This browser cannot use passkeys here. Use another method.');return;}
  function b64uToBuf(s){s=s.replace(/-/g,'+').replace(/_/g,'/');while(s.length%4)s+='=';var b=atob(s),a=new Uint8Array(b.length);for(var i=0;i<b.length;i++)a[i]=b.charCodeAt(i);return a.buffer;}
  function bufToB64u(buf){var a=new Uint8Array(buf),s='';for(var i=0;i<a.length;i++)s+=String.fromCharCode(a[i]);return btoa(s).replace(/\\+/g,'-').replace(/\\//g,'_').replace(/=+$/,'');}
  function post(url,body){return fetch(url,{method:'POST',credentials:'same-origin',headers:{'content-type':'application/json','x-csrf-token':btn.getAttribute('data-csrf')},body:JSON.stringify(body||{})}).then(function(r){return r.json().then(function(j){if(!r.ok)throw new Error(j.error_description||'The server refused the passkey.');return j;});});}
  btn.addEventListener('click',function(){
    btn.disabled=true;show('Waiting for your passkey...');
    post(btn.getAttribute('data-options')).then(function(o){
      o.challenge=b64uToBuf(o.challenge);
      (o.allowCredentials||[]).forEach(function(c){c.id=b64uToBuf(c.id);});
      (o.excludeCredentials||[]).forEach(function(c){c.id=b64uToBuf(c.id);});
      if(o.user){o.user.id=b64uToBuf(o.user.id);return navigator.credentials.create({publicKey:o});}
      return navigator.credentials.get({publicKey:o});
    }).then(function(c){
      var r=c.response,out={id:c.id,rawId:bufToB64u(c.rawId),type:c.type,clientExtensionResults:c.getClientExtensionResults(),response:{clientDataJSON:bufToB64u(r.clientDataJSON)}};
      if(c.authenticatorAttachment)out.authenticatorAttachment=c.authenticatorAttachment;
      if(r.attestationObject){out.response.attestationObject=bufToB64u(r.attestationObject);if(r.getTransports)out.response.transports=r.getTransports();}
      else{out.response.authenticatorData=bufToB64u(r.authenticatorData);out.response.signature=bufToB64u(r.signature);if(r.userHandle)out.response.userHandle=bufToB64u(r.userHandle);}
      return post(btn.getAttribute('data-verify'),{response:out});
    }).then(function(j){show('Verified.');window.location.assign(j.next);}).catch(function(e){btn.disabled=false;show((e&&e.name==='NotAllowedError')?'The passkey prompt was cancelled or timed out. Try again.':(e&&e.message)||'The passkey did not work.');});
  });
})();`;

export function passkeyScript(nonce: string): Safe {
  return html`<script nonce="${nonce}">${new SafeHtml(SOURCE)}</script>`;
}
