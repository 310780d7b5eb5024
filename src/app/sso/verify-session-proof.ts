// Verifies the facts of a Platform SSO session proof, whatever envelope carried them (OpenPSSO's
// SSO-Proof JWS today, UiO's Bearer envelope later): device, signature, time, audience, the live
// refresh token it is bound to, the user, and last the server nonce (issue 9 item 3).

import type { KeyObject } from 'node:crypto';
import type { AppContext } from '../context.js';
import type { Device, User } from '../../storage/ports.js';
import { principalNameKey } from '../../storage/ports.js';
import { PssoError } from '../../errors/psso-error.js';
import { checkSsoProofTimes, verifyEs256 } from '../../protocol/sso-proof.js';
import { toSeconds } from '../clock.js';
import { spendNonce } from '../nonces.js';

/** What an envelope's parser read; nothing here is trusted until verifySessionProof returns. */
export interface SessionProofFacts {
  /** Canonical device signing kid (standard base64 of SHA-256 of the X9.63 point). */
  kid: string;
  /** The bytes the device signed and its ES256 signature over them. */
  signed: { bytes: Uint8Array; signature: Uint8Array; encoding: 'ieee-p1363' | 'der' };
  /** The server nonce (from POST /psso/nonce), consumed once. */
  nonce: string;
  /** The client-request-id the nonce was fetched with, when the envelope names it (UiO WL-N's client_id). */
  nonceBinding?: string | undefined;
  /**
   * Runs after every other check passed, just before the nonce is consumed: an envelope without a
   * server nonce (UiO WL-0) creates its single-use row here, so an unverified one stores nothing.
   */
  beforeNonce?: () => Promise<void>;
  /** Seconds since the epoch. */
  iat: number;
  exp: number;
  /** The audience the proof names; null only for an envelope that has none (its adapter says so). */
  audience: string | null;
  /** The user name the proof claims (compared with the refresh token's user). */
  username: string;
  /** SHA-256 of the refresh token, hex, as the refresh token store keeps it. */
  refreshTokenHash: string;
}

export interface VerifiedSessionProof {
  user: User;
  device: Device;
  deviceId: string;
  refreshTokenId: string;
  /** amr of the login behind the refresh token; 'mfa' only if that login carried MFA. */
  amr: string[];
  /** Epoch ms of that login. */
  authTime: number;
}

/** What is known before the proof is verified, so a refusal's log row can still name device and user. */
export interface ProofSighting {
  device: Device;
  claimedUsername: string;
}

/**
 * Every check fails closed, and the nonce is consumed only after all others passed, so a refused
 * proof stores nothing and cannot burn a nonce. Not routed through the credential guard: the proof
 * is a possession proof (an ES256 signature by a registered device key over a fresh nonce, bound
 * to a 256-bit token), not a guessable secret, just as the Mac's signed refresh requests are not;
 * counting its failures would only hand whoever sends a bad proof for a name a way to lock the
 * owner out, and a lock meant for password guessing must not end SSO from a registered Mac.
 */
export async function verifySessionProof(ctx: AppContext, f: SessionProofFacts, sighted?: (s: ProofSighting) => void): Promise<VerifiedSessionProof> {
  const device = await ctx.store.devices.getBySigningKid(f.kid);
  if (!device) throw new PssoError('unknown_device', `kid ${f.kid}`);
  sighted?.({ device, claimedUsername: f.username.slice(0, 256) });
  if (device.status === 'revoked') throw new PssoError('device_revoked', device.id);
  const key: KeyObject = ctx.keyCache.publicKey(device.signingKey);
  if (!verifyEs256(f.signed.bytes, f.signed.signature, f.signed.encoding, key)) {
    throw new PssoError('bad_signature', 'the session proof does not verify with the registered device signing key');
  }

  const nowMs = ctx.clock.now();
  checkSsoProofTimes(f, toSeconds(nowMs), ctx.config.tokens.clockSkewSeconds);
  if (f.audience !== null && f.audience !== ctx.urls.issuer) throw new PssoError('sso_proof_wrong_audience', `aud ${f.audience.slice(0, 200)}`);

  const record = await ctx.store.refreshTokens.getByHash(f.refreshTokenHash);
  if (!record) throw new PssoError('sso_proof_session_ended', 'no such refresh token');
  // Ownership first, so a token of someone else is called what it is whatever its state.
  if (record.deviceId !== device.id) throw new PssoError('sso_proof_wrong_user', 'the refresh token belongs to another Mac');
  const user = await ctx.store.users.get(record.userId);
  if (!user) throw new PssoError('sso_proof_session_ended', 'the user was deleted');
  if (principalNameKey(f.username) !== principalNameKey(user.userPrincipalName)) {
    throw new PssoError('sso_proof_wrong_user', 'sub names another user than the refresh token\'s');
  }
  if (record.expiresAt <= nowMs) throw new PssoError('sso_proof_session_ended', 'the refresh token has expired');
  // A rotated token is not the session's current one; the Mac signs with the token it holds now.
  if (record.revokedAt !== null) {
    throw new PssoError('sso_proof_session_ended', record.replacedById ? 'the refresh token was superseded by a refresh' : 'the refresh token was revoked');
  }
  if (!user.enabled) throw new PssoError('user_disabled');

  await f.beforeNonce?.();
  await spendNonce(ctx, f.nonce, nowMs, f.nonceBinding);
  return { user, device, deviceId: device.id, refreshTokenId: record.id, amr: record.amr, authTime: record.authTime };
}
