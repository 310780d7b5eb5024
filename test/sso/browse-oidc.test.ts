// Single sign-on from the Mac to an app (issue 9 item 3), end to end: `mac browse` (Safari plus the
// SSO extension) opens a relying party built on openid-client, which sends it to OpenPSSO's OpenID
// Provider; the session proof on the authorize request signs the user in silently, or the pages ask
// for exactly what is missing (MFA), or a revoked Mac gets a visible refusal; each leaves a sign-in
// log row naming the app.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { startDemoApp, type DemoApp } from '../helpers/demo-app.js';
import { freePort } from '../helpers/ports.js';
import { addTotp } from '../interactive/helpers.js';
import { blockFor, registerApp, requireMfaFor } from '../oidc/helpers.js';
import { ManualClock } from '../../src/app/clock.js';
import { DEMO_PASSWORD } from '../../src/app/demo.js';
import { VirtualMac } from '../../src/mac/agent.js';
import { browse } from '../../src/mac/browse.js';
import { revokeDevice } from '../../src/app/directory.js';
import type { ApplicationRecord } from '../../src/storage/ports-apps.js';
import type { SignInEvent } from '../../src/app/sign-in-events.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.js';
import { randomBytes } from 'node:crypto';
import { sha256Hex } from '../../src/app/ids.js';

const ALICE = 'alice@demo.openpsso.test';
const BOB = 'bob@demo.openpsso.test';
const CAROL = 'carol@demo.openpsso.test';

describe('mac browse: single sign-on from the Mac to an app', () => {
  let s: TestServer;
  const clock = new ManualClock(Date.now());
  const apps: DemoApp[] = [];
  let bobSecret: string;

  /** An app registered the admin's way, with its openid-client relying party on a loopback port. */
  async function app(displayName: string): Promise<{ record: ApplicationRecord; rp: DemoApp }> {
    const { app: record, secret } = await registerApp(s, { displayName, redirectUris: ['http://127.0.0.1/callback'] });
    const rp = await startDemoApp({ issuer: `${s.url}/oidc`, clientId: record.appId, clientSecret: secret!, port: await freePort() });
    apps.push(rp);
    return { record, rp };
  }

  async function registeredMac(user: string): Promise<VirtualMac> {
    const mac = new VirtualMac({ memory: true, clock, scryptCost: 1024 });
    await mac.register({ server: s.url, token: s.registrationToken, user, method: 'password', password: DEMO_PASSWORD });
    return mac;
  }

  const rowsFor = (appId: string, since: number): SignInEvent[] => s.signIns.events.slice(since).filter((e) => e.appId === appId);

  before(async () => {
    s = await startTestServer({ clock });
    bobSecret = await addTotp(s, BOB);
  });
  after(async () => {
    for (const a of apps) await a.close();
    await s.close();
  });

  it('silent for a registered Mac: no page, the app gets the user with the session\'s amr; one row names the app', async () => {
    const { record, rp } = await app('Team Wiki');
    const mac = await registeredMac(ALICE);
    const since = s.signIns.events.length;
    const r = await browse(mac, { url: `${rp.url}/login` });
    assert.equal(r.ok, true, JSON.stringify(r.refusal ?? r.claims));
    assert.equal(r.silent, true);
    assert.equal(r.proofsSent, 1);
    assert.deepEqual(r.pages, []);
    const alice = (await s.ctx.store.users.getByPrincipalName(s.orgId, ALICE))!;
    const claims = (r.claims as { claims: Record<string, unknown> }).claims;
    assert.equal(claims.sub, alice.id);
    assert.equal(claims.aud, record.appId);
    assert.deepEqual(claims.amr, ['pwd']);
    const proofStep = r.steps.find((x) => x.proof)!;
    assert.equal(new URL(proofStep.url).pathname, '/oidc/auth');
    const rows = rowsFor(record.appId, since);
    assert.equal(rows.length, 1, JSON.stringify(rows.map((x) => x.details)));
    assert.equal(rows[0]!.appDisplayName, 'Team Wiki');
    assert.equal(rows[0]!.userId, alice.id);
    assert.equal(rows[0]!.deviceId, (await mac.state.device())!.serverDeviceId);
    assert.equal(rows[0]!.error, undefined);
    assert.equal(rows[0]!.details?.via, 'sso_proof');
  });

  it('MFA asked when the app\'s policy requires it and the session lacks it: only the code page, then in', async () => {
    const { record, rp } = await app('Payroll');
    await requireMfaFor(s, record.appId, 'MFA for Payroll');
    const mac = await registeredMac(BOB);
    const since = s.signIns.events.length;
    // Without the authenticator secret the Mac stops at the code page and says so.
    await assert.rejects(browse(mac, { url: `${rp.url}/login` }), /--totp-secret/);
    const r = await browse(mac, { url: `${rp.url}/login`, totpSecret: bobSecret });
    assert.equal(r.ok, true, JSON.stringify(r.refusal ?? r.claims));
    assert.equal(r.proofsSent, 1);
    assert.deepEqual(r.pages, ['/signin/mfa'], 'the password is not asked again: the Mac\'s session proved it');
    const claims = (r.claims as { claims: Record<string, unknown> }).claims;
    assert.deepEqual([...(claims.amr as string[])].sort(), ['mfa', 'otp', 'pwd']);
    const rows = rowsFor(record.appId, since);
    assert.ok(rows.length >= 3, JSON.stringify(rows.map((x) => [x.details, x.error?.code])));
    for (const row of rows) assert.equal(row.appDisplayName, 'Payroll');
    // Each browse: MFA asked after the proof (OPSSO1706), then (second browse) the code accepted.
    assert.deepEqual(rows.filter((x) => x.details?.via === 'sso_proof').map((x) => x.error?.code), ['OPSSO1706', 'OPSSO1706']);
    assert.equal(rows.at(-1)!.error, undefined);
    assert.equal(rows.at(-1)!.userPrincipalName, BOB);
  });

  it('a Mac whose login carried MFA satisfies the app\'s MFA policy without any page', async () => {
    const { record, rp } = await app('Board Papers');
    await requireMfaFor(s, record.appId, 'MFA for Board Papers');
    const mac = await registeredMac(ALICE);
    // The session of an MFA-verified Secure Enclave login, stored as the token endpoint stores one;
    // the Mac then holds that token (what `mac login` would leave after such a login).
    const alice = (await s.ctx.store.users.getByPrincipalName(s.orgId, ALICE))!;
    const token = `rt.${randomBytes(32).toString('base64url')}`;
    const id = `rt_${randomBytes(12).toString('base64url')}`;
    const at = clock.now();
    await s.ctx.store.refreshTokens.create({
      id, tokenHash: sha256Hex(token), userId: alice.id, deviceId: (await mac.state.device())!.serverDeviceId!, authTime: at - 60_000, amr: ['swk', 'mfa'],
      createdAt: at, expiresAt: at + 86_400_000, revokedAt: null, replacedById: null, familyId: id, graceUsedAt: null,
    });
    const u = await mac.state.user(ALICE);
    await mac.state.saveTokens(u.slug, { ...u.tokens!, refreshToken: token });
    const since = s.signIns.events.length;
    const r = await browse(mac, { url: `${rp.url}/login` });
    assert.equal(r.ok, true, JSON.stringify(r.refusal ?? r.claims));
    assert.equal(r.silent, true);
    const claims = (r.claims as { claims: Record<string, unknown> }).claims;
    assert.deepEqual(claims.amr, ['swk', 'mfa']);
    assert.equal(claims.auth_time, Math.floor((at - 60_000) / 1000), 'auth_time is the Mac\'s login, not this sign-in');
    const rows = rowsFor(record.appId, since);
    assert.deepEqual(rows.map((x) => [x.error?.code, x.details?.via]), [[undefined, 'sso_proof']]);
  });

  it('a visible refusal for a revoked Mac, and its row names the app, the Mac and the user', async () => {
    const { record, rp } = await app('Expenses');
    const mac = await registeredMac(CAROL);
    const deviceId = (await mac.state.device())!.serverDeviceId!;
    await revokeDevice(s.ctx, deviceId);
    const since = s.signIns.events.length;
    const r = await browse(mac, { url: `${rp.url}/login` });
    assert.equal(r.ok, false);
    assert.equal(r.proofsSent, 1);
    assert.equal(r.refusal?.status, 400);
    assert.equal(r.refusal?.code, 'OPSSO1102');
    assert.match(r.refusal!.title, /Access to Expenses blocked/);
    assert.equal(r.claims, undefined, 'the app got no answer');
    const rows = rowsFor(record.appId, since);
    assert.equal(rows.length, 1);
    assert.equal(rows[0]!.appDisplayName, 'Expenses');
    assert.equal(rows[0]!.error?.code, 'OPSSO1102');
    assert.equal(rows[0]!.deviceId, deviceId);
    assert.equal(rows[0]!.userPrincipalName, CAROL);
  });

  it('a policy that blocks the app refuses the proven session visibly too', async () => {
    const { record, rp } = await app('Legacy CRM');
    await blockFor(s, record.appId);
    const mac = await registeredMac(ALICE);
    const since = s.signIns.events.length;
    const r = await browse(mac, { url: `${rp.url}/login` });
    assert.equal(r.ok, false);
    assert.equal(r.refusal?.code, 'OPSSO1703');
    const rows = rowsFor(record.appId, since);
    assert.deepEqual(rows.map((x) => x.error?.code), ['OPSSO1703']);
    assert.equal(rows[0]!.appDisplayName, 'Legacy CRM');
  });

  it('a Mac without Platform SSO tokens falls back to the pages: name, password, and the app answers', async () => {
    const { rp } = await app('Intranet');
    const r = await browse(new VirtualMac({ memory: true, clock, scryptCost: 1024 }), { url: `${rp.url}/login`, user: ALICE, password: DEMO_PASSWORD });
    assert.equal(r.ok, true, JSON.stringify(r.refusal ?? r.claims));
    assert.equal(r.proofsSent, 0);
    assert.deepEqual(r.pages, ['/signin/username', '/signin/password']);
    assert.deepEqual((r.claims as { claims: Record<string, unknown> }).claims.amr, ['pwd']);
  });

  it('the command line: `openpsso mac browse URL` prints the silent sign-in and the app\'s claims', async () => {
    const { rp } = await app('Handbook');
    const dir = mkdtempSync(join(tmpdir(), 'openpsso-browse-'));
    try {
      await new VirtualMac({ dir, clock, scryptCost: 1024 }).register({ server: s.url, token: s.registrationToken, user: ALICE, method: 'password', password: DEMO_PASSWORD });
      const r = await runCli(s.dataDir, 'mac', 'browse', '--mac', dir, `${rp.url}/login`);
      assert.equal(r.code, 0, r.err);
      assert.match(r.out, /Single sign-on: Platform SSO session proof sent \(1\)\./);
      assert.match(r.out, /No sign-in page was shown\./);
      const alice = (await s.ctx.store.users.getByPrincipalName(s.orgId, ALICE))!;
      assert.match(r.out, new RegExp(`"sub": "${alice.id}"`));
      assert.match(r.out, /"acr": "urn:openpsso:acr:pwd"/);
      const bad = await runCli(s.dataDir, 'mac', 'browse', '--mac', dir, '--no-sso', `${rp.url}/login`);
      assert.equal(bad.code, 1);
      assert.match(bad.err, /asks for the account name; pass --user/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
