// End to end: virtual Macs against the real server over loopback HTTP on a fresh SQLite file,
// for every method, refresh, key exchange, device revocation and password change.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { makeCardPki } from '../helpers/card-pki.js';
import { ManualClock } from '../../src/app/clock.js';
import { DEMO_PASSWORD } from '../../src/app/demo.js';
import { VirtualMac } from '../../src/mac/agent.js';
import { MacError } from '../../src/mac/errors.js';
import { revokeDevice, findUser, setPassword } from '../../src/app/directory.js';

const ALICE = 'alice@demo.openpsso.test';
const BOB = 'bob@demo.openpsso.test';
const CAROL = 'carol@demo.openpsso.test';
const HOUR = 3600_000;

describe('virtual Macs against the real server', () => {
  const clock = new ManualClock(Date.now());
  let s: TestServer;
  let pki: Awaited<ReturnType<typeof makeCardPki>>;
  const macDir = () => mkdtempSync(join(tmpdir(), 'vmac-'));
  const mac = () => new VirtualMac({ dir: macDir(), clock, scryptCost: 1024 });

  before(async () => {
    const pkiDir = mkdtempSync(join(tmpdir(), 'pki-'));
    pki = await makeCardPki(pkiDir, CAROL);
    s = await startTestServer({ clock, overrides: { smartCard: { trustedCaFiles: [pki.caFile], userMapping: 'upn-san' } } });
  });
  after(async () => { await s.close(); });

  it('password method: register, key request, login window, refresh after 4 h, key exchange', async () => {
    const m = mac();
    const reg = await m.register({ server: s.url, token: s.registrationToken, user: ALICE, method: 'password', password: DEMO_PASSWORD });
    assert.equal(reg.method, 'password');
    assert.equal(reg.sharedDeviceKeys, true);
    assert.match(reg.unlockCertificateSubject ?? '', /OpenPSSO Platform Key Access/);

    // Same password, fresh tokens: the login window needs no network, but unlock keys still verify.
    const local = await m.login({ user: ALICE, password: DEMO_PASSWORD });
    assert.equal(local.ok, true);
    assert.equal(local.path, 'local', 'no token request: the unlock key exchange is the only network use');
    assert.equal(local.unlockKeyVerified, true);

    // Tokens older than 4 h and within LoginFrequency: a refresh, not a full login.
    clock.advance(5 * HOUR);
    const r = await m.refresh({ user: ALICE });
    assert.equal(r.ok, true);
    assert.equal(r.action, 'refresh', r.reason);

    const kx = await m.keyExchange({ user: ALICE, count: 3 });
    assert.equal(kx.verified, true);
    assert.equal(kx.exchanges.length, 3);

    // Past LoginFrequency (18 h) since the last full login: a refresh is no longer allowed.
    clock.advance(19 * HOUR);
    const late = await m.refresh({ user: ALICE, password: DEMO_PASSWORD });
    assert.equal(late.action, 'full_login', late.reason);

    const st = await m.status({ user: ALICE });
    assert.match(st.text, /^Device Configuration:\n \{/m);
    assert.match(st.text, /"registrationCompleted" : true/);
    assert.match(st.text, /\(Not Expired\)/);
    assert.match(st.text, /kept in sync/);

    // The sign-in log saw every operation, none failed.
    const ops = s.signIns.events.filter((e) => e.deviceUuid === reg.deviceUuid).map((e) => e.operation);
    for (const op of ['login', 'key_request', 'refresh', 'key_exchange']) assert.ok(ops.includes(op as never), `${op} logged`);
  });

  it('password change at the IdP: the new password at the login window syncs the local password', async () => {
    const m = mac();
    await m.register({ server: s.url, token: s.registrationToken, user: BOB, method: 'password', password: DEMO_PASSWORD });
    const bob = await findUser(s.ctx, s.orgId, BOB);
    await setPassword(s.ctx, bob, 'New-Passw0rd-2026');
    try {
      const res = await m.login({ user: BOB, password: 'New-Passw0rd-2026' });
      assert.equal(res.ok, true);
      assert.equal(res.path, 'full_login');
      assert.equal(res.passwordSynced, true);
      // The old password no longer opens the account locally, the new one does without the network.
      const old = await m.login({ user: BOB, password: DEMO_PASSWORD });
      assert.equal(old.ok, false);
      const again = await m.login({ user: BOB, password: 'New-Passw0rd-2026' });
      assert.equal(again.ok, true);
      assert.equal(again.path, 'local');
    } finally {
      await setPassword(s.ctx, bob, DEMO_PASSWORD);
    }
  });

  it('encrypted password: the password travels only inside a JWE to the server key', async () => {
    const m = mac();
    const reg = await m.register({ server: s.url, token: s.registrationToken, user: ALICE, method: 'password', password: DEMO_PASSWORD, encryptPassword: true });
    const ev = s.signIns.events.filter((e) => e.deviceUuid === reg.deviceUuid && e.operation === 'login');
    assert.equal(ev.at(-1)?.method, 'encrypted_password');
    const plain = mac();
    const reg2 = await plain.register({ server: s.url, token: s.registrationToken, user: ALICE, method: 'password', password: DEMO_PASSWORD, encryptPassword: false });
    assert.equal(s.signIns.events.filter((e) => e.deviceUuid === reg2.deviceUuid && e.operation === 'login').at(-1)?.method, 'password');
  });

  it('Secure Enclave method: silent logins, the local password is never touched', async () => {
    const m = mac();
    const reg = await m.register({ server: s.url, token: s.registrationToken, user: BOB, method: 'secure_enclave', password: DEMO_PASSWORD });
    assert.ok(reg.userKeyId);
    const res = await m.login({ user: BOB, password: DEMO_PASSWORD });
    assert.equal(res.ok, true);
    assert.equal(res.path, 'full_login');
    assert.equal(res.passwordSynced, false);
    const ev = s.signIns.events.filter((e) => e.deviceUuid === reg.deviceUuid && e.operation === 'login');
    assert.equal(ev.at(-1)?.method, 'secure_enclave');
    const st = await m.status({ user: BOB });
    assert.match(st.text, /independent of the IdP password/);
  });

  it('smart card method: the card certificate chains to the configured CA', async () => {
    const m = mac();
    const reg = await m.register({ server: s.url, token: s.registrationToken, user: CAROL, method: 'smart_card', password: DEMO_PASSWORD, cardKeyPath: pki.cardKeyFile, cardCertPath: pki.cardCertFile });
    const res = await m.login({ user: CAROL });
    assert.equal(res.ok, true, res.messages.join('\n'));
    assert.equal(s.signIns.events.filter((e) => e.deviceUuid === reg.deviceUuid && e.operation === 'login').at(-1)?.method, 'smart_card');
  });

  it('a wrong password at the login window is a credential failure (401), not a repair', async () => {
    const m = mac();
    await m.register({ server: s.url, token: s.registrationToken, user: ALICE, method: 'password', password: DEMO_PASSWORD });
    const res = await m.login({ user: ALICE, password: 'definitely-wrong' });
    assert.equal(res.ok, false);
    assert.match(res.messages.join('\n'), /password/i);
  });

  it('device revocation: the next request is refused visibly and status says Needs repair', async () => {
    const m = mac();
    const reg = await m.register({ server: s.url, token: s.registrationToken, user: ALICE, method: 'password', password: DEMO_PASSWORD });
    await revokeDevice(s.ctx, reg.serverDeviceId!);
    await assert.rejects(m.refresh({ user: ALICE, force: true }), (e: unknown) => {
      assert.ok(e instanceof MacError);
      assert.equal(e.code, 'OPSSO1102');
      assert.match(e.message, /revoked/);
      return true;
    });
    const st = await m.status({ user: ALICE });
    assert.match(st.text, /Needs repair/);
    // Repair: registering again creates new device keys and works at once.
    const again = await m.register({ server: s.url, token: s.registrationToken, user: ALICE, method: 'password', password: DEMO_PASSWORD });
    assert.equal(again.device, 're-registered');
    assert.equal((await m.login({ user: ALICE, password: DEMO_PASSWORD })).ok, true);
  });
});
