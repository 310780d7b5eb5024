// The Platform SSO session proof on the OpenID Provider (docs/sso-from-the-mac.md): an SSO extension
// attaches it to the authorize request only, so it is verified there, before oidc-provider runs; a bad
// one is refused there visibly (with its sign-in log row naming the app), and a good one is carried to
// the interaction oidc-provider starts, sealed under the master key and bound to that interaction's uid.

import type { IncomingMessage } from 'node:http';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../app/context.js';
import { findApplicationByClientId } from '../../app/applications.js';
import { proofExtension, ssoProofFor, type SsoProof } from '../../app/sso/proof.js';
import type { ProofSighting } from '../../app/sso/verify-session-proof.js';
import { SSO_PROOF_HEADER } from '../../protocol/sso-proof.js';
import { PssoError } from '../../errors/psso-error.js';
import type { SignInEvent } from '../../app/sign-in-events.js';
import { sendMessagePage } from '../routes/signin-pages/continuations.js';
import { COOKIE, STAGE_PATH, facts, readCookie, redirect, setSessionCookie } from '../routes/signin-pages/page-kit.js';
import type { User } from '../../storage/ports.js';
import type { AccessDecision } from '../../policy/types.js';
import type { Continuation, SignInTarget } from '../../app/interactive/continuation.js';
import { createSession, endSession, loadSession } from '../../app/interactive/session.js';
import { advance, evaluate } from '../../app/interactive/flow.js';
import { recordAppSignIn, type AppSignInFacts } from '../../app/oidc/app-access.js';

const VERIFIED = Symbol('openpsso.ssoProof');
/** The carried proof is good for the redirect to the interaction, not for later. */
const CARRY_MS = 60_000;
const aad = (uid: string): string => `oidc-sso-proof:${uid}`;

type Tagged = IncomingMessage & { [VERIFIED]?: SsoProof };

/**
 * At the authorize endpoint: 'none' when there is no proof (or no known app: oidc-provider refuses
 * the client itself, and no nonce is spent); 'verified' with the proof kept on the raw request;
 * 'refused' when the refusal page was sent.
 */
export async function proofAtAuthorize(ctx: AppContext, req: FastifyRequest, reply: FastifyReply): Promise<'none' | 'verified' | 'refused'> {
  if (req.headers[SSO_PROOF_HEADER] === undefined) return 'none';
  const params = new URLSearchParams(req.raw.url?.split('?')[1] ?? (typeof req.body === 'string' ? req.body : ''));
  const app = await findApplicationByClientId(ctx, params.get('client_id') ?? '');
  if (!app || !app.enabled) return 'none';
  let sighting: ProofSighting | undefined;
  try {
    const proof = await ssoProofFor(ctx, req, { clientId: app.appId, sighted: (s) => { sighting = s; } });
    if (!proof) return 'none';
    (req.raw as Tagged)[VERIFIED] = proof;
    return 'verified';
  } catch (e) {
    if (!(e instanceof PssoError)) throw e;
    const f = facts(req);
    const user = sighting ? await ctx.store.users.getByPrincipalName(app.orgId, sighting.claimedUsername) : null;
    const event: SignInEvent = {
      at: ctx.clock.now(), correlationId: f.correlationId, operation: 'interactive_signin', interactive: false,
      appId: app.appId, appDisplayName: app.displayName, orgId: app.orgId, ipAddress: f.ipAddress, error: e,
      ...(f.userAgent ? { userAgent: f.userAgent } : {}),
      ...(sighting ? { deviceId: sighting.device.id, deviceUuid: sighting.device.deviceUuid, userPrincipalName: sighting.claimedUsername } : {}),
      ...(user ? { userId: user.id, userPrincipalName: user.userPrincipalName, userDisplayName: user.displayName } : {}),
      details: { protocol: 'oidc', via: 'sso_proof' },
    };
    const extension = proofExtension(ctx, req.headers[SSO_PROOF_HEADER]);
    if (extension) event.extension = extension;
    await ctx.signIns.record(event);
    sendMessagePage(ctx, reply, e.entry.status, `Access to ${app.displayName} blocked`, {
      kind: 'error', title: `${e.entry.message} (${e.code})`, text: e.detail ? `${e.detail.charAt(0).toUpperCase()}${e.detail.slice(1)}.` : e.entry.userAction ?? e.entry.remediation,
    });
    return 'refused';
  }
}

/** oidc-provider's interaction URL, with the verified proof of this request sealed into it. */
export function interactionUrlWithProof(ctx: AppContext, raw: IncomingMessage, path: string, uid: string): string {
  const proof = (raw as Tagged)[VERIFIED];
  if (!proof) return path;
  const carried = { u: proof.user.id, d: proof.deviceId, a: proof.amr, t: proof.authTime, e: ctx.clock.now() + CARRY_MS, ...(proof.extension ? { x: proof.extension } : {}) };
  return `${path}?sso=${ctx.master.seal(Buffer.from(JSON.stringify(carried)), aad(uid)).toString('base64url')}`;
}

/**
 * The proof carried to interaction `uid`, re-checked: the seal binds it to this interaction, and the
 * user and Mac must still be enabled and registered (an admin may have acted in between).
 */
export async function carriedProof(ctx: AppContext, req: FastifyRequest, uid: string): Promise<SsoProof | null> {
  const sealed = (req.query as Record<string, unknown> | undefined)?.sso;
  if (typeof sealed !== 'string' || sealed.length > 4096) return null;
  let c: { u: string; d: string; a: string[]; t: number; e: number; x?: 'uio' };
  try {
    c = JSON.parse(ctx.master.unseal(Buffer.from(sealed, 'base64url'), aad(uid)).toString('utf8'));
  } catch {
    return null;
  }
  if (c.e <= ctx.clock.now()) return null;
  const [user, device] = await Promise.all([ctx.store.users.get(c.u), ctx.store.devices.get(c.d)]);
  // Revoked or disabled in the moments since the authorize request: no SSO; the pages ask as for anyone.
  if (!user || !user.enabled || !device || device.status === 'revoked') return null;
  return { user, deviceId: device.id, amr: c.a, authTime: c.t, ...(c.x === 'uio' ? { extension: c.x } : {}) };
}

/**
 * The app's policy asks for more than the Mac's session carries. When all that is missing is MFA,
 * the pages start at the second factor with the session's amr already satisfied (exactly what is
 * missing; no password again); anything else (sign-in frequency ...) is a full sign-in: 'pages'.
 */
export async function stepUpAfterProof(ctx: AppContext, req: FastifyRequest, reply: FastifyReply, o: {
  orgId: string; target: SignInTarget; continuation: Continuation; user: User; amr: string[]; decision: AccessDecision; facts: AppSignInFacts;
}): Promise<FastifyReply | 'pages'> {
  const unmet = o.decision.requirements.filter((r) => !r.satisfied);
  if (unmet.length === 0 || !unmet.every((r) => r.kind === 'mfa')) return 'pages';
  const old = await loadSession(ctx, readCookie(req, COOKIE), 'page');
  if (old) await endSession(ctx, old);
  const s = await createSession(ctx, o.orgId, { channel: 'page', stage: 'username', target: o.target, continuation: o.continuation, username: o.user.userPrincipalName });
  const progress = await evaluate(ctx, o.user, o.amr, facts(req), o.target);
  await advance(ctx, s, progress);
  // The row Entra writes as 50074: MFA asked for the app, after the Mac's session proved the rest.
  if (progress.next !== 'done') {
    await recordAppSignIn(ctx, o.facts, 'sso_proof', progress.decision, new PssoError(progress.next === 'enroll' ? 'mfa_enrollment_required_interactive' : 'mfa_required_interactive', progress.reason));
  }
  setSessionCookie(ctx, reply, s);
  return redirect(reply, STAGE_PATH[s.data.stage]);
}
