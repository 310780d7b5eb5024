// Refresh grace and family revocation over HTTP (issue 7, item 6; RFC 9700 §4.14.2): a reply lost
// after its rotation committed is repaired once, and any other reuse ends the whole login's tokens,
// with a sign-in log row that says so.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { RawDevice, type HttpResult } from '../helpers/raw-device.js';
import { DEMO_PASSWORD } from '../../src/app/demo.js';
import { ManualClock } from '../../src/app/clock.js';

const ALICE = 'alice@demo.openpsso.test';

describe('refresh grace and token families', () => {
  let s: TestServer;
  const clock = new ManualClock(Date.now());
  const now = () => Math.floor(clock.now() / 1000);

  before(async () => { s = await startTestServer({ clock }); });
  after(async () => { await s.close(); });

  /** A registered device with a fresh login; returns its first refresh token. */
  async function loggedIn(server = s): Promise<{ dev: RawDevice; token: string }> {
    const dev = new RawDevice(server.url);
    assert.equal((await dev.register(server.registrationToken)).status, 201);
    const built = dev.loginRequest(await dev.nonce(), now(), { username: ALICE, password: DEMO_PASSWORD });
    return { dev, token: dev.open(await dev.send(built.jwt), built).refresh_token as string };
  }

  async function refresh(dev: RawDevice, token: string): Promise<{ r: HttpResult; token?: string }> {
    const built = dev.refreshRequest(await dev.nonce(), now(), token, ALICE);
    const r = await dev.send(built.jwt);
    return r.status === 200 ? { r, token: dev.open(r, built).refresh_token as string } : { r };
  }

  function expectCode(r: HttpResult, code: string, label: string): void {
    assert.equal(r.status, 400, `${label}: ${r.text}`);
    assert.equal(r.json.error_code, code, label);
    assert.equal(r.json.error, 'invalid_grant', label);
  }

  async function liveTokens(dev: RawDevice): Promise<number> {
    return (await s.ctx.store.refreshTokens.listActiveForDevice(dev.id, clock.now())).length;
  }

  it('a lost reply: the previous token works once more, the third use ends the family', async () => {
    const { dev, token: t1 } = await loggedIn();
    const lost = await refresh(dev, t1);
    assert.equal(lost.r.status, 200, lost.r.text); // the Mac never sees lost.token
    clock.advance(30_000);
    const retry = await refresh(dev, t1);
    assert.equal(retry.r.status, 200, retry.r.text);
    assert.notEqual(retry.token, lost.token);
    assert.equal(await liveTokens(dev), 1, 'the unused successor was revoked: one live token remains');
    const third = await refresh(dev, t1);
    expectCode(third.r, 'OPSSO1304', 'third use');
    expectCode((await refresh(dev, retry.token!)).r, 'OPSSO1301', 'the re-issued token after the family was revoked');
    assert.equal(await liveTokens(dev), 0);

    const rows = (await s.ctx.store.signInLogs.query(s.orgId, { filter: null, top: 100 })).items;
    const row = rows.find((x) => x.status.errorCode === 1304 && x.deviceDetail.deviceId === dev.id);
    assert.ok(row, 'a sign-in log row with code 1304');
    assert.equal(row.userPrincipalName, ALICE);
    assert.match(row.status.additionalDetails ?? '', /^OPSSO1304 refresh_token_reused\. Fix: Someone may hold a copy/);
    assert.match(row.status.failureReason ?? '', /family rt_\S+ revoked \(1 live token\(s\)\)/);
  });

  it('once the successor was used, the previous token is reuse even inside the window', async () => {
    const { dev, token: t1 } = await loggedIn();
    const t2 = (await refresh(dev, t1)).token!;
    const t3 = (await refresh(dev, t2)).token!;
    expectCode((await refresh(dev, t1)).r, 'OPSSO1304', 'previous token after its successor was used');
    expectCode((await refresh(dev, t3)).r, 'OPSSO1301', 'the current token, revoked with its family');
    assert.equal(s.signIns.events.at(-2)?.error?.entry.name, 'refresh_token_reused');
  });

  it('outside the window the previous token is reuse, and its unused successor dies too', async () => {
    const { dev, token: t1 } = await loggedIn();
    const t2 = (await refresh(dev, t1)).token!;
    clock.advance(120_001);
    expectCode((await refresh(dev, t1)).r, 'OPSSO1304', 'just past the window');
    expectCode((await refresh(dev, t2)).r, 'OPSSO1301', 'successor');
  });

  it('the window boundary itself is inside', async () => {
    const { dev, token: t1 } = await loggedIn();
    assert.equal((await refresh(dev, t1)).r.status, 200);
    clock.advance(120_000);
    assert.equal((await refresh(dev, t1)).r.status, 200);
  });

  it('the successor a grace re-issue displaced is reuse when it shows up (an intercepted reply)', async () => {
    const { dev, token: t1 } = await loggedIn();
    const intercepted = (await refresh(dev, t1)).token!;
    const mine = (await refresh(dev, t1)).token!;
    expectCode((await refresh(dev, intercepted)).r, 'OPSSO1304', 'displaced successor');
    expectCode((await refresh(dev, mine)).r, 'OPSSO1301', "the Mac's token, revoked with the family");
  });

  it('the key service refuses a token in grace without spending or revoking anything', async () => {
    const { dev, token: t1 } = await loggedIn();
    assert.equal((await refresh(dev, t1)).r.status, 200);
    const key = await dev.send(dev.keyRequest(await dev.nonce(), now(), t1, ALICE).jwt, '2.0');
    expectCode(key, 'OPSSO1301', 'key request with a token in grace');
    const t3 = (await refresh(dev, t1)).token!;
    const ok = await dev.send(dev.keyRequest(await dev.nonce(), now(), t3, ALICE).jwt, '2.0');
    assert.equal(ok.status, 200, ok.text);
    // Past the window, the key service sees reuse like a refresh does.
    clock.advance(121_000);
    expectCode(await dev.send(dev.keyRequest(await dev.nonce(), now(), t1, ALICE).jwt, '2.0'), 'OPSSO1304', 'key request with a reused token');
    expectCode((await refresh(dev, t3)).r, 'OPSSO1301', 'current token after the family was revoked');
  });

  it('concurrent grace retries: exactly one succeeds and at most one token stays live', async () => {
    const { dev, token: t1 } = await loggedIn();
    assert.equal((await refresh(dev, t1)).r.status, 200);
    const built = await Promise.all(Array.from({ length: 10 }, async () => dev.refreshRequest(await dev.nonce(), now(), t1, ALICE)));
    const replies = await Promise.all(built.map((b) => dev.send(b.jwt)));
    assert.equal(replies.filter((r) => r.status === 200).length, 1, replies.map((r) => r.status).join(','));
    for (const r of replies.filter((x) => x.status !== 200)) assert.ok(['OPSSO1301', 'OPSSO1304'].includes(r.json.error_code), r.text);
    assert.ok((await liveTokens(dev)) <= 1);
  });

  it('refreshGraceSeconds 0 turns the grace off', async () => {
    const strict = await startTestServer({ clock, overrides: { tokens: { refreshGraceSeconds: 0 } } });
    try {
      const { dev, token: t1 } = await loggedIn(strict);
      const t2 = (await refresh(dev, t1)).token!;
      expectCode((await refresh(dev, t1)).r, 'OPSSO1304', 'immediate retry without grace');
      expectCode((await refresh(dev, t2)).r, 'OPSSO1301', 'successor');
    } finally {
      await strict.close();
    }
  });
});
