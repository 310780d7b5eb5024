// Request times over HTTP (issue 7, item 5): each refused time is a 400 with its own code and a
// sign-in log entry saying which, for the request, a Secure Enclave assertion and an encrypted password.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { RawDevice, newKey } from '../helpers/raw-device.js';
import { NO_EXP_CASES, TIME_CASES, asStrings, encryptedAssertionWithClaims } from '../helpers/time-cases.js';
import { DEMO_PASSWORD } from '../../src/app/demo.js';
import { ManualClock } from '../../src/app/clock.js';
import { catalogue, formatCode, type ErrorName } from '../../src/errors/catalogue.js';
import { b64Decode, buildEmbeddedAssertion, buildKeyRequest, buildRefreshRequest, DEFAULT_SCOPE } from '../../src/protocol/index.js';
import { parseCompactJws, signCompactJws } from '../../src/protocol/jws.js';

const ALICE = 'alice@demo.openpsso.test';
const code = (name: string) => formatCode(catalogue.get(name as ErrorName)!);

describe('request times over HTTP', () => {
  let s: TestServer;
  let dev: RawDevice;
  const clock = new ManualClock(Date.now());
  const now = () => Math.floor(clock.now() / 1000);

  before(async () => {
    // Dozens of logins for one user on a clock that stands still: the credential guard's account
    // throttle (tested in credential-guard.test.ts) is widened so only the times are under test here.
    s = await startTestServer({ clock, overrides: { credentialGuard: { perAccount: { burst: 10_000, perSecond: 100 } } } });
    dev = new RawDevice(s.url);
    assert.equal((await dev.register(s.registrationToken)).status, 201);
  });
  after(async () => { await s.close(); });

  function lastLoggedError(): string | undefined {
    return s.signIns.events.at(-1)?.error?.entry.name;
  }

  async function expectOutcome(r: { status: number; text: string; json?: any }, refusal: string | null, label: string): Promise<void> {
    if (refusal === null) {
      assert.equal(r.status, 200, `${label}: ${r.text}`);
      assert.equal(lastLoggedError(), undefined, label);
      return;
    }
    assert.equal(r.status, 400, `${label}: ${r.text}`);
    assert.equal(r.json.error_code, code(refusal), label);
    assert.equal(r.json.error, 'invalid_request', label);
    assert.equal(lastLoggedError(), refusal, `${label}: the sign-in log names the cause`);
  }

  it('password login: every boundary, as numbers and as numeric strings', async () => {
    for (const c of TIME_CASES) {
      for (const [label, times] of [['numbers', c.times(now())], ['strings', asStrings(c.times(now()))]] as const) {
        const built = dev.loginRequest(await dev.nonce(), now(), { username: ALICE, password: DEMO_PASSWORD, extraClaims: times });
        await expectOutcome(await dev.send(built.jwt), c.refusal, `${c.name} (${label})`);
      }
    }
  });

  it('macOS 13 flavour (no exp): exp = iat + 300 is assumed', async () => {
    for (const c of NO_EXP_CASES) {
      const built = dev.loginRequest(await dev.nonce(), now(), { username: ALICE, password: DEMO_PASSWORD, flavour: 'v13', extraClaims: asStrings(c.times(now())) });
      await expectOutcome(await dev.send(built.jwt, '1.0', 'request'), c.refusal, c.name);
    }
  });

  it('a Secure Enclave assertion with bad times is refused with 400, not taken for a bad credential', async () => {
    const userKey = newKey();
    const reg = await dev.registerUser(s.registrationToken, {
      userPrincipalName: ALICE, method: 'secure_enclave', password: DEMO_PASSWORD, userKey: Buffer.from(userKey.x963).toString('base64url'), userKeyId: userKey.kid,
    });
    assert.equal(reg.status, 201, reg.text);
    for (const c of TIME_CASES) {
      const requestNonce = await dev.nonce();
      const nonce = crypto.randomUUID().toUpperCase();
      const good = buildEmbeddedAssertion({
        key: userKey.privateKey, kid: userKey.kid, alg: 'ES256', username: ALICE, audience: 'openpsso-macos', nonce, requestNonce, scope: DEFAULT_SCOPE, now: now(),
      });
      const p = parseCompactJws(good);
      const assertion = signCompactJws(p.header, { ...p.claims, ...c.times(now()) }, userKey.privateKey, 'apple');
      const built = dev.loginRequest(requestNonce, now(), { username: ALICE, assertion, nonce });
      await expectOutcome(await dev.send(built.jwt), c.refusal, `SE assertion: ${c.name}`);
    }
  });

  it('an encrypted password assertion with bad times is refused with 400', async () => {
    const reg = await dev.register(s.registrationToken);
    const serverKey = b64Decode(reg.json.loginConfiguration.loginRequestEncryptionPublicKey);
    for (const c of TIME_CASES) {
      const requestNonce = await dev.nonce();
      const nonce = crypto.randomUUID().toUpperCase();
      const assertion = encryptedAssertionWithClaims(serverKey, requestNonce, {
        iss: ALICE, sub: ALICE, aud: 'openpsso-macos', ...asStrings(c.times(now())), nonce, request_nonce: requestNonce, scope: DEFAULT_SCOPE, password: DEMO_PASSWORD,
      });
      const built = dev.loginRequest(requestNonce, now(), { username: ALICE, assertion, nonce });
      await expectOutcome(await dev.send(built.jwt), c.refusal, `encrypted assertion: ${c.name}`);
    }
  });

  it('refresh and key requests get the same checks, before the refresh token is looked at', async () => {
    const login = dev.loginRequest(await dev.nonce(), now(), { username: ALICE, password: DEMO_PASSWORD });
    const rt = dev.open(await dev.send(login.jwt), login).refresh_token as string;
    const tooOld = buildRefreshRequest({
      ...dev.base64Opts(await dev.nonce(), now()), tokenUrl: dev.tokenUrl, refreshToken: rt, username: ALICE, extraClaims: { iat: now() - 400, exp: now() + 100 },
    });
    await expectOutcome(await dev.send(tooOld.jwt), 'request_too_old', 'refresh');
    const ahead = buildKeyRequest({ ...dev.base64Opts(await dev.nonce(), now()), refreshToken: rt, username: ALICE, extraClaims: { iat: now() + 120, exp: now() + 420 } });
    await expectOutcome(await dev.send(ahead.jwt, '2.0'), 'request_issued_in_future', 'key request');
    // Neither refusal spent the refresh token.
    const ok = dev.refreshRequest(await dev.nonce(), now(), rt, ALICE);
    await expectOutcome(await dev.send(ok.jwt), null, 'refresh after the refusals');
  });

  it('the limits come from the configuration', async () => {
    const strict = await startTestServer({ clock, overrides: { tokens: { maxRequestAgeSeconds: 60, maxRequestLifetimeSeconds: 300, clockSkewSeconds: 10 }, credentialGuard: { perAccount: { burst: 10_000, perSecond: 100 } } } });
    try {
      const d = new RawDevice(strict.url);
      await d.register(strict.registrationToken);
      const send = async (times: { iat: number; exp: number }) =>
        d.send(d.loginRequest(await d.nonce(), now(), { username: ALICE, password: DEMO_PASSWORD, extraClaims: times }).jwt);
      const n = now();
      assert.equal((await send({ iat: n - 70, exp: n + 200 })).status, 200);
      assert.equal((await send({ iat: n - 71, exp: n + 200 })).json.error_code, code('request_too_old'));
      assert.equal((await send({ iat: n, exp: n + 301 })).json.error_code, code('request_lifetime_too_long'));
      assert.equal((await send({ iat: n + 11, exp: n + 311 })).json.error_code, code('request_issued_in_future'));
      // The same requests pass the default limits.
      assert.equal((await dev.send(dev.loginRequest(await dev.nonce(), now(), { username: ALICE, password: DEMO_PASSWORD, extraClaims: { iat: n - 71, exp: n + 200 } }).jwt)).status, 200);
    } finally {
      await strict.close();
    }
  });
});
