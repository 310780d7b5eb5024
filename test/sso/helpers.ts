// A Mac registered over the raw protocol and logged in with a password: what a session proof needs
// (its device keys, its user and the refresh token the proof binds to).

import { buildSsoProof } from '../../src/protocol/sso-proof.js';
import assert from 'node:assert/strict';
import { RawDevice } from '../helpers/raw-device.js';
import { DEMO_PASSWORD } from '../../src/app/demo.js';
import type { TestServer } from '../helpers/test-server.js';

export interface Mac { dev: RawDevice; user: string; refreshToken: string }

export async function registeredMac(s: TestServer, user: string, nowSeconds: number): Promise<Mac> {
  const dev = new RawDevice(s.url);
  assert.equal((await dev.register(s.registrationToken)).status, 201);
  const built = dev.loginRequest(await dev.nonce(), nowSeconds, { username: user, password: DEMO_PASSWORD });
  return { dev, user, refreshToken: dev.open(await dev.send(built.jwt), built).refresh_token as string };
}

/** A session proof from `m` for the server at `issuer` with a fresh nonce; `o` overrides any field (bad-input cases). */
export async function proofFrom(issuer: string, nowSeconds: number, m: Mac, o: Partial<Parameters<typeof buildSsoProof>[0]> = {}): Promise<string> {
  return buildSsoProof({
    deviceSigningKey: m.dev.signing.privateKey, kid: m.dev.signing.kid, nonce: await m.dev.nonce('/psso/nonce'),
    issuer, username: m.user, refreshToken: m.refreshToken, now: nowSeconds, ...o,
  });
}
