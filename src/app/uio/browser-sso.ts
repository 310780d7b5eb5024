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

export async function uioProofFacts(ctx: AppContext, headerValue: string): Promise<SessionProofFacts> {
  const p = parseUioEnvelope(headerValue);
  // OpenPSSO sends refresh_token_expires_in as an integer, so WL-N signs the refresh token against it.
  if (p.tokenType !== 'refresh_token') throw new PssoError('uio_envelope_token_unsupported');
  let nonce = p.nonce;
  if (nonce === null) {
    // WL-0: a nonce row named by the signed text, created once; verifySessionProof consumes it last,
    // so a second copy of the same envelope finds it used. A failed create means it exists already.
    nonce = envelopeReplayKey(p);
    const now = ctx.clock.now();
    try {
      await ctx.store.nonces.create({ value: nonce, createdAt: now, expiresAt: now + 2 * UIO_ENVELOPE_WINDOW_SECONDS * 1000, usedAt: null, boundTo: null });
    } catch { /* present already: the consume below reports the replay */ }
  }
  return {
    kid: p.kid,
    signed: { bytes: p.signedBytes, signature: p.signature, encoding: 'der' },
    // The envelope carries upper-case UUIDs (Swift's uuidString); nonces are issued lower case.
    nonce: p.nonce !== null ? p.nonce.toLowerCase() : nonce,
    nonceBinding: p.nonce !== null ? (p.clientId ?? '') : undefined,
    iat: p.signedAt, exp: p.signedAt + UIO_ENVELOPE_WINDOW_SECONDS,
    // The envelope names no audience: its nonce (or signed text) makes it single use.
    audience: null,
    username: p.username,
    refreshTokenHash: sha256Hex(p.token),
  };
}
