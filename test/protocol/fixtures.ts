// Test helper: a fresh virtual device (signing + encryption keys), server settings, and a re-signer for crafting bad requests.

import type { KeyObject } from 'node:crypto';
import { generateP256, kidFromX963, parseCompactJws, signCompactJws } from '../../src/protocol/index.js';
import { PssoError } from '../../src/errors/psso-error.js';

export const NOW = 1_750_000_000;
export const CLIENT_ID = 'openpsso-test-client';
export const TOKEN_URL = 'https://idp.example.test/psso/token';
export const AUDIENCE = 'psso-audience';

export function makeDevice() {
  const signing = generateP256();
  const encryption = generateP256();
  return {
    signing,
    encryption,
    kid: kidFromX963(signing.x963),
    keys: { signingKey: signing.publicKey, encryptionKey: encryption.x963 },
  };
}

/** The server's default time limits, spelled out so a change of default shows up here. */
export const LIMITS = { skewSeconds: 60, maxAgeSeconds: 300, maxLifetimeSeconds: 600 };

export const verifyOpts = { now: NOW, ...LIMITS, clientId: CLIENT_ID, audience: TOKEN_URL };

export function base(device: ReturnType<typeof makeDevice>) {
  return {
    signingKey: device.signing.privateKey, signingKid: device.kid, encryptionKey: device.encryption.x963,
    clientId: CLIENT_ID, requestNonce: 'server-nonce-123', now: NOW,
  };
}

/** Re-signs a token's claims (and optionally header) after `edit`, as a hostile or buggy client would. */
export function resign(
  token: string,
  key: KeyObject,
  edit: (claims: Record<string, unknown>, header: Record<string, unknown>) => void,
): string {
  const p = parseCompactJws(token);
  const header = { ...p.header };
  const claims = structuredClone(p.claims);
  edit(claims, header);
  return signCompactJws(header, claims, key, 'apple');
}

export const isCode = (name: string) => (e: unknown) => {
  if (!(e instanceof PssoError)) return false;
  if (e.entry.name !== name) throw new Error(`expected ${name}, got ${e.entry.name} (${e.detail ?? ''})`);
  return true;
};
