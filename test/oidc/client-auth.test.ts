// Each client authentication method an app can register, redeeming a real code with openid-client:
// client_secret_post, private_key_jwt (the app's registered public key) and none (a public native
// app, PKCE only); and an assertion signed by a key the app did not register is invalid_client.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as oidc from 'openid-client';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { DEMO_PASSWORD } from '../../src/app/demo.js';
import { ALICE } from '../interactive/helpers.js';
import { HttpBrowser, authorizeUrl, registerApp, walk } from './helpers.js';
import type { ApplicationRecord } from '../../src/storage/ports-apps.js';

describe('OpenID Provider client authentication methods', () => {
  let s: TestServer;
  const browser = new HttpBrowser();
  before(async () => { s = await startTestServer(); });
  after(async () => { await s.close(); });

  async function signInAndRedeem(app: ApplicationRecord, auth: oidc.ClientAuth, redirect: string): Promise<oidc.TokenEndpointResponse & oidc.TokenEndpointResponseHelpers> {
    const config = await oidc.discovery(new URL(`${s.url}/oidc`), app.appId, undefined, auth, { execute: [oidc.allowInsecureRequests] });
    const a = await authorizeUrl(config, { scope: 'openid profile' }, redirect);
    const cb = await walk(browser, a.url, { username: ALICE, password: DEMO_PASSWORD });
    return oidc.authorizationCodeGrant(config, cb, { pkceCodeVerifier: a.verifier, expectedState: a.state, expectedNonce: a.nonce });
  }

  it('client_secret_post', async () => {
    const { app, secret } = await registerApp(s, { displayName: 'Post', tokenEndpointAuthMethod: 'client_secret_post' });
    const t = await signInAndRedeem(app, oidc.ClientSecretPost(secret!), 'http://127.0.0.1/cb');
    assert.equal(t.claims()!.aud, app.appId);
  });

  it('private_key_jwt with the registered key; another key is invalid_client', async () => {
    const ec = () => crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify']) as Promise<CryptoKeyPair>;
    const { privateKey, publicKey } = await ec();
    const jwk = { ...(await crypto.subtle.exportKey('jwk', publicKey)), kid: 'app-key-1', alg: 'ES256', use: 'sig' } as Record<string, unknown>;
    delete jwk.key_ops;
    delete jwk.ext;
    const { app } = await registerApp(s, { displayName: 'Signed', jwks: { keys: [jwk] }, tokenEndpointAuthMethod: 'private_key_jwt' });
    const t = await signInAndRedeem(app, oidc.PrivateKeyJwt({ key: privateKey, kid: 'app-key-1' }), 'http://127.0.0.1/cb');
    assert.equal(t.claims()!.aud, app.appId);
    const stranger = (await ec()).privateKey;
    await assert.rejects(signInAndRedeem(app, oidc.PrivateKeyJwt({ key: stranger, kid: 'app-key-1' }), 'http://127.0.0.1/cb'),
      (e: Error & { error?: string }) => e.error === 'invalid_client');
  });

  it('none: a public native app with a custom scheme, PKCE only', async () => {
    const { app, secret } = await registerApp(s, { displayName: 'Native', clientType: 'public', redirectUris: ['com.example.native:/cb'], postLogoutRedirectUris: [] });
    assert.equal(secret, undefined);
    const t = await signInAndRedeem(app, oidc.None(), 'com.example.native:/cb');
    assert.equal(t.claims()!.aud, app.appId);
    assert.ok(t.refresh_token);
  });
});
