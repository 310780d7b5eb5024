// Checks the user's credential in a login request: password, encrypted password, Secure Enclave
// key or smart card (psso-protocol.md §4.3, §4.4, §4.5 step 8). Unknown user and wrong password look alike.

import type { KeyObject } from 'node:crypto';
import type { AppContext } from './context.js';
import type { Device, User } from '../storage/ports.js';
import { PssoError } from '../errors/psso-error.js';
import { verifyPassword } from './passwords.js';
import { boundedVerify, guardSecret } from './credential-guard.js';
import type { RequestSlot } from './request-slot.js';
import {
  assertionKid, decryptEncryptedAssertion, verifyEmbeddedAssertion, type VerifiedRequest,
} from '../protocol/verify-request.js';
import { requestTimeLimits } from '../config/load.js';
import type { ClientProfile } from './client-profile.js';
import { toSeconds } from './clock.js';
import { verifySmartCardChain, userForCertificate } from './smart-card.js';

export type LoginMethod = 'password' | 'encrypted_password' | 'secure_enclave' | 'smart_card';

export interface CheckedCredential {
  user: User;
  method: LoginMethod;
  amr: string[];
  /** The credential was registered after an MFA-verified sign-in, so using it counts as multi-factor. */
  mfaVerifiedCredential: boolean;
}

/** Looks the user up first, so a disabled account is refused before its password is checked. */
export async function checkPassword(ctx: AppContext, device: Device, username: string, password: string, ipAddress: string, slot: RequestSlot | undefined): Promise<User> {
  const user = await ctx.store.users.getByPrincipalName(device.orgId, username);
  return guardSecret(ctx, { orgId: device.orgId, account: username, ipAddress, surface: 'token_endpoint', user, guessable: true, slot }, async (ticket) => {
    const ok = await boundedVerify(ctx, ticket, () => verifyPassword(user?.passwordHash ?? null, password));
    if (!user || !ok) throw new PssoError('invalid_credentials');
    return user;
  });
}

/** Device-bound assertions honour the lockout and count their failures, but take no throttle token. */
function guardAssertion<T>(ctx: AppContext, device: Device, username: string, ipAddress: string, verify: () => Promise<T>): Promise<T> {
  return guardSecret(ctx, { orgId: device.orgId, account: username, ipAddress, surface: 'token_endpoint', guessable: false }, verify);
}

/**
 * Decrypts with the active encryption key first, then keys still published after rotation. Only
 * decryption is tried per key: the password is checked once, outside, so a guard refusal is never masked.
 */
export function withServerEncryptionKeys<T>(ctx: AppContext, open: (privateKey: KeyObject, publicX963: Uint8Array) => T): T {
  let lastError: unknown;
  for (const key of ctx.keys.encryptionKeys()) {
    try {
      return open(key.privateKey, ctx.keys.encryptionPublicX963(key));
    } catch (e) {
      lastError = e;
    }
  }
  throw lastError instanceof PssoError ? lastError : new PssoError('malformed_assertion');
}

function isCompactJwe(s: string): boolean {
  return s.split('.').length === 5;
}

export async function checkLoginCredential(ctx: AppContext, device: Device, req: VerifiedRequest, client: ClientProfile, ipAddress: string, slot?: RequestSlot): Promise<CheckedCredential> {
  const username = req.username;
  if (!username) throw new PssoError('missing_claim', 'username');
  const opts = { now: toSeconds(ctx.clock.now()), ...requestTimeLimits(ctx.config), audience: client.assertionAudience, apvPrefixes: client.encryptedAssertionApvLabels };

  if (req.kind === 'login_password') {
    const user = await checkPassword(ctx, device, username, req.password ?? '', ipAddress, slot);
    return { user, method: 'password', amr: ['pwd'], mfaVerifiedCredential: false };
  }
  if (req.kind !== 'login_assertion' || !req.assertion) throw new PssoError('missing_claim', 'assertion');

  if (isCompactJwe(req.assertion)) {
    const assertion = req.assertion;
    const { password } = withServerEncryptionKeys(ctx, (key, x963) => decryptEncryptedAssertion(assertion, key, x963, req, opts));
    const user = await checkPassword(ctx, device, username, password, ipAddress, slot);
    return { user, method: 'encrypted_password', amr: ['pwd'], mfaVerifiedCredential: false };
  }

  const info = assertionKid(req.assertion);
  const assertion = req.assertion;
  if (info.x5c.length > 0) {
    return guardAssertion(ctx, device, username, ipAddress, async () => {
      const leaf = verifySmartCardChain(ctx, info.x5c);
      const user = await userForCertificate(ctx, device, leaf, username);
      verifyEmbeddedAssertion(assertion, leaf.publicKey, ['ES256', 'ES384', 'RS256', 'RS384', 'RS512'], req, opts);
      const reg = await ctx.store.userRegistrations.get(device.id, user.id);
      return { user, method: 'smart_card', amr: ['sc'], mfaVerifiedCredential: reg?.mfaVerified ?? false };
    });
  }

  if (!info.kid) throw new PssoError('malformed_assertion', 'no kid');
  const kid = info.kid;
  return guardAssertion(ctx, device, username, ipAddress, async () => {
    const reg = await ctx.store.userRegistrations.getByUserKid(kid);
    // Another user's or another device's key is a bad credential, exactly like a wrong password.
    if (!reg || reg.deviceId !== device.id || reg.method !== 'secure_enclave' || !reg.userKey) {
      throw new PssoError('assertion_invalid', 'key not registered for this user on this device');
    }
    const user = await ctx.store.users.get(reg.userId);
    if (!user || user.userPrincipalName.toLowerCase() !== username.toLowerCase()) {
      throw new PssoError('assertion_invalid', 'key belongs to another user');
    }
    verifyEmbeddedAssertion(assertion, ctx.keyCache.publicKey(reg.userKey), ['ES256'], req, opts);
    return { user, method: 'secure_enclave', amr: ['swk', 'hwk'], mfaVerifiedCredential: reg.mfaVerified };
  });
}
