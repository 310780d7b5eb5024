// The Platform SSO session proof (issue 9 item 3): a good proof proves its session, and every bad one
// gets its catalogue code with nothing stored (no nonce used, no token or device touched).

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { newKey } from '../helpers/raw-device.js';
import { dbSnapshot } from '../helpers/db-snapshot.js';
import { proofFrom, registeredMac, type Mac } from './helpers.js';
import { ManualClock } from '../../src/app/clock.js';
import { ssoProofFor } from '../../src/app/sso/proof.js';
import { PssoError } from '../../src/errors/psso-error.js';
import { buildSsoProof, parseSsoProof, refreshTokenBinding, SSO_PROOF_TYP } from '../../src/protocol/sso-proof.js';
import { signCompactJws } from '../../src/protocol/jws.js';
import { b64uEncode } from '../../src/protocol/base64.js';

const ALICE = 'alice@demo.openpsso.test';
const BOB = 'bob@demo.openpsso.test';

describe('Platform SSO session proof', () => {
  let s: TestServer;
  const clock = new ManualClock(Date.now());
  const now = () => Math.floor(clock.now() / 1000);
  let alice: Mac;
  let bob: Mac;

  const proof = (m: Mac, o: Partial<Parameters<typeof buildSsoProof>[0]> = {}) => proofFrom(s.url, now(), m, o);
  const check = (header: string | string[] | undefined) => ssoProofFor(s.ctx, { headers: header === undefined ? {} : { 'platform-sso-authorization': header } }, { clientId: 'app' });

  /** The proof is refused with `code`, and the database is exactly as before. */
  async function refused(header: string | string[], code: string) {
    const before = dbSnapshot(s.dataDir);
    await assert.rejects(check(header), (e: unknown) => {
      assert.ok(e instanceof PssoError, String(e));
      assert.equal(e.code, code, e.message);
      return true;
    });
    assert.deepEqual(dbSnapshot(s.dataDir), before);
  }

  before(async () => {
    s = await startTestServer({ clock });
    alice = await registeredMac(s, ALICE, now());
    bob = await registeredMac(s, BOB, now());
  });
  after(async () => { await s.close(); });

  it('no header is no proof: null, so the pages sign the user in', async () => {
    assert.equal(await check(undefined), null);
  });

  it('a good proof names the user, the Mac and the session amr and time; its nonce is then used', async () => {
    const before = dbSnapshot(s.dataDir);
    const p = await check(await proof(alice));
    assert.ok(p);
    assert.equal(p.user.userPrincipalName, ALICE);
    assert.equal(p.deviceId, alice.dev.id);
    assert.deepEqual(p.amr, ['pwd']);
    assert.ok(Math.abs(p.authTime - clock.now()) < 5000);
    assert.equal(dbSnapshot(s.dataDir)['nonces.used'], before['nonces.used']! + 1);
  });

  it('the scheme is case-insensitive and the sub compares like user names do', async () => {
    const h = await proof(alice, { username: ALICE.toUpperCase() });
    assert.ok(await check(h.replace('SSO-Proof', 'sso-proof')));
  });

  it('replayed: the same proof twice is nonce_replayed the second time', async () => {
    const h = await proof(alice);
    assert.ok(await check(h));
    await refused(h, 'OPSSO1108');
  });

  it('signed by the wrong key (kid of the Mac, another key): bad_signature', async () => {
    await refused(await proof(alice, { deviceSigningKey: newKey().privateKey }), 'OPSSO1103');
  });

  it('an unknown kid: unknown_device', async () => {
    const k = newKey();
    await refused(await proof(alice, { deviceSigningKey: k.privateKey, kid: k.kid }), 'OPSSO1101');
  });

  it('expired, issued in the future, or living longer than 5 minutes: sso_proof_expired', async () => {
    await refused(await proof(alice, { now: now() - 400 }), 'OPSSO1861');
    await refused(await proof(alice, { now: now() + 120 }), 'OPSSO1861');
    await refused(await proof(alice, { lifetimeSeconds: 301 }), 'OPSSO1861');
  });

  it('aud not the issuer: sso_proof_wrong_audience', async () => {
    await refused(await proof(alice, { issuer: `${s.url}/` }), 'OPSSO1862');
    await refused(await proof(alice, { issuer: 'https://evil.example' }), 'OPSSO1862');
  });

  it('a nonce the server never issued: nonce_unknown', async () => {
    await refused(buildSsoProof({ deviceSigningKey: alice.dev.signing.privateKey, kid: alice.dev.signing.kid, nonce: 'made-up', issuer: s.url, username: ALICE, refreshToken: alice.refreshToken, now: now() }), 'OPSSO1106');
  });

  /** A proof with hand-picked claims, signed by alice's Mac. */
  const handMade = (claims: Record<string, unknown>, header: Record<string, unknown> = {}) =>
    `SSO-Proof ${signCompactJws({ alg: 'ES256', typ: SSO_PROOF_TYP, kid: alice.dev.signing.kid, ...header }, claims, alice.dev.signing.privateKey)}`;
  const goodClaims = async () => ({
    aud: s.url, sub: ALICE, iat: now(), exp: now() + 60, request_nonce: await alice.dev.nonce('/psso/nonce'), rt_hash: refreshTokenBinding(alice.refreshToken),
  });

  it('no nonce, no rt_hash, no sub or a wrong typ: sso_proof_malformed', async () => {
    for (const drop of ['request_nonce', 'rt_hash', 'sub', 'aud', 'iat', 'exp']) {
      const c: Record<string, unknown> = await goodClaims();
      delete c[drop];
      await refused(handMade(c), 'OPSSO1860');
    }
    await refused(handMade({ ...(await goodClaims()), rt_hash: b64uEncode(Buffer.alloc(16)) }), 'OPSSO1860');
    await refused(handMade(await goodClaims(), { typ: 'JWT' }), 'OPSSO1860');
  });

  it('a header that is not one SSO-Proof JWS: sso_proof_malformed; alg none: unsupported_algorithm', async () => {
    const good = await proof(alice);
    await refused(good.replace('SSO-Proof ', ''), 'OPSSO1860');
    await refused(good.replace('SSO-Proof', 'Bearer'), 'OPSSO1860');
    await refused('SSO-Proof not.a.jws', 'OPSSO1860');
    await refused([good, good], 'OPSSO1860');
    const [h, p] = good.slice('SSO-Proof '.length).split('.');
    const none = b64uEncode(Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(h!, 'base64url').toString()), alg: 'none' })));
    await refused(`SSO-Proof ${none}.${p}.`, 'OPSSO1005');
  });

  it('for another user: bob\'s refresh token with alice\'s sub, or alice\'s token signed by bob\'s Mac: sso_proof_wrong_user', async () => {
    await refused(await proof(bob, { username: ALICE }), 'OPSSO1864');
    await refused(await proof(alice, { deviceSigningKey: bob.dev.signing.privateKey, kid: bob.dev.signing.kid }), 'OPSSO1864');
  });

  it('a refresh token that is unknown or superseded by a refresh: sso_proof_session_ended', async () => {
    await refused(await proof(alice, { refreshToken: 'rt.not-a-token' }), 'OPSSO1863');
    const carol = await registeredMac(s, 'carol@demo.openpsso.test', now());
    const built = carol.dev.refreshRequest(await carol.dev.nonce(), now(), carol.refreshToken, carol.user);
    const next = carol.dev.open(await carol.dev.send(built.jwt), built).refresh_token as string;
    await refused(await proof(carol), 'OPSSO1863');
    assert.ok(await check(await proof({ ...carol, refreshToken: next })));
  });

  it('an expired refresh token: sso_proof_session_ended', async () => {
    const m = await registeredMac(s, ALICE, now());
    clock.advance(14 * 86400 * 1000 + 1000);
    try {
      await refused(await proof(m), 'OPSSO1863');
    } finally {
      clock.advance(-(14 * 86400 * 1000 + 1000));
    }
  });

  it('a disabled user: user_disabled', async () => {
    const m = await registeredMac(s, BOB, now());
    const user = (await s.ctx.store.users.getByPrincipalName(s.orgId, BOB))!;
    await s.ctx.store.users.update(user.id, { enabled: false });
    try {
      await refused(await proof(m), 'OPSSO1202');
    } finally {
      await s.ctx.store.users.update(user.id, { enabled: true });
    }
  });

  it('from a revoked device: device_revoked, even with a token that was live until the revocation', async () => {
    const m = await registeredMac(s, ALICE, now());
    const h = await proof(m);
    const { revokeDevice } = await import('../../src/app/directory.js');
    await revokeDevice(s.ctx, m.dev.id);
    await refused(h, 'OPSSO1102');
  });

  it('the parser reads what the builder wrote', async () => {
    const h = await proof(alice);
    const p = parseSsoProof(h);
    assert.equal(p.kid, alice.dev.signing.kid);
    assert.equal(p.aud, s.url);
    assert.equal(p.sub, ALICE);
    assert.equal(p.exp - p.iat, 60);
    assert.equal(p.refreshTokenHash, Buffer.from(refreshTokenBinding(alice.refreshToken), 'base64url').toString('hex'));
  });
});
