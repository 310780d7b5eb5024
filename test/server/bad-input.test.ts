// The bad-input catalogue: each refused request gets its stable error code and status, and
// nothing is stored (every table's row count, used nonces and revocations stay as they were).

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, sign } from 'node:crypto';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { RawDevice, newKey, post } from '../helpers/raw-device.js';
import { dbSnapshot, newestSignInErrorCodes, signInLogCount } from '../helpers/db-snapshot.js';
import { lookupError } from '../../src/errors/catalogue.js';
import { DEMO_PASSWORD } from '../../src/app/demo.js';
import { ManualClock } from '../../src/app/clock.js';
import { buildEmbeddedAssertion, buildPssoForm, DEFAULT_SCOPE, pemFromX963 } from '../../src/protocol/index.js';

const ALICE = 'alice@demo.openpsso.test';
const b64u = (s: string | Buffer) => Buffer.from(s).toString('base64url');

/** Re-signs a JWS after editing its header or claims, with the device key (a well-signed but wrong request). */
function tamper(dev: RawDevice, jwt: string, edit: { header?: (h: any) => void; claims?: (c: any) => void; raw?: boolean }): string {
  const [h, p] = jwt.split('.') as [string, string];
  const header = JSON.parse(Buffer.from(h, 'base64url').toString());
  const claims = JSON.parse(Buffer.from(p, 'base64url').toString());
  edit.header?.(header);
  edit.claims?.(claims);
  const input = `${b64u(JSON.stringify(header))}.${b64u(JSON.stringify(claims))}`;
  const sig = sign('sha256', Buffer.from(input), { key: dev.signing.privateKey, dsaEncoding: 'ieee-p1363' });
  return `${input}.${b64u(sig)}`;
}

describe('bad-input catalogue', () => {
  let s: TestServer;
  const clock = new ManualClock(Date.now());
  const now = () => Math.floor(clock.now() / 1000);
  let dev: RawDevice;
  let other: RawDevice;
  let aliceRefresh: string;
  let otherRefresh: string;

  before(async () => {
    s = await startTestServer({ clock });
    dev = new RawDevice(s.url);
    other = new RawDevice(s.url);
    await dev.register(s.registrationToken);
    await other.register(s.registrationToken);
    const login = async (d: RawDevice) => {
      const b = d.loginRequest(await d.nonce(), now(), { username: ALICE, password: DEMO_PASSWORD });
      return d.open(await d.send(b.jwt), b).refresh_token as string;
    };
    aliceRefresh = await login(dev);
    otherRefresh = await login(other);
    void aliceRefresh;
  });
  after(async () => { await s.close(); });

  /** Sends `body` (after taking a snapshot), checks status + code, and that nothing changed. */
  /**
   * A request that passed every structural and signature check but failed at the credential stage
   * has used its nonce (single use, so one nonce cannot serve repeated guesses) and the credential
   * guard has counted one failure (a lockout row and throttle buckets may appear): `nonceConsumed`.
   */
  async function expectRefused(make: () => Promise<{ body: string; contentType?: string }>, status: number, code: string, nonceConsumed = false, guardCounted = nonceConsumed) {
    const { body, contentType } = await make();
    const before = dbSnapshot(s.dataDir);
    const logsBefore = signInLogCount(s.dataDir);
    if (nonceConsumed) before['nonces.used']! += 1;
    if (guardCounted) before['lockouts.failures']! += 1;
    const r = await post(`${s.url}/psso/token`, body, contentType);
    assert.equal(r.status, status, `${code}: got ${r.status} ${r.text}`);
    assert.equal(r.json?.error_code, code, r.text);
    assert.ok(r.json.correlation_id && r.json.timestamp && r.json.error_description && r.json.remediation);
    const afterSnap = dbSnapshot(s.dataDir);
    if (guardCounted) for (const t of ['lockouts', 'throttle_buckets']) before[t] = afterSnap[t]!;
    assert.deepEqual(afterSnap, before, 'nothing may be stored by a refused request');
    // Besides its one sign-in log row: requests refused before they could be read (content type, size) have none.
    const added = signInLogCount(s.dataDir) - logsBefore;
    assert.ok(added <= 1, `at most one sign-in log row, got ${added}`);
    const entry = lookupError(code)!;
    if (added === 1) assert.deepEqual(newestSignInErrorCodes(s.dataDir, 1), [entry.entra ?? entry.code]);
    else assert.ok(['OPSSO1002', 'OPSSO1003'].includes(code), `${code} must be logged`);
    return r;
  }

  const login = async (extra: Record<string, unknown> = {}, d = dev) =>
    d.loginRequest(await d.nonce(), now(), { username: ALICE, password: DEMO_PASSWORD, ...extra });
  const form = (jwt: string, v: '1.0' | '2.0' = '1.0') => ({ body: buildPssoForm(jwt, v) });

  it('replayed nonce → OPSSO1108', async () => {
    const b = await login();
    assert.equal((await dev.send(b.jwt)).status, 200);
    const again = dev.loginRequest(JSON.parse(Buffer.from(b.jwt.split('.')[1]!, 'base64url').toString()).request_nonce, now(), { username: ALICE, password: DEMO_PASSWORD });
    await expectRefused(async () => form(again.jwt), 400, 'OPSSO1108');
  });

  it('expired nonce → OPSSO1107', async () => {
    const n = await dev.nonce();
    clock.advance(301_000);
    await expectRefused(async () => form(dev.loginRequest(n, now(), { username: ALICE, password: DEMO_PASSWORD }).jwt), 400, 'OPSSO1107');
  });

  it('nonce never issued → OPSSO1106', async () => {
    await expectRefused(async () => form(dev.loginRequest('bm90LWlzc3VlZA==', now(), { username: ALICE, password: DEMO_PASSWORD }).jwt), 400, 'OPSSO1106');
  });

  it('unknown kid → OPSSO1101 (400, not 401)', async () => {
    const stranger = new RawDevice(s.url);
    await expectRefused(async () => form(stranger.loginRequest(await stranger.nonce(), now(), { username: ALICE, password: DEMO_PASSWORD }).jwt), 400, 'OPSSO1101');
  });

  it('kid in base64url without padding still finds the device', async () => {
    const b = await login();
    const jwt = tamper(dev, b.jwt, { header: (h) => { h.kid = h.kid.replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_'); } });
    const r = await dev.send(jwt);
    assert.equal(r.status, 200, r.text);
  });

  it('bad signature → OPSSO1103, and the nonce is not burnt', async () => {
    const b = await login();
    const [h, p, sig] = b.jwt.split('.') as [string, string, string];
    const flipped = Buffer.from(sig, 'base64url');
    flipped[10]! ^= 1;
    await expectRefused(async () => form(`${h}.${p}.${b64u(flipped)}`), 400, 'OPSSO1103');
    assert.equal((await dev.send(b.jwt)).status, 200, 'the untouched request still goes through with the same nonce');
  });

  it('alg none → OPSSO1005', async () => {
    const b = await login();
    const [, p] = b.jwt.split('.') as [string, string];
    const header = b64u(JSON.stringify({ typ: 'platformsso-login-request+jwt', alg: 'none', kid: dev.signing.kid }));
    await expectRefused(async () => form(`${header}.${p}.`), 400, 'OPSSO1005');
  });

  it('HS256 signed with the public key as secret → OPSSO1005', async () => {
    const b = await login();
    const [, p] = b.jwt.split('.') as [string, string];
    const header = b64u(JSON.stringify({ typ: 'platformsso-login-request+jwt', alg: 'HS256', kid: dev.signing.kid }));
    const mac = createHmac('sha256', pemFromX963(dev.signing.x963)).update(`${header}.${p}`).digest();
    await expectRefused(async () => form(`${header}.${p}.${b64u(mac)}`), 400, 'OPSSO1005');
  });

  it('wrong aud → OPSSO1110', async () => {
    const b = await login();
    await expectRefused(async () => form(tamper(dev, b.jwt, { claims: (c) => { c.aud = 'https://evil.example/token'; } })), 400, 'OPSSO1110');
  });

  it('wrong client_id → OPSSO1109', async () => {
    const b = await login();
    await expectRefused(async () => form(tamper(dev, b.jwt, { claims: (c) => { c.client_id = 'other'; c.iss = 'other'; } })), 400, 'OPSSO1109');
  });

  it('expired request (exp in the past) → OPSSO1104', async () => {
    const b = await login();
    await expectRefused(async () => form(tamper(dev, b.jwt, { claims: (c) => { c.iat = now() - 1000; c.exp = now() - 700; } })), 400, 'OPSSO1104');
  });

  it('iat in the future → OPSSO1119; numeric strings are accepted', async () => {
    const b = await login();
    await expectRefused(async () => form(tamper(dev, b.jwt, { claims: (c) => { c.iat = now() + 3600; c.exp = now() + 3900; } })), 400, 'OPSSO1119');
    const ok = await login();
    const r = await dev.send(tamper(dev, ok.jwt, { claims: (c) => { c.iat = String(c.iat); c.exp = String(c.exp); } }));
    assert.equal(r.status, 200, r.text);
  });

  for (const claim of ['nonce', 'request_nonce', 'jwe_crypto', 'username']) {
    it(`missing ${claim} → refused with a 400`, async () => {
      const b = await login();
      await expectRefused(async () => form(tamper(dev, b.jwt, { claims: (c) => { delete c[claim]; } })), 400, 'OPSSO1105');
    });
  }

  it('missing scope → OPSSO1111', async () => {
    const b = await login();
    await expectRefused(async () => form(tamper(dev, b.jwt, { claims: (c) => { c.scope = 'openid'; } })), 400, 'OPSSO1111');
  });

  it('unsupported jwe_crypto → OPSSO1112', async () => {
    const b = await login();
    await expectRefused(async () => form(tamper(dev, b.jwt, { claims: (c) => { c.jwe_crypto.enc = 'A128GCM'; } })), 400, 'OPSSO1112');
  });

  it("apv naming another device's key → OPSSO1113", async () => {
    const b = await login();
    const foreign = other.loginRequest('x', now(), { username: ALICE, password: 'x' });
    const foreignApv = JSON.parse(Buffer.from(foreign.jwt.split('.')[1]!, 'base64url').toString());
    await expectRefused(async () => form(tamper(dev, b.jwt, { claims: (c) => { c.jwe_crypto.apv = foreignApv.jwe_crypto.apv; c.nonce = foreignApv.nonce; } })), 400, 'OPSSO1113');
  });

  it("embedded assertion signed by another user's key → 401 OPSSO1203", async () => {
    const bobKey = newKey();
    const reg = await dev.registerUser(s.registrationToken, { userPrincipalName: 'bob@demo.openpsso.test', method: 'secure_enclave', password: DEMO_PASSWORD, userKey: bobKey.x963.toString('base64'), userKeyId: bobKey.kid });
    assert.equal(reg.status, 201, reg.text);
    const requestNonce = await dev.nonce();
    const nonce = crypto.randomUUID().toUpperCase();
    const assertion = buildEmbeddedAssertion({ key: bobKey.privateKey, kid: bobKey.kid, alg: 'ES256', username: ALICE, audience: 'openpsso-macos', nonce, requestNonce, scope: DEFAULT_SCOPE, now: now() });
    await expectRefused(async () => form(dev.loginRequest(requestNonce, now(), { username: ALICE, assertion, nonce }).jwt), 401, 'OPSSO1203', true);
  });

  it('wrong password and unknown user look the same (401 OPSSO1201)', async () => {
    const a = await expectRefused(async () => form((await login({ password: 'wrong' })).jwt), 401, 'OPSSO1201', true);
    const b = await expectRefused(async () => form((await login({ username: 'nobody@demo.openpsso.test' })).jwt), 401, 'OPSSO1201', true);
    assert.equal(a.json.error_description, b.json.error_description);
  });

  it('a NUL inside a signed claim (username) → OPSSO1010, logged, never a database error', async () => {
    await expectRefused(async () => form((await login({ username: 'ali\u0000ce@demo.openpsso.test' })).jwt), 400, 'OPSSO1010', true, false);
  });

  it('refresh token from another device → OPSSO1302', async () => {
    await expectRefused(async () => form(dev.refreshRequest(await dev.nonce(), now(), otherRefresh, ALICE).jwt), 400, 'OPSSO1302', true, false);
  });

  it('revoked device → OPSSO1102', async () => {
    const victim = new RawDevice(s.url);
    await victim.register(s.registrationToken);
    const { revokeDevice } = await import('../../src/app/directory.js');
    await revokeDevice(s.ctx, victim.id);
    await expectRefused(async () => form(victim.loginRequest(await victim.nonce(), now(), { username: ALICE, password: DEMO_PASSWORD }).jwt), 400, 'OPSSO1102');
  });

  it('oversized body (over 64 KiB) → OPSSO1003', async () => {
    await expectRefused(async () => ({ body: `grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&assertion=${'A'.repeat(70 * 1024)}` }), 400, 'OPSSO1003');
  });

  it('malformed base64 → OPSSO1004 family; malformed JSON → OPSSO1004', async () => {
    await expectRefused(async () => form('e30.e30.%%%'), 400, 'OPSSO1004');
    await expectRefused(async () => form(`${b64u('{not json')}.${b64u('{}')}.AAAA`), 400, 'OPSSO1004');
    await expectRefused(async () => form('only-one-segment'), 400, 'OPSSO1004');
  });

  it('wrong content type → OPSSO1002; missing assertion → OPSSO1001; bad grant → OPSSO1006', async () => {
    await expectRefused(async () => ({ body: '{"grant_type":"srv_challenge"}', contentType: 'application/json' }), 400, 'OPSSO1002');
    await expectRefused(async () => ({ body: 'grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer' }), 400, 'OPSSO1001');
    await expectRefused(async () => ({ body: 'grant_type=password&username=a&password=b' }), 400, 'OPSSO1006');
  });

  it('registration API: bad token, bad key, kid mismatch, unknown fields — all stable codes, nothing stored', async () => {
    const d = new RawDevice(s.url);
    const cases: [string | undefined, Record<string, unknown>, number, string][] = [
      [undefined, {}, 401, 'OPSSO1501'],
      ['rgt.nope', {}, 401, 'OPSSO1501'],
      [s.registrationToken, { deviceUuid: d.uuid, signingKey: 'AAAA'.repeat(20), encryptionKey: pemFromX963(d.encryption.x963) }, 400, 'OPSSO1403'],
      [s.registrationToken, { deviceUuid: d.uuid, signingKey: pemFromX963(d.signing.x963), encryptionKey: pemFromX963(d.encryption.x963), signingKeyId: d.encryption.kid }, 400, 'OPSSO1504'],
      [s.registrationToken, { deviceUuid: 'not-a-uuid', signingKey: pemFromX963(d.signing.x963), encryptionKey: pemFromX963(d.encryption.x963) }, 400, 'OPSSO1503'],
      [s.registrationToken, { deviceUuid: d.uuid, signingKey: pemFromX963(d.signing.x963), encryptionKey: pemFromX963(d.encryption.x963), surprise: 1 }, 400, 'OPSSO1503'],
      [s.registrationToken, { deviceUuid: d.uuid, signingKey: pemFromX963(dev.signing.x963), encryptionKey: pemFromX963(d.encryption.x963) }, 409, 'OPSSO1507'],
    ];
    for (const [auth, body, status, code] of cases) {
      const before = dbSnapshot(s.dataDir);
      const r = await post(`${s.url}/api/v1/devices`, JSON.stringify(body), 'application/json', auth ? { authorization: `Bearer ${auth}` } : {});
      assert.equal(r.status, status, `${code}: ${r.text}`);
      assert.equal(r.json.error_code, code);
      assert.deepEqual(dbSnapshot(s.dataDir), before);
    }
    const broken = await post(`${s.url}/api/v1/devices`, '{"deviceUuid":', 'application/json', { authorization: `Bearer ${s.registrationToken}` });
    assert.equal(broken.status, 400);
    assert.equal(broken.json.error_code, 'OPSSO1001');
  });

  it('unknown paths get a JSON 404, never a stack trace', async () => {
    const r = await fetch(`${s.url}/nope`);
    assert.equal(r.status, 404);
    assert.equal(((await r.json()) as { error_code: string }).error_code, 'OPSSO1007');
  });
});

describe('router errors', () => {
  it('an unroutable URL gets a catalogue code, never a bare framework error', async () => {
    const s = await startTestServer();
    try {
      for (const path of [`/v1.0/users/${'a'.repeat(1500)}`, '/psso/%E0%A4%A']) {
        const r = await fetch(`${s.url}${path}`);
        assert.equal(r.status, 400);
        assert.equal(((await r.json()) as { error_code: string }).error_code, 'OPSSO1009');
      }
    } finally {
      await s.close();
    }
  });
});
