// The UiO Weblogin dialect end to end with the virtual Mac acting as each extension generation
// (extensions.md §4), on SQLite; uio-postgres.test.ts runs the WL-N journey on PostgreSQL.

import { after, before, describe, it } from 'node:test';
import type { TestServer } from '../helpers/test-server.js';
import assert from 'node:assert/strict';
import { DEMO_PASSWORD } from '../../src/app/demo.js';
import { randomUUID } from 'node:crypto';
import { BOB, baseOf, newMac, nonce, uioServer } from './uio-helpers.js';
import { buildPssoForm, buildRefreshRequest, openPssoResponse } from '../../src/protocol/index.js';
import { wl0Journey, wlnJourney } from './uio-journey.js';

describe('UiO dialect end to end (SQLite)', () => {
  let s: TestServer;
  before(async () => { s = await uioServer(); });
  after(async () => { await s.close(); });

  it('WL-N: OpenID registration, Secure Enclave login, refresh, key request and exchange, revocation', () => wlnJourney(s));
  it('WL-N on macOS 27: psso/authurl starts OpenPSSO\'s web login for client psso, and the token exchange at psso/token completes it', async () => {
    const mac = newMac(s);
    await mac.register({ server: baseOf(s), token: s.registrationToken, user: BOB, password: DEMO_PASSWORD, method: 'password', extension: 'uio', generation: 'wln' });
    const pre = await (await fetch(`${baseOf(s)}/psso/authurl?user=${encodeURIComponent(BOB)}`)).json() as { authorizationURL: string };
    assert.equal(new URL(pre.authorizationURL).searchParams.get('client_id'), 'psso');
    const before = s.signIns.events.length;
    const r = await mac.webLogin({ user: BOB, password: DEMO_PASSWORD });
    assert.equal(r.ok, true, r.messages.join('\n'));
    const login = s.signIns.events.slice(before).find((e) => e.operation === 'login');
    assert.deepEqual([login?.method, login?.extension, login?.error], ['web_login', 'uio', undefined]);
  });

  it('WL-0: OpenID registration, Password login and refresh; its key URL fails as on a real Mac; a refresh without sub is accepted', async () => {
    const mac = await wl0Journey(s);
    // macOS's refresh requests carry no sub (extensions.md §4.7; Keycloak refuses them): sent raw, in the `request` field.
    const keys = await mac.deviceKeys();
    const cfg = (await mac.state.loginConfig())!;
    const requestId = randomUUID().toUpperCase();
    const requestNonce = String((await nonce(s, requestId)).body.nonce);
    const built = buildRefreshRequest({
      signingKey: keys.signing, signingKid: keys.signingKid, encryptionKey: keys.encryptionX963, clientId: 'psso', requestNonce,
      now: Math.floor(s.ctx.clock.now() / 1000), tokenUrl: cfg.tokenEndpointURL, refreshToken: (await mac.resolveUser(BOB)).tokens!.refreshToken,
      extraClaims: cfg.customLoginRequestValues,
    });
    assert.equal(JSON.parse(Buffer.from(built.jwt.split('.')[1]!, 'base64url').toString()).sub, undefined);
    const r = await fetch(cfg.tokenEndpointURL, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', 'client-request-id': requestId }, body: buildPssoForm(built.jwt, '1.0', 'request') });
    assert.equal(r.status, 200, await r.clone().text());
    const opened = openPssoResponse(await r.text(), keys.encryption, built.apv);
    assert.equal(typeof opened.payload.refresh_token, 'string');
    assert.equal(Number.isInteger(opened.payload.refresh_token_expires_in), true, 'lifetimes are integers');
  });
});
