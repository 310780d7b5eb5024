// Passkeys with a software authenticator: enrolment (attestation 'none'), sign-in with the passkey,
// a replayed counter and a replayed assertion refused; the pages' JSON endpoints with the CSRF header.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { ManualClock } from '../../src/app/clock.js';
import { DEMO_PASSWORD } from '../../src/app/demo.js';
import { authenticateRegistration } from '../../src/app/registration-auth.js';
import { ALICE, CAROL, PageClient, SoftAuthenticator, postJson, setMfaState, user } from './helpers.js';

describe('interactive sign-in with passkeys', () => {
  let s: TestServer;
  let authn: SoftAuthenticator;
  const clock = new ManualClock(Date.UTC(2027, 0, 15, 11, 0, 0));

  before(async () => {
    s = await startTestServer({ clock });
    authn = new SoftAuthenticator(s.url, '127.0.0.1');
    await setMfaState(s, CAROL, 'enforced');
  });
  after(async () => { await s.close(); });

  const signIn = (username: string) => postJson(s, '/api/v1/signin', { username, password: DEMO_PASSWORD });

  it('enrols a passkey (rpID = issuer host, origin = issuer origin)', async () => {
    const first = await signIn(CAROL);
    assert.equal(first.body.next, 'enroll');
    const sis = first.body.sign_in_session;
    const opts = await postJson(s, '/api/v1/signin/enroll/passkey/options', { sign_in_session: sis });
    assert.equal(opts.status, 200, JSON.stringify(opts.body));
    assert.equal(opts.body.rp.id, '127.0.0.1');
    assert.equal(opts.body.attestation, 'none');
    assert.equal(Buffer.from(opts.body.user.id, 'base64url').toString(), (await user(s, CAROL)).id);

    const wrongOrigin = new SoftAuthenticator('https://evil.example', '127.0.0.1');
    const bad = await postJson(s, '/api/v1/signin/enroll/passkey', { sign_in_session: sis, response: wrongOrigin.register(opts.body) });
    assert.equal(bad.body.error_code, 'OPSSO1707');
    assert.match(bad.body.error_description, /origin/i);

    const opts2 = await postJson(s, '/api/v1/signin/enroll/passkey/options', { sign_in_session: sis });
    const ok = await postJson(s, '/api/v1/signin/enroll/passkey', { sign_in_session: sis, response: authn.register(opts2.body) });
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    assert.deepEqual(ok.body.amr, ['pwd', 'hwk', 'mfa']);
    const methods = await s.ctx.store.mfaMethods.listForUser((await user(s, CAROL)).id);
    assert.equal(methods.length, 1);
    assert.equal(methods[0]!.credentialId, Buffer.from(authn.credentialId).toString('base64url'));
  });

  it('signs in with the passkey, and refuses a replayed counter and a replayed assertion', async () => {
    const first = await signIn(CAROL);
    assert.equal(first.body.next, 'mfa');
    assert.deepEqual(first.body.methods, ['passkey']);
    const sis = first.body.sign_in_session;
    const noOptions = await postJson(s, '/api/v1/signin/mfa', { sign_in_session: sis, passkey: authn.assert({ challenge: 'x' }) });
    assert.equal(noOptions.body.error_code, 'OPSSO1707', 'an answer without a pending challenge');

    const opts = await postJson(s, '/api/v1/signin/mfa/passkey/options', { sign_in_session: sis });
    assert.equal(opts.body.allowCredentials[0].id, Buffer.from(authn.credentialId).toString('base64url'));
    const assertion = authn.assert(opts.body, 5);
    const ok = await postJson(s, '/api/v1/signin/mfa', { sign_in_session: sis, passkey: assertion });
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    assert.ok(ok.body.amr.includes('mfa') && ok.body.amr.includes('hwk'));
    const p = await authenticateRegistration(s.ctx, `Bearer ${ok.body.access_token}`);
    assert.ok(p.kind === 'bearer' && p.amr.includes('mfa'));

    // The same signed answer again, in a new sign-in: its challenge is not the pending one.
    const second = await signIn(CAROL);
    await postJson(s, '/api/v1/signin/mfa/passkey/options', { sign_in_session: second.body.sign_in_session });
    const replay = await postJson(s, '/api/v1/signin/mfa', { sign_in_session: second.body.sign_in_session, passkey: assertion });
    assert.equal(replay.body.error_code, 'OPSSO1707');

    // A fresh signature with a counter that did not rise: a cloned authenticator.
    const opts3 = await postJson(s, '/api/v1/signin/mfa/passkey/options', { sign_in_session: second.body.sign_in_session });
    const cloned = await postJson(s, '/api/v1/signin/mfa', { sign_in_session: second.body.sign_in_session, passkey: authn.assert(opts3.body, 5) });
    assert.equal(cloned.status, 401);
    assert.equal(cloned.body.error_code, 'OPSSO1707');
    assert.match(cloned.body.error_description, /counter/);

    const opts4 = await postJson(s, '/api/v1/signin/mfa/passkey/options', { sign_in_session: second.body.sign_in_session });
    const fine = await postJson(s, '/api/v1/signin/mfa', { sign_in_session: second.body.sign_in_session, passkey: authn.assert(opts4.body, 6) });
    assert.equal(fine.status, 200, JSON.stringify(fine.body));
  });

  it('refuses a passkey of another user', async () => {
    await setMfaState(s, ALICE, 'enforced');
    const other = new SoftAuthenticator(s.url, '127.0.0.1');
    const a = await signIn(ALICE);
    assert.equal(a.body.next, 'enroll');
    const o = await postJson(s, '/api/v1/signin/enroll/passkey/options', { sign_in_session: a.body.sign_in_session });
    assert.equal((await postJson(s, '/api/v1/signin/enroll/passkey', { sign_in_session: a.body.sign_in_session, response: other.register(o.body) })).status, 200);
    const c = await signIn(CAROL);
    const opts = await postJson(s, '/api/v1/signin/mfa/passkey/options', { sign_in_session: c.body.sign_in_session });
    const r = await postJson(s, '/api/v1/signin/mfa', { sign_in_session: c.body.sign_in_session, passkey: other.assert(opts.body) });
    assert.equal(r.body.error_code, 'OPSSO1707');
    assert.match(r.body.error_description, /not registered for this account/);
  });

  it('works through the pages: JSON endpoints need the CSRF header and answer where to go next', async () => {
    const c = new PageClient(s.url);
    await c.get('/signin');
    await c.post('/signin/username', { username: CAROL });
    assert.equal((await c.post('/signin/password', { password: DEMO_PASSWORD })).location, '/signin/mfa');
    const page = await c.get('/signin/mfa');
    assert.match(page.html, /id="passkey"/);
    const nonce = /'nonce-([^']+)'/.exec(page.r.headers.get('content-security-policy')!)![1]!;
    assert.ok(page.html.includes(`<script nonce="${nonce}">`));

    const csrf = c.csrf;
    c.csrf = 'forged';
    assert.equal((await c.postJson('/signin/mfa/passkey/options', {})).status, 400);
    c.csrf = csrf;
    const opts = await c.postJson('/signin/mfa/passkey/options', {});
    assert.equal(opts.status, 200);
    const r = await c.postJson('/signin/mfa/passkey', { response: authn.assert(opts.body) });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.next, '/signin/done');
    const done = await c.get('/signin/done');
    assert.match(done.html, /Verified with: pwd, hwk, user, mfa/);
  });

  it('answers malformed passkey answers with OPSSO1707, never a 5xx', async () => {
    const c = await signIn(CAROL);
    const sis = c.body.sign_in_session;
    const opts = await postJson(s, '/api/v1/signin/mfa/passkey/options', { sign_in_session: sis });
    const good = authn.assert(opts.body) as { response: Record<string, string> };
    const junk: Record<string, unknown>[] = [
      {}, { id: 5 }, { ...good, response: {} }, { ...good, response: { ...good.response, signature: 'AAAA' } },
      { ...good, response: { ...good.response, clientDataJSON: 'not-base64-json' } }, { ...good, type: 'other' },
    ];
    for (const passkey of junk) {
      await postJson(s, '/api/v1/signin/mfa/passkey/options', { sign_in_session: sis });
      const r = await postJson(s, '/api/v1/signin/mfa', { sign_in_session: sis, passkey });
      assert.ok(r.status < 500, JSON.stringify(passkey));
      assert.equal(r.body.error_code, r.status === 400 ? 'OPSSO1001' : 'OPSSO1707', JSON.stringify(r.body));
    }
    const e = await signIn(ALICE);
    for (const response of [{}, { id: 'x', rawId: 'x', type: 'public-key', response: { clientDataJSON: 'e30', attestationObject: 'oA' } }]) {
      await postJson(s, '/api/v1/signin/enroll/passkey/options', { sign_in_session: e.body.sign_in_session });
      const r = await postJson(s, '/api/v1/signin/enroll/passkey', { sign_in_session: e.body.sign_in_session, response });
      assert.ok(r.status < 500, JSON.stringify(r.body));
    }
  });
});
