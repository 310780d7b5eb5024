// The session proof's bad-input catalogue on the wire: each bad Platform-SSO-Authorization header on a
// real authorize request to the OpenID Provider gets a refusal page with its code and a sign-in row
// naming the app, and nothing is stored (no nonce used, no provider session, interaction or code).

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { newKey } from '../helpers/raw-device.js';
import { dbSnapshot } from '../helpers/db-snapshot.js';
import { proofFrom, registeredMac, type Mac } from './helpers.js';
import { registerApp } from '../oidc/helpers.js';
import { ManualClock } from '../../src/app/clock.js';
import { revokeDevice } from '../../src/app/directory.js';
import { buildSsoProof } from '../../src/protocol/sso-proof.js';
import type { ApplicationRecord } from '../../src/storage/ports-apps.js';

const ALICE = 'alice@demo.openpsso.test';
const BOB = 'bob@demo.openpsso.test';
const REDIRECT = 'http://127.0.0.1:9/callback';

describe('session proof bad-input catalogue at /oidc/auth', () => {
  let s: TestServer;
  let app: ApplicationRecord;
  const clock = new ManualClock(Date.now());
  const now = () => Math.floor(clock.now() / 1000);
  let alice: Mac;
  let bob: Mac;

  const proof = (m: Mac, o: Partial<Parameters<typeof buildSsoProof>[0]> = {}) => proofFrom(s.url, now(), m, o);

  const authorize = (header: string) => {
    const q = new URLSearchParams({
      client_id: app.appId, response_type: 'code', scope: 'openid', redirect_uri: REDIRECT, state: 'st', nonce: 'nn',
      code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', code_challenge_method: 'S256',
    });
    return fetch(`${s.url}/oidc/auth?${q}`, { redirect: 'manual', headers: { 'platform-sso-authorization': header } });
  };

  async function refused(header: string, code: string) {
    const before = dbSnapshot(s.dataDir);
    const rows = s.signIns.events.length;
    const r = await authorize(header);
    const html = await r.text();
    assert.equal(r.status, 400, html.slice(0, 300));
    assert.match(r.headers.get('content-type') ?? '', /text\/html/);
    assert.ok(html.includes(code), `page shows ${code}: ${html.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').slice(0, 300)}`);
    assert.match(html, /Access to Proof Wiki blocked/);
    assert.equal(r.headers.get('location'), null, 'the browser is not sent anywhere, least of all to the app');
    assert.deepEqual(dbSnapshot(s.dataDir), before);
    const row = s.signIns.events.slice(rows);
    assert.equal(row.length, 1);
    assert.equal(row[0]!.appId, app.appId);
    assert.equal(row[0]!.appDisplayName, 'Proof Wiki');
    assert.equal(row[0]!.error?.code, code);
  }

  before(async () => {
    s = await startTestServer({ clock });
    ({ app } = await registerApp(s, { displayName: 'Proof Wiki', redirectUris: ['http://127.0.0.1/callback'] }));
    alice = await registeredMac(s, ALICE, now());
    bob = await registeredMac(s, BOB, now());
  });
  after(async () => { await s.close(); });

  it('a good proof passes: the browser goes on to the interaction, and its nonce is used', async () => {
    const before = dbSnapshot(s.dataDir);
    const r = await authorize(await proof(alice));
    assert.equal(r.status, 303);
    assert.match(r.headers.get('location') ?? '', /^\/oidc\/interaction\/[^?]+\?sso=/);
    assert.equal(dbSnapshot(s.dataDir)['nonces.used'], before['nonces.used']! + 1);
  });

  it('replayed (the same proof twice): OPSSO1108', async () => {
    const h = await proof(alice);
    assert.equal((await authorize(h)).status, 303);
    await refused(h, 'OPSSO1108');
  });

  it('for another user: bob\'s refresh token with alice\'s sub, or alice\'s token on bob\'s Mac: OPSSO1864', async () => {
    await refused(await proof(bob, { username: ALICE }), 'OPSSO1864');
    await refused(await proof(alice, { deviceSigningKey: bob.dev.signing.privateKey, kid: bob.dev.signing.kid }), 'OPSSO1864');
  });

  it('signed by the wrong key: OPSSO1103', async () => {
    await refused(await proof(alice, { deviceSigningKey: newKey().privateKey }), 'OPSSO1103');
  });

  it('expired: OPSSO1861; wrong aud: OPSSO1862', async () => {
    await refused(await proof(alice, { now: now() - 600 }), 'OPSSO1861');
    await refused(await proof(alice, { issuer: `${s.url}/oidc` }), 'OPSSO1862');
  });

  it('no nonce: OPSSO1860; a nonce never issued: OPSSO1106', async () => {
    const h = await proof(alice);
    const [head, payload] = h.slice('SSO-Proof '.length).split('.');
    const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString());
    delete claims.request_nonce;
    const { signCompactJws } = await import('../../src/protocol/jws.js');
    await refused(`SSO-Proof ${signCompactJws(JSON.parse(Buffer.from(head!, 'base64url').toString()), claims, alice.dev.signing.privateKey)}`, 'OPSSO1860');
    await refused(buildSsoProof({ deviceSigningKey: alice.dev.signing.privateKey, kid: alice.dev.signing.kid, nonce: 'never-issued', issuer: s.url, username: ALICE, refreshToken: alice.refreshToken, now: now() }), 'OPSSO1106');
  });

  it('from a revoked device: OPSSO1102', async () => {
    const m = await registeredMac(s, ALICE, now());
    const h = await proof(m);
    await revokeDevice(s.ctx, m.dev.id);
    await refused(h, 'OPSSO1102');
  });
});
