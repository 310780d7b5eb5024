// UiO Weblogin's browser-SSO envelope (extensions.md §4.9) as a Platform SSO session proof: the
// envelope's fields become the facts verify-session-proof.ts checks for OpenPSSO's own proof, so a
// registered Mac gets the same silent sign-in, conditional access, revocation and sign-in rows.
// WL-N's nonce is single use and bound to its client_id (the client-request-id that fetched it);
// WL-0 sends none, so its signed text itself is made single use within the signed_at window.

import type { AppContext } from '../context.js';
import { PssoError } from '../../errors/psso-error.js';
import { sha256Hex } from '../ids.js';
import { UIO_ENVELOPE_WINDOW_SECONDS, envelopeReplayKey, parseUioEnvelope } from '../../protocol/uio-envelope.js';
import type { SessionProofFacts } from '../sso/verify-session-proof.js';

export function uioProofFacts(ctx: AppContext, headerValue: string): SessionProofFacts {
  const p = parseUioEnvelope(headerValue);
  // OpenPSSO sends refresh_token_expires_in as an integer, so WL-N signs the refresh token against it.
  if (p.tokenType !== 'refresh_token') throw new PssoError('uio_envelope_token_unsupported');
  // WL-0: no server nonce, so the signed text is the single-use key: its row is created once the
  // envelope verified (beforeNonce), and consumed right after; a second copy finds it used. A failed
  // create means the row exists already, which the consume then reports as a replay.
  const replayKey = p.nonce === null ? envelopeReplayKey(p) : null;
  const beforeNonce = replayKey === null ? undefined : async () => {
    const now = ctx.clock.now();
    try {
      await ctx.store.nonces.create({ value: replayKey, createdAt: now, expiresAt: now + 2 * UIO_ENVELOPE_WINDOW_SECONDS * 1000, usedAt: null, boundTo: null });
    } catch { /* present already */ }
  };
  return {
    kid: p.kid,
    signed: { bytes: p.signedBytes, signature: p.signature, encoding: 'der' },
    // The envelope carries upper-case UUIDs (Swift's uuidString); nonces are issued lower case.
    nonce: p.nonce !== null ? p.nonce.toLowerCase() : replayKey!,
    nonceBinding: p.nonce !== null ? (p.clientId ?? '') : undefined,
    iat: p.signedAt, exp: p.signedAt + UIO_ENVELOPE_WINDOW_SECONDS,
    // The envelope names no audience: its nonce (or signed text) makes it single use.
    audience: null,
    username: p.username,
    refreshTokenHash: sha256Hex(p.token),
    ...(beforeNonce ? { beforeNonce } : {}),
  };
}
