// Interactive sign-in over HTTP: the JSON API for scripts and the virtual Mac (POST /api/v1/signin
// and its MFA and enrolment steps, docs/interactive-sign-in.md) and the server-rendered pages.

import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { AppContext } from '../../app/context.js';
import { defaultOrganisation } from '../../app/directory.js';
import { PssoError, errorBody } from '../../errors/psso-error.js';
import { createSession, loadSession, type Session } from '../../app/interactive/session.js';
import { advance, passkeyAuthenticationOptions, passwordStep, pendingAuthChallenge, secondFactorStep, type Outcome } from '../../app/interactive/flow.js';
import { beginTotpEnrolment, confirmPasskeyEnrolment, confirmTotpEnrolment, passkeyRegistrationOptions } from '../../app/interactive/enroll.js';
import { TOTP_DIGITS, TOTP_PERIOD_SECONDS } from '../../policy/totp.js';
import { facts } from './signin-pages/page-kit.js';
import { registerSignInPages } from './signin-pages/routes.js';

const handle = z.string().min(1).max(128);
const webauthnJson = z.record(z.string(), z.unknown());
const schemas = {
  signIn: z.object({ username: z.string().min(1).max(256), password: z.string().min(1).max(1024) }).strict(),
  mfa: z.object({
    sign_in_session: handle,
    totp_code: z.string().min(1).max(16).optional(),
    temporary_access_pass: z.string().min(1).max(64).optional(),
    passkey: webauthnJson.optional(),
  }).strict().refine((b) => [b.totp_code, b.temporary_access_pass, b.passkey].filter((v) => v !== undefined).length === 1,
    'give exactly one of totp_code, temporary_access_pass, passkey'),
  session: z.object({ sign_in_session: handle }).strict(),
  enrollTotp: z.object({ sign_in_session: handle, totp_code: z.string().min(1).max(16).optional() }).strict(),
  enrollPasskey: z.object({ sign_in_session: handle, response: webauthnJson }).strict(),
};

function parse<T extends z.ZodTypeAny>(schema: T, req: FastifyRequest): z.infer<T> {
  const ct = String(req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (ct !== 'application/json') throw new PssoError('unsupported_content_type', ct || 'none');
  const r = schema.safeParse(req.body);
  if (!r.success) throw new PssoError('malformed_request', r.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '));
  return r.data;
}

/** The catalogue body, plus the few public facts a script needs to act: when a lock ends, when to retry. */
function sendFailure(ctx: AppContext, req: FastifyRequest, reply: FastifyReply, e: PssoError, extra: Record<string, unknown> = {}): FastifyReply {
  const now = ctx.clock.now();
  const retry = e.extra?.retryAfterSeconds as number | undefined;
  if (retry) reply.header('retry-after', String(retry));
  return reply.code(e.entry.status).header('cache-control', 'no-store').send({ ...errorBody(e, req.id, new Date(now)), ...extra });
}

function tokenBody(o: Extract<Outcome, { kind: 'done' }>, s: Session | null) {
  // API sessions never carry a continuation, so a finished one always has its token.
  if (o.token === null) throw new PssoError('internal_error', 'an API sign-in finished without a token');
  return {
    access_token: o.token, token_type: 'Bearer', expires_in: o.expiresIn, scope: 'register', amr: o.amr,
    // Signed in with a temporary access pass and no method yet: the session stays open to enrol one.
    ...(s && s.data.stage === 'enroll' ? { sign_in_session: s.handle, next: 'enroll' } : {}),
  };
}

export function signInRoutes(ctx: AppContext): FastifyPluginAsync {
  /** Answers a step: the token, or 401 OPSSO1706 with what the session needs next. */
  async function answer(req: FastifyRequest, reply: FastifyReply, s: Session | null, o: Outcome, orgId: string): Promise<FastifyReply> {
    if (o.kind === 'done') return reply.header('cache-control', 'no-store').send(tokenBody(o, s));
    const session = s ?? await createSession(ctx, orgId, { channel: 'api', stage: o.kind });
    if (!s) await advance(ctx, session, o.progress);
    const p = o.progress;
    const error = o.kind === 'mfa' ? new PssoError('mfa_required_interactive', p.reason)
      : new PssoError('mfa_enrollment_required_interactive', `${p.reason}${p.methods.includes('tap') ? '; a temporary access pass also works' : ''}`);
    return sendFailure(ctx, req, reply, error, {
      sign_in_session: session.handle,
      sign_in_session_expires_in: Math.max(0, Math.round((session.expiresAt - ctx.clock.now()) / 1000)),
      next: o.kind,
      methods: p.methods,
      mfa_reason: p.reason,
      requirement_source: p.decision.authenticationRequirementSource,
    });
  }

  async function apiSession(h: string): Promise<Session> {
    const s = await loadSession(ctx, h, 'api');
    if (!s) throw new PssoError('malformed_request', 'sign_in_session is unknown, finished or expired; start again with POST /api/v1/signin');
    return s;
  }

  /** Every API step: catalogue errors become JSON bodies with their own status; nothing else is caught. */
  function route(fn: (req: FastifyRequest, reply: FastifyReply) => Promise<FastifyReply | object>) {
    return async (req: FastifyRequest, reply: FastifyReply) => {
      try {
        return await fn(req, reply);
      } catch (e) {
        if (e instanceof PssoError) return sendFailure(ctx, req, reply, e);
        throw e;
      }
    };
  }

  return async (app) => {
    app.post('/api/v1/signin', route(async (req, reply) => {
      const b = parse(schemas.signIn, req);
      const org = await defaultOrganisation(ctx);
      const p = await passwordStep(ctx, org.id, 'api', b.username, b.password, facts(req));
      return answer(req, reply, null, await advance(ctx, null, p), org.id);
    }));

    app.post('/api/v1/signin/mfa', route(async (req, reply) => {
      const b = parse(schemas.mfa, req);
      const s = await apiSession(b.sign_in_session);
      const factor = b.totp_code !== undefined ? { kind: 'totp' as const, code: b.totp_code }
        : b.temporary_access_pass !== undefined ? { kind: 'tap' as const, code: b.temporary_access_pass }
        : { kind: 'passkey' as const, response: b.passkey as never, challenge: pendingAuthChallenge(s) };
      return answer(req, reply, s, await advance(ctx, s, await secondFactorStep(ctx, s, factor, facts(req))), s.orgId);
    }));

    app.post('/api/v1/signin/mfa/passkey/options', route(async (req) => {
      const b = parse(schemas.session, req);
      return passkeyAuthenticationOptions(ctx, await apiSession(b.sign_in_session));
    }));

    app.post('/api/v1/signin/enroll/totp', route(async (req, reply) => {
      const b = parse(schemas.enrollTotp, req);
      const s = await apiSession(b.sign_in_session);
      if (b.totp_code === undefined) {
        const t = await beginTotpEnrolment(ctx, s);
        return reply.header('cache-control', 'no-store').send({
          secret: t.secret, otpauth_uri: t.otpauthUri, issuer: t.issuer, account_name: t.accountName,
          algorithm: 'SHA1', digits: TOTP_DIGITS, period: TOTP_PERIOD_SECONDS,
        });
      }
      return answer(req, reply, s, await advance(ctx, s, await confirmTotpEnrolment(ctx, s, b.totp_code, facts(req))), s.orgId);
    }));

    app.post('/api/v1/signin/enroll/passkey/options', route(async (req) => {
      const b = parse(schemas.session, req);
      return passkeyRegistrationOptions(ctx, await apiSession(b.sign_in_session));
    }));

    app.post('/api/v1/signin/enroll/passkey', route(async (req, reply) => {
      const b = parse(schemas.enrollPasskey, req);
      const s = await apiSession(b.sign_in_session);
      return answer(req, reply, s, await advance(ctx, s, await confirmPasskeyEnrolment(ctx, s, b.response as never, facts(req))), s.orgId);
    }));

    registerSignInPages(app, ctx);
  };
}

