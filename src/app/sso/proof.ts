// The Platform SSO session proof an SSO extension attaches to a browser request (issue 9 item 3;
// docs/sso-from-the-mac.md): the OpenID Provider's interaction asks here whether this request
// carries one, and gets who it proves, or a catalogue error for a proof that is present but bad.

import type { AppContext } from '../context.js';
import type { User } from '../../storage/ports.js';
import { PssoError } from '../../errors/psso-error.js';
import { SSO_PROOF_HEADER, parseSsoProof } from '../../protocol/sso-proof.js';
import { verifySessionProof, type ProofSighting } from './verify-session-proof.js';
import { looksLikeUioEnvelope } from '../../protocol/uio-envelope.js';
import { uioProofFacts } from '../uio/browser-sso.js';

export interface SsoProof {
  user: User;
  /** The registered Mac that signed the proof; conditional access sees its state. */
  deviceId: string;
  /** amr of the Platform SSO session the proof is bound to (e.g. ['pwd'] or ['pwd','otp','mfa']). */
  amr: string[];
  /** Epoch ms of that session's full authentication (sign-in frequency, max_age). */
  authTime: number;
  /** The extension dialect whose envelope carried it (its sign-in rows name it), when not OpenPSSO's own. */
  extension?: 'uio';
}

/** Which extension's envelope a Platform-SSO-Authorization value is: UiO's where its dialect is on. */
export function proofExtension(ctx: AppContext, raw: unknown): 'uio' | undefined {
  return ctx.config.extensions.uio.enabled && typeof raw === 'string' && looksLikeUioEnvelope(raw) ? 'uio' : undefined;
}

/** Anything with Node's header map: a Fastify request, an IncomingMessage, oidc-provider's ctx.req. */
export interface RequestWithHeaders {
  headers: Record<string, string | string[] | undefined>;
}

export interface SsoProofOptions {
  /** The OAuth client being signed in to. The proof is not bound to an app (it proves the Mac's session to the identity provider; its nonce makes it single use), so this is for the caller's records. */
  clientId: string;
  /** Told the device and claimed user as soon as they are known, so a refusal's log row names them. */
  sighted?: (s: ProofSighting) => void;
}

/**
 * null when the request carries no proof (the pages sign the user in); the proven session when it
 * carries a good one; a PssoError (a visible refusal, never a silent fall-back) when it carries a
 * bad one: a Mac that sends a proof expects SSO, and a forged or stale one must not look like "no SSO".
 */
export async function ssoProofFor(ctx: AppContext, req: RequestWithHeaders, o: SsoProofOptions): Promise<SsoProof | null> {
  const raw = req.headers[SSO_PROOF_HEADER];
  if (raw === undefined) return null;
  if (Array.isArray(raw)) throw new PssoError('sso_proof_malformed', 'more than one Platform-SSO-Authorization header');
  if (raw.length > 8192) throw new PssoError('sso_proof_malformed', 'header longer than 8192 characters');
  // UiO Weblogin's envelope (Bearer <envelope>.<DER signature>) where its dialect is enabled.
  if (proofExtension(ctx, raw) === 'uio') {
    const v = await verifySessionProof(ctx, uioProofFacts(ctx, raw), o.sighted);
    return { user: v.user, deviceId: v.deviceId, amr: v.amr, authTime: v.authTime, extension: 'uio' };
  }
  const p = parseSsoProof(raw);
  const v = await verifySessionProof(ctx, {
    kid: p.kid,
    signed: { bytes: Buffer.from(p.jws.signingInput, 'ascii'), signature: p.jws.signature, encoding: 'ieee-p1363' },
    nonce: p.nonce, iat: p.iat, exp: p.exp, audience: p.aud, username: p.sub, refreshTokenHash: p.refreshTokenHash,
  }, o.sighted);
  return { user: v.user, deviceId: v.deviceId, amr: v.amr, authTime: v.authTime };
}
