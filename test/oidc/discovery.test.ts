// The two discovery documents side by side: the OP's under /oidc lists exactly what the OpenID
// Provider supports, and the server's own stays the Platform SSO metadata a Mac reads.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

describe('OpenID Provider discovery', () => {
  let s: TestServer;
  before(async () => { s = await startTestServer(); });
  after(async () => { await s.close(); });

  it('lists exactly what is supported, under the /oidc issuer', async () => {
    const d = await (await fetch(`${s.url}/oidc/.well-known/openid-configuration`)).json() as Record<string, unknown>;
    assert.equal(d.issuer, `${s.url}/oidc`);
    assert.deepEqual(d.response_types_supported, ['code']);
    assert.deepEqual(d.grant_types_supported, ['authorization_code', 'refresh_token']);
    assert.deepEqual(d.code_challenge_methods_supported, ['S256']);
    assert.deepEqual(d.token_endpoint_auth_methods_supported, ['client_secret_basic', 'client_secret_post', 'private_key_jwt', 'none']);
    assert.deepEqual(d.id_token_signing_alg_values_supported, ['ES256']);
    assert.deepEqual(d.scopes_supported, ['openid', 'offline_access', 'email', 'profile', 'groups']);
    assert.deepEqual(d.subject_types_supported, ['public']);
    assert.deepEqual(d.acr_values_supported, ['urn:openpsso:acr:pwd', 'urn:openpsso:acr:mfa']);
    assert.ok((d.claims_supported as string[]).includes('amr'));
    for (const k of ['userinfo_endpoint', 'introspection_endpoint', 'revocation_endpoint', 'end_session_endpoint']) assert.match(String(d[k]), new RegExp(`^${s.url}/oidc/`), k);
    for (const k of ['registration_endpoint', 'pushed_authorization_request_endpoint', 'dpop_signing_alg_values_supported', 'device_authorization_endpoint']) assert.equal(d[k], undefined, k);
    // The OP's JWKS is the server's.
    const op = await (await fetch(String(d.jwks_uri))).json();
    const server = await (await fetch(`${s.url}/.well-known/jwks.json`)).json();
    assert.deepEqual(op, server);
  });

  it('names the configured issuer\'s origin whatever Host or X-Forwarded-* a client sends', async () => {
    const { request } = await import('node:http');
    const port = new URL(s.url).port;
    const body = await new Promise<string>((resolve, reject) => {
      const r = request({ host: '127.0.0.1', port, path: '/oidc/.well-known/openid-configuration', headers: { host: 'evil.example', 'x-forwarded-host': 'evil.example', 'x-forwarded-proto': 'https' } }, (res) => {
        let t = '';
        res.on('data', (c) => { t += c; });
        res.on('end', () => resolve(t));
      });
      r.on('error', reject);
      r.end();
    });
    const d = JSON.parse(body) as Record<string, unknown>;
    for (const k of ['authorization_endpoint', 'token_endpoint', 'jwks_uri', 'userinfo_endpoint', 'end_session_endpoint']) {
      assert.match(String(d[k]), new RegExp(`^${s.url}/oidc/`), k);
    }
  });

  it('leaves the Platform SSO discovery document as it was', async () => {
    const d = await (await fetch(`${s.url}/.well-known/openid-configuration`)).json() as Record<string, unknown>;
    assert.equal(d.issuer, s.url);
    assert.deepEqual(d.response_types_supported, ['id_token']);
    assert.equal(d.token_endpoint, `${s.url}/psso/token`);
  });
});
