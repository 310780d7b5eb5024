// The web login wire pieces, the Mac's builders checked against the server's parsers: request
// object, callback URL, token-exchange login request, authorization scopes.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  CALLBACK_URL, GRANT_TOKEN_EXCHANGE, SUBJECT_TOKEN_TYPE_CODE_RESPONSE, TYP_AUTHORIZATION_REQUEST, authScopeOf, buildAuthorizationRequestObject,
  buildLoginRequest, callbackLocation, generateP256, isPlatformSsoCallback, kidFromX963, mergeScopes,
  parseCallbackUrl, parseCompactJws, parsePssoForm, buildPssoForm, verifyAuthorizationRequestObject, verifyPssoRequest,
} from '../../src/protocol/index.js';
import { PssoError } from '../../src/errors/psso-error.js';

const code = (name: string) => (e: unknown) => e instanceof PssoError && e.entry.name === name;

describe('web login protocol', () => {
  const device = generateP256();
  const kid = kidFromX963(device.x963);
  const ar = { client_id: 'client-1', nonce: 'N-1', redirect_uri: CALLBACK_URL, response_type: 'code', scope: 'openid profile email', state: 'S-1' };

  it('a request object the Mac signs verifies with the device key, with the login scope merged in', () => {
    const jwt = buildAuthorizationRequestObject({ signingKey: device.privateKey, signingKid: kid, x5c: [Buffer.from('cert')], request: ar, loginScope: 'openid offline_access urn:apple:platformsso urn:apple:platformsso:auth:unlock' });
    const p = parseCompactJws(jwt);
    assert.deepEqual([p.header.typ, p.header.alg, p.header.kid, p.header.x5c], [TYP_AUTHORIZATION_REQUEST, 'ES256', kid, [Buffer.from('cert').toString('base64')]]);
    const c = verifyAuthorizationRequestObject(p, device.publicKey);
    assert.equal(c.scope, 'openid profile email offline_access urn:apple:platformsso urn:apple:platformsso:auth:unlock');
    assert.equal(authScopeOf(c.scope), 'urn:apple:platformsso:auth:unlock');
    assert.throws(() => verifyAuthorizationRequestObject(p, generateP256().publicKey), code('bad_signature'));
    const noCode = parseCompactJws(buildAuthorizationRequestObject({ signingKey: device.privateKey, signingKid: kid, x5c: [], request: { ...ar, response_type: 'token' } }));
    assert.throws(() => verifyAuthorizationRequestObject(noCode, device.publicKey), code('web_login_request_invalid'));
  });

  it('the callback scheme is compared without case; anything else is not the callback', () => {
    for (const ok of [CALLBACK_URL, 'com.apple.PlatformSSO://callback', 'COM.APPLE.PLATFORMSSO://CALLBACK']) assert.equal(isPlatformSsoCallback(ok), true, ok);
    for (const bad of ['https://callback', 'com.apple.platformsso://evil', 'com.apple.platformsso://callback/x', 'com.apple.platformsso://u@callback', 'nonsense']) assert.equal(isPlatformSsoCallback(bad), false, bad);
    const loc = callbackLocation('c o&de', 'st=ate');
    assert.deepEqual(parseCallbackUrl(loc), { code: 'c o&de', state: 'st=ate' });
    assert.deepEqual(parseCallbackUrl(loc.replace('platformsso', 'PlatformSSO')), { code: 'c o&de', state: 'st=ate' });
    assert.throws(() => parseCallbackUrl('com.apple.platformsso://callback?code=a&code=b&state=s'), code('subject_token_invalid'));
    assert.throws(() => parseCallbackUrl('https://idp/callback?code=a&state=s'), code('subject_token_invalid'));
  });

  it('a token-exchange login request the Mac builds is read by the server as login_web', () => {
    const enc = generateP256();
    const cb = callbackLocation('wlc.x', 'S-1');
    const b = buildLoginRequest({
      signingKey: device.privateKey, signingKid: kid, encryptionKey: enc.x963, clientId: 'client-1', requestNonce: 'RN', now: 1_800_000_000,
      tokenUrl: 'https://idp/psso/token', username: 'alice@example.com', subjectToken: cb, scope: 'openid offline_access urn:apple:platformsso urn:apple:platformsso:auth:auth-prompt',
    });
    const parsed = parsePssoForm(Object.fromEntries(new URLSearchParams(buildPssoForm(b.jwt, '1.0'))));
    assert.equal(parsed.jws.claims.grant_type, GRANT_TOKEN_EXCHANGE);
    assert.equal(parsed.jws.claims.subject_token_type, SUBJECT_TOKEN_TYPE_CODE_RESPONSE);
    assert.equal(parsed.jws.claims.password, undefined);
    assert.equal(parsed.jws.claims.assertion, undefined);
    const opts = { now: 1_800_000_000, clientId: 'client-1', audience: 'https://idp/psso/token', skewSeconds: 60, maxAgeSeconds: 300, maxLifetimeSeconds: 600 };
    const v = verifyPssoRequest(parsed.jws, { signingKey: device.publicKey, encryptionKey: enc.x963 }, opts);
    assert.equal(v.kind, 'login_web');
    assert.equal(v.subjectToken, cb);
    assert.equal(authScopeOf(v.scope), 'urn:apple:platformsso:auth:auth-prompt');
    const wrongType = buildLoginRequest({
      signingKey: device.privateKey, signingKid: kid, encryptionKey: enc.x963, clientId: 'client-1', requestNonce: 'RN', now: 1_800_000_000,
      tokenUrl: 'https://idp/psso/token', username: 'alice@example.com', subjectToken: cb, extraClaims: { subject_token_type: 'urn:ietf:params:oauth:token-type:jwt' },
    });
    assert.throws(() => verifyPssoRequest(parseCompactJws(wrongType.jwt), { signingKey: device.publicKey, encryptionKey: enc.x963 }, opts), code('subject_token_invalid'));
  });

  it('authorization scopes: the first auth: value, unknown extras ignored; merges deduplicate', () => {
    assert.equal(authScopeOf('openid urn:apple:platformsso urn:apple:platformsso:auth:elevation custom'), 'urn:apple:platformsso:auth:elevation');
    assert.equal(authScopeOf('openid urn:apple:platformsso'), undefined);
    assert.equal(authScopeOf('urn:apple:platformsso:auth:'), undefined);
    assert.equal(mergeScopes('openid  profile', 'openid offline_access', undefined), 'openid profile offline_access');
  });
});
