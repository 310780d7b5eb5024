// A real relying party (openid-client) and a real browser (the system Chromium, driven by
// playwright-core) against a running OpenPSSO: authorization code with PKCE through the sign-in pages
// with a TOTP code (a policy requires MFA for the app), then refresh with rotation, userinfo,
// introspection, revocation and RP-initiated logout; the sign-in log names the app.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import * as oidc from 'openid-client';
import { chromium, type Browser } from 'playwright-core';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { DEMO_PASSWORD } from '../../src/app/demo.js';
import { totpAt } from '../../src/policy/totp.js';
import { BOB, addTotp } from '../interactive/helpers.js';
import { authorizeUrl, registerApp, requireMfaFor, rpConfig } from './helpers.js';
import type { ApplicationRecord } from '../../src/storage/ports-apps.js';

const CHROMIUM = '/usr/bin/chromium';
const skip = existsSync(CHROMIUM) || process.env.CI === 'true' ? false : 'Chromium is not installed at /usr/bin/chromium; CI=true makes this a failure';

describe('openid-client and Chromium through the sign-in pages', { skip, timeout: 90_000 }, () => {
  let s: TestServer;
  let browser: Browser;
  let rp: Server;
  let rpBase = '';
  let app: ApplicationRecord;
  let secret: string;
  let totpSecret: string;
  const arrivals: string[] = [];

  before(async () => {
    s = await startTestServer();
    // The app's own loopback server: registered as http://127.0.0.1/cb, reached on any port (RFC 8252 §7.3).
    rp = createServer((req, res) => { arrivals.push(req.url!); res.writeHead(200, { 'content-type': 'text/plain' }).end('app'); });
    await new Promise<void>((r) => rp.listen(0, '127.0.0.1', () => r()));
    rpBase = `http://127.0.0.1:${(rp.address() as { port: number }).port}`;
    ({ app, secret } = await registerApp(s, { displayName: 'Team Wiki' }) as { app: ApplicationRecord; secret: string });
    await requireMfaFor(s, app.appId, 'MFA for Team Wiki');
    totpSecret = await addTotp(s, BOB);
    browser = await chromium.launch({
      executablePath: CHROMIUM, headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  });
  after(async () => {
    await browser?.close();
    await new Promise<void>((r) => rp.close(() => r()));
    await s.close();
  });

  it('signs in with password and TOTP, then refreshes, reads userinfo, introspects, revokes and logs out', async () => {
    const config = await rpConfig(s, app, secret);
    const a = await authorizeUrl(config, {}, `${rpBase}/cb`);
    const page = await (await browser.newContext()).newPage();
    page.setDefaultTimeout(15_000);

    await page.goto(a.url.href);
    await page.waitForURL(/\/signin\/username$/);
    assert.match(await page.content(), /Team Wiki/, 'the pages say which app the sign-in is for');
    await page.fill('#username', BOB);
    await page.click('button[type=submit]');
    await page.waitForURL(/\/signin\/password$/);
    await page.fill('#password', DEMO_PASSWORD);
    await page.click('button[type=submit]');
    await page.waitForURL(/\/signin\/mfa$/);
    assert.match(await page.content(), /MFA for Team Wiki/, 'the MFA page names the policy that asks');
    await page.fill('#code', totpAt(totpSecret, Math.floor(s.ctx.clock.now() / 1000)));
    await page.click('form[action="/signin/mfa/totp"] button[type=submit]');
    await page.waitForURL((u) => u.href.startsWith(`${rpBase}/cb?`));
    const callback = new URL(page.url());
    assert.equal(callback.searchParams.get('iss'), `${s.url}/oidc`, 'RFC 9207 iss on the response');

    const tokens = await oidc.authorizationCodeGrant(config, callback, { pkceCodeVerifier: a.verifier, expectedState: a.state, expectedNonce: a.nonce });
    const claims = tokens.claims()!;
    const bob = (await s.ctx.store.users.getByPrincipalName(s.orgId, BOB))!;
    assert.equal(claims.sub, bob.id);
    assert.deepEqual([...(claims.amr as string[])].sort(), ['mfa', 'otp', 'pwd']);
    assert.equal(claims.acr, 'urn:openpsso:acr:mfa');
    assert.equal(typeof claims.auth_time, 'number');
    assert.ok(tokens.refresh_token, 'apps with the refresh_token grant get a refresh token');

    // The id_token verifies against the server's own JWKS (the PSSO one), not a separate key set.
    const serverJwks = await (await fetch(`${s.url}/.well-known/jwks.json`)).json() as { keys: { kid: string }[] };
    const kid = JSON.parse(Buffer.from(tokens.id_token!.split('.')[0]!, 'base64url').toString()).kid;
    assert.ok(serverJwks.keys.some((k) => k.kid === kid));

    const info = await oidc.fetchUserInfo(config, tokens.access_token, bob.id);
    assert.equal(info.preferred_username, BOB);
    assert.equal(info.name, bob.displayName);

    const refreshed = await oidc.refreshTokenGrant(config, tokens.refresh_token!);
    assert.notEqual(refreshed.refresh_token, tokens.refresh_token, 'refresh tokens rotate');
    assert.deepEqual((refreshed.claims()!.amr as string[]).sort(), ['mfa', 'otp', 'pwd'], 'the refreshed id_token keeps the sign-in\'s amr');

    const live = await oidc.tokenIntrospection(config, refreshed.access_token);
    assert.equal(live.active, true);
    assert.equal(live.sub, bob.id);
    assert.equal(live.client_id, app.appId);
    await oidc.tokenRevocation(config, refreshed.access_token);
    assert.equal((await oidc.tokenIntrospection(config, refreshed.access_token)).active, false, 'revoked (RFC 7009) reads inactive (RFC 7662)');
    await assert.rejects(oidc.fetchUserInfo(config, refreshed.access_token, bob.id), 'a revoked access token no longer reads userinfo');

    // RP-initiated logout: the confirmation page in the sign-in pages' style, then back to the app.
    const sessionsBefore = (await s.ctx.store.oidcArtefacts.countByModel()).Session ?? 0;
    assert.equal(sessionsBefore, 1);
    await page.goto(oidc.buildEndSessionUrl(config, { id_token_hint: refreshed.id_token!, post_logout_redirect_uri: `${rpBase}/cb/bye`, state: 'bye1' }).href);
    await page.click('button[name=logout]');
    await page.waitForURL((u) => u.href.startsWith(`${rpBase}/cb/bye`));
    assert.equal(new URL(page.url()).searchParams.get('state'), 'bye1');
    assert.equal((await s.ctx.store.oidcArtefacts.countByModel()).Session ?? 0, 0, 'the OP session is gone');

    // Every step of the sign-in was logged against the app, by id and name.
    const rows = s.signIns.events.filter((e) => e.appId === app.appId);
    assert.ok(rows.length >= 2, `log rows for the app: ${rows.length}`);
    assert.ok(rows.every((e) => e.appDisplayName === 'Team Wiki'));
    assert.ok(rows.some((e) => e.error?.entry.name === 'mfa_required_interactive'), 'the MFA interrupt is logged');
    assert.ok(rows.some((e) => !e.error && e.details?.step === 'totp'), 'the successful TOTP step is logged');
    assert.ok(arrivals.some((u) => u.startsWith('/cb?code=')));
  });
});
