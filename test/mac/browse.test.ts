// `mac browse` against a stand-in authorize endpoint (test-only routes: the proof hook, the real
// sign-in pages with a continuation, and an "app" answering who signed in): the Mac attaches a proof
// only on the authorize request, a fresh one each time, answers the pages with password and TOTP
// when no proof is possible, and reports a refusal with its code. The OpenID Provider's own
// end-to-end test is test/sso/browse-oidc.test.ts.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { addTotp } from '../interactive/helpers.js';
import { ManualClock } from '../../src/app/clock.js';
import { DEMO_PASSWORD } from '../../src/app/demo.js';
import { VirtualMac } from '../../src/mac/agent.js';
import { browse, printBrowse } from '../../src/mac/browse.js';
import { ssoProofFor } from '../../src/app/sso/proof.js';
import { PssoError } from '../../src/errors/psso-error.js';
import { registerFinisher, startPageSignIn } from '../../src/server/routes/signin-pages/continuations.js';
import { revokeDevice } from '../../src/app/directory.js';

const ALICE = 'alice@demo.openpsso.test';
const BOB = 'bob@demo.openpsso.test';
const APP_ID = '0b6f7c1a-52d4-4c39-8f43-77e0d8f1a2b3';

describe('mac browse', () => {
  let s: TestServer;
  let bobSecret: string;
  const clock = new ManualClock(Date.now());
  const proofHeaders: (string | undefined)[] = [];

  before(async () => {
    registerFinisher('browse-test', async (_ctx, f) =>
      f.reply.code(303).header('location', `/test-app/callback?who=${encodeURIComponent(f.user.userPrincipalName)}&via=pages&amr=${f.amr.join('+')}`).send());
    s = await startTestServer({
      clock,
      beforeListen: (app, ctx) => {
        app.get('/test-app/login', async (_req, reply) => reply.code(302).header('location', '/test-op/authorize?client_id=browse-test').send());
        app.get('/test-app/callback', async (req) => ({ claims: req.query }));
        app.get('/test-op/authorize', async (req: FastifyRequest, reply: FastifyReply) => {
          proofHeaders.push(req.headers['platform-sso-authorization'] as string | undefined);
          try {
            const proof = await ssoProofFor(ctx, req, { clientId: 'browse-test' });
            if (proof) {
              return reply.code(303).header('location', `/test-app/callback?who=${encodeURIComponent(proof.user.userPrincipalName)}&via=proof&amr=${proof.amr.join('+')}`).send();
            }
          } catch (e) {
            if (!(e instanceof PssoError)) throw e;
            return reply.code(e.entry.status).type('text/html').send(`<html><head><title>Refused</title></head><body><main><h1>Sign-in refused</h1><p>${e.message} ${e.code}</p></main></body></html>`);
          }
          return startPageSignIn(ctx, req, reply, {
            orgId: (await ctx.store.organisations.list())[0]!.id,
            target: { appId: APP_ID, appDisplayName: 'Browse Test App' },
            continuation: { kind: 'browse-test', data: {} },
          });
        });
        // Anything else under /test-op is not the authorize endpoint: a proof there would be a Mac bug.
        app.get('/test-op/other', async (req) => ({ proof: req.headers['platform-sso-authorization'] ?? null }));
        app.get('/test-op/consent', async (_req, reply) => reply.type('text/html').send('<html><body><h1>Allow access?</h1><form method="post"><button>Allow</button></form></body></html>'));
      },
    });
    bobSecret = await addTotp(s, BOB);
  });
  after(async () => { await s.close(); });

  const newMac = () => new VirtualMac({ memory: true, clock, scryptCost: 1024 });
  const authorizeUrl = () => `${s.url}/test-op/authorize`;

  it('a registered Mac is signed in silently, with a fresh proof on each authorize request', async () => {
    const mac = newMac();
    await mac.register({ server: s.url, token: s.registrationToken, user: ALICE, method: 'password', password: DEMO_PASSWORD });
    const seen = proofHeaders.length;
    const r = await browse(mac, { url: `${s.url}/test-app/login`, authorizeUrl: authorizeUrl() });
    assert.equal(r.ok, true, JSON.stringify(r));
    assert.equal(r.silent, true);
    assert.equal(r.proofsSent, 1);
    assert.deepEqual(r.pages, []);
    assert.deepEqual((r.claims as { claims: Record<string, string> }).claims, { who: ALICE, via: 'proof', amr: 'pwd' });
    assert.deepEqual(r.steps.map((x) => [new URL(x.url).pathname, x.status, x.proof ?? false]), [
      ['/test-app/login', 302, false], ['/test-op/authorize', 303, true], ['/test-app/callback', 200, false],
    ]);
    const again = await browse(mac, { url: `${s.url}/test-app/login`, authorizeUrl: authorizeUrl() });
    assert.equal(again.ok, true);
    const [first, second] = proofHeaders.slice(seen);
    assert.ok(first && second && first !== second, 'each authorize request carries its own proof');
    assert.match(printBrowse(r).join('\n'), /session proof sent \(1\)[\s\S]*No sign-in page was shown[\s\S]*"via": "proof"/);
  });

  it('does not attach the proof to other URLs of the identity provider', async () => {
    const mac = newMac();
    await mac.register({ server: s.url, token: s.registrationToken, user: ALICE, method: 'password', password: DEMO_PASSWORD });
    const r = await browse(mac, { url: `${s.url}/test-op/other`, authorizeUrl: authorizeUrl() });
    assert.equal(r.proofsSent, 0);
    assert.deepEqual(r.claims, { proof: null });
  });

  it('a provider page that is not a sign-in page stops it with a message, not as the app\'s answer', async () => {
    const mac = newMac();
    await mac.register({ server: s.url, token: s.registrationToken, user: ALICE, method: 'password', password: DEMO_PASSWORD });
    await assert.rejects(browse(mac, { url: `${s.url}/test-op/consent`, authorizeUrl: authorizeUrl() }), /cannot answer at \/test-op\/consent \("Allow access\?"\)/);
  });

  it('without Platform SSO tokens it falls back to the pages: password, then the TOTP code the app\'s policy asks for', async () => {
    await s.ctx.store.policies.create(s.orgId, {
      id: 'pol_browse_mfa', displayName: 'MFA for Browse Test App', state: 'enabled',
      conditions: { users: { includeUsers: ['All'], excludeUsers: [], includeGroups: [], excludeGroups: [] }, applications: { includeApplications: [APP_ID], excludeApplications: [] } },
      grantControls: { operator: 'OR', builtInControls: ['mfa'] },
    });
    try {
      const r = await browse(newMac(), { url: `${s.url}/test-app/login`, authorizeUrl: authorizeUrl(), user: BOB, password: DEMO_PASSWORD, totpSecret: bobSecret });
      assert.equal(r.ok, true, JSON.stringify(r));
      assert.equal(r.silent, false);
      assert.equal(r.proofsSent, 0);
      assert.equal(r.noProofReason, 'this Mac is not registered');
      assert.deepEqual(r.pages, ['/signin/username', '/signin/password', '/signin/mfa']);
      const claims = (r.claims as { claims: Record<string, string> }).claims;
      assert.equal(claims.who, BOB);
      assert.equal(claims.via, 'pages');
      assert.match(claims.amr!, /mfa/);
      // Without the code the Mac cannot go on, and says what to pass.
      await assert.rejects(browse(newMac(), { url: `${s.url}/test-app/login`, authorizeUrl: authorizeUrl(), user: BOB, password: DEMO_PASSWORD }), /--totp-secret/);
    } finally {
      await s.ctx.store.policies.delete(s.orgId, 'pol_browse_mfa');
    }
  });

  it('--no-sso browses without the extension even on a registered Mac', async () => {
    const mac = newMac();
    await mac.register({ server: s.url, token: s.registrationToken, user: ALICE, method: 'password', password: DEMO_PASSWORD });
    const r = await browse(mac, { url: `${s.url}/test-app/login`, authorizeUrl: authorizeUrl(), sso: false, user: ALICE, password: DEMO_PASSWORD });
    assert.equal(r.proofsSent, 0);
    assert.deepEqual(r.pages, ['/signin/username', '/signin/password']);
    assert.equal((r.claims as { claims: Record<string, string> }).claims.via, 'pages');
  });

  it('a revoked Mac gets the refusal page, reported with its code', async () => {
    const mac = newMac();
    await mac.register({ server: s.url, token: s.registrationToken, user: ALICE, method: 'password', password: DEMO_PASSWORD });
    await revokeDevice(s.ctx, (await mac.state.device())!.serverDeviceId!);
    const r = await browse(mac, { url: `${s.url}/test-app/login`, authorizeUrl: authorizeUrl() });
    assert.equal(r.ok, false);
    assert.equal(r.proofsSent, 1);
    assert.equal(r.refusal?.status, 400);
    assert.equal(r.refusal?.code, 'OPSSO1102');
    assert.equal(r.refusal?.title, 'Sign-in refused');
    assert.match(printBrowse(r).join('\n'), /Refused \(HTTP 400\) OPSSO1102/);
  });
});
