// UiO's browser SSO (extensions.md §4.9): an app's authorize request replayed at the Keycloak-style
// BaseURL/protocol/openid-connect/auth with `Platform-SSO-Authorization: Bearer <envelope>.<DER
// signature>` completes silently for a registered Mac (either generation's envelope), and is refused
// for a revoked Mac and for a replayed envelope, each with its sign-in row.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomUUID } from 'node:crypto';
import type { TestServer } from '../helpers/test-server.js';
import { DEMO_PASSWORD } from '../../src/app/demo.js';
import { PssoError } from '../../src/errors/psso-error.js';
import { revokeDevice } from '../../src/app/directory.js';
import { buildUioEnvelope, parseUioEnvelope, type UioGeneration } from '../../src/protocol/uio-envelope.js';
import { CookieJar, webRequest } from '../../src/mac/web-view.js';
import type { VirtualMac } from '../../src/mac/agent.js';
import { browse } from '../../src/mac/browse.js';
import { registerApp, REDIRECT } from '../oidc/helpers.js';
import type { ApplicationRecord } from '../../src/storage/ports-apps.js';
import { ALICE, BOB, baseOf, newMac, nonce, uioServer } from './uio-helpers.js';

describe('UiO browser SSO header', () => {
  let s: TestServer;
  let app: ApplicationRecord;
  before(async () => {
    s = await uioServer();
    app = (await registerApp(s)).app;
  });
  after(async () => { await s.close(); });

  async function registered(user: string): Promise<VirtualMac> {
    const mac = newMac(s);
    await mac.register({ server: baseOf(s), token: s.registrationToken, user, password: DEMO_PASSWORD, method: 'password', extension: 'uio', generation: 'wln' });
    return mac;
  }

  /** The header the extension signs with the shared device signing key. */
  async function header(mac: VirtualMac, user: string, generation: UioGeneration): Promise<string> {
    const device = (await mac.state.device())!;
    const u = await mac.resolveUser(user);
    const requestId = randomUUID().toUpperCase();
    const n = generation === 'wln' ? String((await nonce(s, requestId)).body.nonce).toUpperCase() : undefined;
    return buildUioEnvelope({
      generation, deviceSigningKey: (await mac.deviceKeys()).signing, kid: device.signingKid, username: user, refreshToken: u.tokens!.refreshToken,
      signedAt: Math.floor(s.ctx.clock.now() / 1000), ...(n ? { nonce: n, clientRequestId: requestId, secureEnclave: false, reauthChallenge: randomUUID() } : {}),
    });
  }

  /** The web view replaying the app's authorize request with the header, following redirects to the app. */
  async function authorize(h: string): Promise<{ code?: string; status: number; pages: string[]; text: string }> {
    const jar = new CookieJar();
    const verifier = 'v'.repeat(64);
    const q = new URLSearchParams({
      client_id: app.appId, response_type: 'code', redirect_uri: REDIRECT, scope: 'openid profile', state: randomUUID(),
      code_challenge: createHash('sha256').update(verifier).digest('base64url'), code_challenge_method: 'S256',
    });
    let url = `${baseOf(s)}/protocol/openid-connect/auth?${q}`;
    const pages: string[] = [];
    for (let i = 0; i < 10; i++) {
      const r = await webRequest(fetch, jar, url, { headers: i === 0 ? { 'platform-sso-authorization': h } : {}, nowMs: Date.now() });
      if (r.location?.startsWith(REDIRECT)) return { code: new URL(r.location).searchParams.get('code') ?? undefined, status: r.status, pages, text: '' };
      if (r.status >= 300 && r.status < 400 && r.location) { url = new URL(r.location, url).toString(); continue; }
      if (new URL(url).pathname.startsWith('/signin/')) pages.push(new URL(url).pathname);
      return { status: r.status, pages, text: r.text };
    }
    throw new Error('redirect loop');
  }

  it('reads both generations\' envelope field sets (user_kid optional, upper-case nonce)', async () => {
    const mac = await registered(ALICE);
    const wl0 = parseUioEnvelope(await header(mac, ALICE, 'wl0'));
    assert.deepEqual([wl0.generation, wl0.nonce, wl0.tokenType, wl0.userKid], ['wl0', null, 'refresh_token', null]);
    const wln = parseUioEnvelope(await header(mac, ALICE, 'wln'));
    assert.equal(wln.generation, 'wln');
    assert.match(wln.nonce!, /^[0-9A-F-]{36}$/);
    assert.equal(wln.kid, (await mac.state.device())!.signingKid);
  });

  for (const generation of ['wln', 'wl0'] as const) {
    it(`signs a registered Mac in silently with a ${generation === 'wln' ? 'WL-N' : 'WL-0'} envelope, and refuses the same envelope again`, async () => {
      const mac = await registered(ALICE);
      const h = await header(mac, ALICE, generation);
      const before = s.signIns.events.length;
      const ok = await authorize(h);
      assert.ok(ok.code, `no code: HTTP ${ok.status} ${ok.text.slice(0, 300)}`);
      assert.deepEqual(ok.pages, [], 'no sign-in page was shown');
      const row = s.signIns.events.slice(before).find((e) => e.operation === 'interactive_signin');
      assert.equal(row?.details?.via, 'sso_proof');
      assert.equal(row?.extension, 'uio', 'the row names the dialect whose envelope signed the user in');
      assert.equal(row?.userPrincipalName, ALICE);
      assert.equal(row?.error, undefined);

      const replay = await authorize(h);
      assert.equal(replay.code, undefined);
      assert.equal(replay.status, 400);
      assert.match(replay.text, new RegExp(new PssoError('nonce_replayed').code));
      assert.equal(s.signIns.events.at(-1)?.error?.entry.name, 'nonce_replayed');
      assert.equal(s.signIns.events.at(-1)?.extension, 'uio');
    });
  }

  it('mac browse on a UiO Mac attaches the envelope on the Keycloak-style authorize path and ends at the app', async () => {
    const mac = await registered(ALICE);
    const q = new URLSearchParams({
      client_id: app.appId, response_type: 'code', redirect_uri: REDIRECT, scope: 'openid', state: 's1',
      code_challenge: createHash('sha256').update('w'.repeat(64)).digest('base64url'), code_challenge_method: 'S256',
    });
    // The app's callback, answered in place of an app server: the code it received.
    const appFetch: typeof fetch = async (input, init) => {
      const u = String(input);
      if (u.startsWith(REDIRECT)) return new Response(JSON.stringify({ code: new URL(u).searchParams.get('code') }), { headers: { 'content-type': 'application/json' } });
      return fetch(input, init);
    };
    const r = await browse(mac, { url: `${baseOf(s)}/protocol/openid-connect/auth?${q}`, fetch: appFetch });
    assert.equal(r.ok, true, JSON.stringify(r.refusal));
    assert.deepEqual([r.proofsSent, r.pages], [1, []]);
    assert.equal(typeof (r.claims as { code?: unknown }).code, 'string');
  });

  it('refuses a revoked Mac\'s envelope with the device code and a row naming the device', async () => {
    const mac = await registered(BOB);
    const device = await s.ctx.store.devices.getBySigningKid((await mac.state.device())!.signingKid);
    await revokeDevice(s.ctx, device!.id);
    const r = await authorize(await header(mac, BOB, 'wln'));
    assert.equal(r.code, undefined);
    assert.match(r.text, new RegExp(new PssoError('device_revoked').code));
    const row = s.signIns.events.at(-1)!;
    assert.deepEqual([row.error?.entry.name, row.deviceId, row.extension], ['device_revoked', device!.id, 'uio']);
  });
});
