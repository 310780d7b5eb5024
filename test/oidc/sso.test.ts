// Single sign-on across apps on one browser: conditional access is evaluated again for each app
// (MFA asked only where a policy names the app, a block shown as a refusal page), silent reuse is
// logged, and prompt (none, login, consent), max_age, login_hint and disabled apps behave.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as oidc from 'openid-client';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { ManualClock } from '../../src/app/clock.js';
import { DEMO_PASSWORD } from '../../src/app/demo.js';
import { BOB, addTotp } from '../interactive/helpers.js';
import { HttpBrowser, authorizeUrl, blockFor, registerApp, requireMfaFor, rpConfig, walk } from './helpers.js';
import type { ApplicationRecord } from '../../src/storage/ports-apps.js';
import { updateApplication } from '../../src/app/applications.js';

describe('single sign-on across apps', () => {
  let s: TestServer;
  const clock = new ManualClock(Date.now());
  let totpSecret: string;
  const apps: Record<string, { app: ApplicationRecord; config: oidc.Configuration }> = {};
  const answers = () => ({ username: BOB, password: DEMO_PASSWORD, totpSecret, clock });
  const rowsFor = (a: ApplicationRecord) => s.signIns.events.filter((e) => e.appId === a.appId);

  before(async () => {
    s = await startTestServer({ clock });
    totpSecret = await addTotp(s, BOB);
    for (const name of ['Mail', 'Payroll', 'Casino', 'Intranet']) {
      const { app, secret } = await registerApp(s, { displayName: name });
      apps[name] = { app, config: await rpConfig(s, app, secret) };
    }
    await requireMfaFor(s, apps.Payroll!.app.appId, 'MFA for Payroll');
    await blockFor(s, apps.Casino!.app.appId);
  });
  after(async () => { await s.close(); });

  it('prompt=none without a session: login_required back to the app, nothing asked', async () => {
    const a = await authorizeUrl(apps.Mail!.config, { prompt: 'none' });
    const cb = await walk(new HttpBrowser(), a.url, null);
    assert.equal(cb.searchParams.get('error'), 'login_required');
    assert.equal(cb.searchParams.get('state'), a.state);
  });

  it('signs in to Mail with a password (login_hint fills the name), then reuses the session: MFA for Payroll, silent for Intranet, refused for Casino', async () => {
    const b = new HttpBrowser();
    const mail = await authorizeUrl(apps.Mail!.config, { login_hint: BOB });
    const first = await b.fetch(mail.url);
    const firstPage = await b.fetch(new URL(first.headers.get('location')!, s.url));
    const startPage = await b.fetch(new URL(firstPage.headers.get('location')!, s.url));
    assert.match(await startPage.text(), new RegExp(`value="${BOB.replace(/[.@]/g, '\\$&')}"`), 'login_hint fills in the account name');
    const cbMail = await walk(b, mail.url, answers());
    const tMail = await oidc.authorizationCodeGrant(apps.Mail!.config, cbMail, { pkceCodeVerifier: mail.verifier, expectedState: mail.state, expectedNonce: mail.nonce });
    assert.deepEqual(tMail.claims()!.amr, ['pwd']);

    // prompt=none where Payroll's policy asks for more than the session has: interaction_required.
    const quiet = await authorizeUrl(apps.Payroll!.config, { prompt: 'none' });
    assert.equal((await walk(b, quiet.url, null)).searchParams.get('error'), 'interaction_required');

    // Payroll's policy asks for MFA the session lacks: the pages ask for the password and code again.
    clock.set(clock.now() + 30_000);
    const pay = await authorizeUrl(apps.Payroll!.config);
    const before = b.visited.length;
    const cbPay = await walk(b, pay.url, answers());
    const seen = b.visited.slice(before).map((u) => new URL(u).pathname);
    assert.ok(seen.includes('/signin/password') && seen.includes('/signin/mfa/totp'), seen.join(' '));
    assert.ok(!seen.includes('/signin/username'), 'the account is fixed to the session\'s user');
    const tPay = await oidc.authorizationCodeGrant(apps.Payroll!.config, cbPay, { pkceCodeVerifier: pay.verifier, expectedState: pay.state, expectedNonce: pay.nonce });
    assert.ok((tPay.claims()!.amr as string[]).includes('mfa'));
    assert.equal(tPay.claims()!.acr, 'urn:openpsso:acr:mfa');

    // Intranet has no policy: no page at all, and a log row saying the session was reused.
    const intra = await authorizeUrl(apps.Intranet!.config);
    const cbIntra = await walk(b, intra.url, null);
    assert.ok(cbIntra.searchParams.get('code'));
    const silent = rowsFor(apps.Intranet!.app);
    assert.equal(silent.length, 1);
    assert.equal(silent[0]!.appDisplayName, 'Intranet');
    assert.equal(silent[0]!.interactive, false);
    assert.equal(silent[0]!.details?.via, 'sso_session');
    assert.equal(silent[0]!.error, undefined);

    // Casino is blocked: a visible refusal with the catalogue code, logged with the app.
    const casino = await authorizeUrl(apps.Casino!.config);
    const r1 = await b.fetch(casino.url);
    const interaction = new URL(r1.headers.get('location')!, s.url);
    assert.match(interaction.pathname, /^\/oidc\/interaction\//);
    const page = await b.fetch(interaction);
    const html = await page.text();
    assert.equal(page.status, 400);
    assert.match(html, /Access to Casino blocked/);
    assert.match(html, /OPSSO1703/);
    const refused = rowsFor(apps.Casino!.app);
    assert.equal(refused.length, 1);
    assert.equal(refused[0]!.error?.code, 'OPSSO1703');
    assert.equal(refused[0]!.appDisplayName, 'Casino');

    // prompt=none to an app a policy now blocks: the app hears access_denied.
    await blockFor(s, apps.Intranet!.app.appId);
    const none = await authorizeUrl(apps.Intranet!.config, { prompt: 'none' });
    const cbNone = await walk(b, none.url, null);
    assert.equal(cbNone.searchParams.get('error'), 'access_denied');

    // max_age=0 asks for a fresh sign-in even with a live session.
    clock.set(clock.now() + 30_000);
    const fresh = await authorizeUrl(apps.Mail!.config, { max_age: '0' });
    const n = b.visited.length;
    await walk(b, fresh.url, answers());
    assert.ok(b.visited.slice(n).some((u) => new URL(u).pathname === '/signin/password'), 'max_age=0 shows the pages');
  });

  it('prompt=consent shows the consent page; allow gives a code, deny gives access_denied', async () => {
    const b = new HttpBrowser();
    for (const choice of ['allow', 'deny'] as const) {
      clock.set(clock.now() + 30_000);
      const a = await authorizeUrl(apps.Mail!.config, { prompt: 'consent' });
      const cb = await walk(b, a.url, { ...answers(), consent: choice });
      assert.ok(b.visited.some((u) => /\/oidc\/interaction\/[^/]+\/consent$/.test(u)), 'the consent page was answered');
      if (choice === 'allow') assert.ok(cb.searchParams.get('code'));
      else assert.equal(cb.searchParams.get('error'), 'access_denied');
    }
  });

  it('a disabled app is no client: a page with OPSSO1800, no redirect', async () => {
    await updateApplication(s.ctx, s.orgId, apps.Mail!.app.id, { enabled: false });
    const a = await authorizeUrl(apps.Mail!.config);
    const r = await fetch(a.url, { redirect: 'manual' });
    assert.equal(r.status, 400);
    assert.equal(r.headers.get('location'), null);
    assert.match(await r.text(), /OPSSO1800/);
  });
});
