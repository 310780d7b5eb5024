// The Platform SSO session proof an SSO extension attaches to a browser request (issue 9 item 3):
// the OpenID Provider's interaction asks here whether this request carries a verified one.

import type { FastifyRequest } from 'fastify';
import type { AppContext } from '../context.js';
import type { User } from '../../storage/ports.js';

export interface SsoProof {
  user: User;
  /** The registered Mac that signed the proof; conditional access sees its state. */
  deviceId: string;
  /** amr of the Platform SSO session the proof is bound to (e.g. ['pwd'] or ['pwd','otp','mfa']). */
  amr: string[];
  /** Epoch ms of that session's full authentication (sign-in frequency, max_age). */
  authTime: number;
}

/**
 * TODO(helper S): verify the proof header (device signing key over a fresh server nonce, bound to
 * the user's live refresh token; device not revoked; session live) and return who it proves.
 * Until then no request carries a proof, so every app sign-in uses the pages.
 */
export async function ssoProofFor(_ctx: AppContext, _req: FastifyRequest, _o: { clientId: string }): Promise<SsoProof | null> {
  return null;
}
