// The id_token checks a Mac makes: signature via JWKS (refetched once for an unknown kid), nonce, iss, aud, times, groups.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SignJWT, exportJWK, generateKeyPair, type JWK } from 'jose';
import { IdTokenVerifier, groupsAfterLogin } from '../../src/mac/id-token.js';
import { MacHttp, type FetchLike } from '../../src/mac/http.js';
import { MacState, MemoryStore } from '../../src/mac/state-store.js';

const ISS = 'https://idp.example.com';
const JWKS_URL = `${ISS}/.well-known/jwks.json`;
const NOW = 1_777_000_000_000;
const NONCE = 'A1B2C3D4-0000-4000-8000-000000000001';

async function key(kid: string) {
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  return { privateKey, jwk: { ...(await exportJWK(publicKey)), kid, use: 'sig', alg: 'ES256' } as JWK, kid };
}

function fakeJwks(keys: () => JWK[]) {
  const calls: string[] = [];
  const fetch: FetchLike = async (url) => {
    calls.push(url);
    return { status: 200, headers: { get: () => 'application/json' }, text: async () => JSON.stringify({ keys: keys() }) };
  };
  return { fetch, calls };
}

const sign = (k: { privateKey: CryptoKey | import('node:crypto').KeyObject; kid: string }, claims: Record<string, unknown> = {}, o: { iss?: string; aud?: string; iat?: number; exp?: number } = {}) =>
  new SignJWT({ nonce: NONCE, ...claims }).setProtectedHeader({ alg: 'ES256', kid: k.kid }).setIssuer(o.iss ?? ISS).setAudience(o.aud ?? 'openpsso-macos')
    .setSubject('usr_1').setIssuedAt(o.iat ?? NOW / 1000).setExpirationTime(o.exp ?? NOW / 1000 + 3600).sign(k.privateKey);

const expect = { jwksUrl: JWKS_URL, issuer: ISS, clientID: 'openpsso-macos', nonce: NONCE, now: NOW, skewSeconds: 60 };

test('a good token verifies; the JWKS is fetched once and cached', async () => {
  const k = await key('k1');
  const f = fakeJwks(() => [k.jwk]);
  const v = new IdTokenVerifier(new MacHttp(f.fetch), new MacState(new MemoryStore()));
  const claims = await v.verify(await sign(k, { groups: ['a'] }), expect);
  assert.equal(claims.sub, 'usr_1');
  await v.verify(await sign(k), expect);
  assert.deepEqual(f.calls, [JWKS_URL]);
});

test('an unknown kid (key rotation) refetches the JWKS once', async () => {
  const k1 = await key('k1');
  const k2 = await key('k2');
  let keys = [k1.jwk];
  const f = fakeJwks(() => keys);
  const v = new IdTokenVerifier(new MacHttp(f.fetch), new MacState(new MemoryStore()));
  await v.verify(await sign(k1), expect);
  keys = [k1.jwk, k2.jwk];
  await v.verify(await sign(k2), expect);
  assert.equal(f.calls.length, 2);
  const k3 = await key('k3');
  await assert.rejects(v.verify(await sign(k3), expect), /kid\) is not in the JWKS/);
  assert.equal(f.calls.length, 3, 'one refetch per unknown kid, then give up');
});

test('every claim a Mac checks is enforced with a plain-words reason', async () => {
  const k = await key('k1');
  const other = await key('k1');
  const v = () => new IdTokenVerifier(new MacHttp(fakeJwks(() => [k.jwk]).fetch), new MacState(new MemoryStore()));
  await assert.rejects(v().verify(await sign(k, { nonce: 'OTHER' }), expect), /nonce .* is not the nonce this Mac sent/);
  await assert.rejects(v().verify(await sign(k, {}, { iss: 'https://evil.example' }), expect), /issuer \(iss\)/);
  await assert.rejects(v().verify(await sign(k, {}, { aud: 'someone-else' }), expect), /audience \(aud\)/);
  await assert.rejects(v().verify(await sign(k, {}, { exp: NOW / 1000 - 3600 }), expect), /expired/);
  await assert.rejects(v().verify(await sign(k, {}, { iat: NOW / 1000 + 600 }), expect), /issued in the future/);
  await assert.rejects(v().verify(await sign(other), expect), /signature does not verify/);
  await assert.rejects(v().verify(await sign(k, { groups: 'admins' }), expect), /groups is not an array/);
  // Within the allowed skew is fine.
  await v().verify(await sign(k, {}, { iat: NOW / 1000 + 30 }), expect);
});

test('group membership after a login: returned groups kept, unrequested ones ignored', () => {
  assert.deepEqual(groupsAfterLogin(['mac-admins', 'sales'], ['mac-admins', 'other']), ['mac-admins']);
  assert.deepEqual(groupsAfterLogin(['mac-admins'], undefined), []);
  assert.equal(groupsAfterLogin(undefined, ['x']), undefined);
});
