// The OpenID Provider's interactions (OpenID Connect Core §3.1.2.3-4) on OpenPSSO's own sign-in
// pages: a sign-in for the app (conditional access for that app), a silent completion with a
// Platform SSO proof, a visible refusal, and a consent page only when the app asks prompt=consent.

import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type Provider from 'oidc-provider';
import type { AppContext } from '../../app/context.js';
import { findApplicationByClientId } from '../../app/applications.js';
import { evaluateAppAccess, recordAppSignIn, type AppSignInFacts } from '../../app/oidc/app-access.js';
import { carriedProof, stepUpAfterProof } from './sso-proof-carry.js';
import { formActionSource } from '../../app/interactive/redirect.js';
import { PssoError } from '../../errors/psso-error.js';
import type { ApplicationRecord } from '../../storage/ports-apps.js';
import type { User } from '../../storage/ports.js';
import { registerFinisher, sendMessagePage, startPageSignIn, type Finished } from '../routes/signin-pages/continuations.js';
import { sendOpPage } from './op-pages.js';
import { newNonce } from '../routes/signin-pages/html.js';
import { facts as requestFacts } from '../routes/signin-pages/page-kit.js';
import { consentPage } from './consent-page.js';
import { acrFor } from './acr.js';
import { grantAllowed } from './sso-reuse.js';
import { OIDC_PATH } from './provider.js';
import type { OidcProvider } from './mount.js';

export const CONTINUATION_KIND = 'oidc';

/** The provider of each server (tests run several in one process; the finisher registry is global). */
const providers = new WeakMap<AppContext, OidcProvider>();

const origins = (uri: unknown): string[] => {
  if (typeof uri !== 'string') return [];
  try { return [formActionSource(uri)]; } catch { return []; }
};

/** The interaction the browser's interaction cookie names, or null when it has expired or never was. */
async function detailsOf(provider: Provider, req: FastifyRequest, reply: FastifyReply): Promise<Awaited<ReturnType<Provider['interactionDetails']>> | null> {
  try {
    return await provider.interactionDetails(req.raw, reply.raw);
  } catch {
    return null;
  }
}

function expired(ctx: AppContext, reply: FastifyReply): FastifyReply {
  const e = new PssoError('oidc_interaction_expired');
  return sendMessagePage(ctx, reply, 400, 'Sign-in expired', { kind: 'error', title: `${e.entry.message} (${e.code})`, text: e.entry.remediation });
}

/** A visible refusal with the catalogue code; the app gets no answer (the user may try another account). */
function refusal(ctx: AppContext, reply: FastifyReply, app: Pick<ApplicationRecord, 'displayName'>, e: PssoError): FastifyReply {
  return sendMessagePage(ctx, reply, e.entry.status, `Access to ${app.displayName} blocked`, {
    kind: 'error', title: `${e.entry.message} (${e.code})`, text: e.detail ? `${e.detail.charAt(0).toUpperCase()}${e.detail.slice(1)}.` : e.entry.userAction ?? e.entry.remediation,
  });
}

/** A new grant of the requested scopes the app may have (admin-registered apps need no consent page). */
async function newGrant(provider: Provider, app: ApplicationRecord, accountId: string, scope: unknown): Promise<string> {
  const grant = new provider.Grant({ accountId, clientId: app.appId });
  grantAllowed(grant, app, typeof scope === 'string' ? scope : 'openid');
  return grant.save();
}

const explicitConsent = (params: Record<string, unknown>): boolean => String(params.prompt ?? '').split(' ').includes('consent');

export function interactionRoutes(ctx: AppContext, op: OidcProvider): FastifyPluginAsync {
  providers.set(ctx, op);
  registerFinisher(CONTINUATION_KIND, finishWithPages);
  return async (app) => {
    app.get<{ Params: { uid: string } }>(`${OIDC_PATH}/interaction/:uid`, async (req, reply) => {
      const provider = await op.get();
      const details = await detailsOf(provider, req, reply);
      if (!details) return expired(ctx, reply);
      if (details.uid !== req.params.uid) return expired(ctx, reply);
      const { prompt, params } = details;
      const client = await findApplicationByClientId(ctx, String(params.client_id));
      if (!client || !client.enabled) return expired(ctx, reply);
      const finish = async (result: Parameters<Provider['interactionResult']>[2]) => {
        const to = await provider.interactionResult(req.raw, reply.raw, result, { mergeWithLastSubmission: true });
        return reply.code(303).header('cache-control', 'no-store').header('location', to).send();
      };

      const user = details.session?.accountId ? await ctx.store.users.get(details.session.accountId) : null;
      if (prompt.name === 'consent' && user) {
        if (explicitConsent(params)) {
          return sendOpPage(ctx, reply, 200, consentPage({ uid: details.uid, app: client, user, scopes: String(params.scope ?? '') }), newNonce(), origins(params.redirect_uri));
        }
        if (!details.lastSubmission?.login) {
          // An OP session reused by a native app (which always gets an interaction): the row the silent path would write.
          const session = await provider.Session.findByUid(details.session!.uid);
          await recordAppSignIn(ctx, appFacts(req, user, client, session?.amr ?? ['pwd'], (session?.loginTs ?? 0) * 1000), 'sso_session');
        }
        return finish({ consent: { grantId: await newGrant(provider, client, user.id, params.scope) } });
      }

      const pd = prompt.details as Record<string, unknown>;
      const target = { appId: client.appId, appDisplayName: client.displayName };
      const continuation = {
        kind: CONTINUATION_KIND, data: { uid: details.uid },
        restartUrl: `${OIDC_PATH}/auth?${new URLSearchParams(params as Record<string, string>)}`,
        formActionSources: origins(params.redirect_uri),
      };
      const orgId = client.orgId;
      if (user && pd.openpsso_access === 'block') {
        return refusal(ctx, reply, client, new PssoError(String(pd.openpsso_error), String(pd.openpsso_reason || '') || undefined));
      }
      if (user && pd.openpsso_access === 'interaction') {
        // The session's user again, at the pages, which ask for what the app's policy still needs.
        return startPageSignIn(ctx, req, reply, { orgId, target, continuation, loginHint: user.userPrincipalName, lockUsername: true });
      }

      // A fresh sign-in (no session, prompt=login, max_age passed): a Platform SSO proof can stand in for the pages.
      const onlyNoSession = prompt.reasons.length === 1 && prompt.reasons[0] === 'no_session';
      const proof = onlyNoSession ? await carriedProof(ctx, req, details.uid) : null;
      if (proof && proof.user.orgId === orgId) {
        const f = { ...appFacts(req, proof.user, client, proof.amr, proof.authTime), deviceId: proof.deviceId, extension: proof.extension };
        const access = await evaluateAppAccess(ctx, f);
        if (access.kind === 'block') {
          await recordAppSignIn(ctx, f, 'sso_proof', access.decision, access.error);
          return refusal(ctx, reply, client, access.error);
        }
        if (access.kind === 'interaction') {
          const proven = { orgId, target: { ...target, deviceId: proof.deviceId }, continuation };
          const stepUp = await stepUpAfterProof(ctx, req, reply, { ...proven, user: proof.user, amr: proof.amr, decision: access.decision, facts: f });
          if (stepUp !== 'pages') return stepUp;
          return startPageSignIn(ctx, req, reply, { ...proven, loginHint: proof.user.userPrincipalName, lockUsername: true });
        }
        await recordAppSignIn(ctx, f, 'sso_proof', access.decision);
        return finish({
          login: { accountId: proof.user.id, amr: proof.amr, acr: acrFor(proof.amr), ts: Math.floor(proof.authTime / 1000), remember: true },
          ...(explicitConsent(params) ? {} : { consent: { grantId: await newGrant(provider, client, proof.user.id, params.scope) } }),
        });
      }
      const hint = typeof params.login_hint === 'string' ? params.login_hint : undefined;
      return startPageSignIn(ctx, req, reply, { orgId, target, continuation, loginHint: hint });
    });

    // The consent page's answer. The interaction cookie (SameSite=Lax, scoped to this path) is what
    // binds the post to the browser that started the sign-in.
    app.post<{ Params: { uid: string } }>(`${OIDC_PATH}/interaction/:uid/consent`, async (req, reply) => {
      const provider = await op.get();
      const details = await detailsOf(provider, req, reply);
      if (!details) return expired(ctx, reply);
      const client = await findApplicationByClientId(ctx, String(details.params.client_id));
      const accountId = details.session?.accountId ?? (details.lastSubmission?.login as { accountId?: string } | undefined)?.accountId;
      if (details.uid !== req.params.uid || details.prompt.name !== 'consent' || !client || !accountId) return expired(ctx, reply);
      const allow = new URLSearchParams(typeof req.body === 'string' ? req.body : '').get('decision') === 'allow';
      const result = allow
        ? { consent: { grantId: await newGrant(provider, client, accountId, details.params.scope) } }
        : { error: 'access_denied', error_description: 'the user did not allow the app' };
      const to = await provider.interactionResult(req.raw, reply.raw, result, { mergeWithLastSubmission: true });
      return reply.code(303).header('cache-control', 'no-store').header('location', to).send();
    });
  };
}

function appFacts(req: FastifyRequest, user: User, app: ApplicationRecord, amr: string[], authTime: number): AppSignInFacts {
  const f = requestFacts(req);
  return { user, app, amr, authTime, ipAddress: f.ipAddress, correlationId: f.correlationId, userAgent: f.userAgent };
}

/**
 * The sign-in pages finished (password and whatever the app's conditional access asked): record the
 * login in the interaction and send the browser back to oidc-provider to finish the authorization.
 */
async function finishWithPages(ctx: AppContext, f: Finished): Promise<FastifyReply> {
  const op = providers.get(ctx);
  const uid = f.session.data.continuation?.data.uid;
  if (!op || typeof uid !== 'string') return expired(ctx, f.reply);
  const provider = await op.get();
  const interaction = await provider.Interaction.find(uid);
  if (!interaction) return expired(ctx, f.reply);
  const client = await findApplicationByClientId(ctx, String(interaction.params.client_id));
  if (!client || !client.enabled) return expired(ctx, f.reply);
  // oidc-provider keeps its own time (max_age, auth_time, expiries): the login time is on its clock.
  const now = Math.floor(Date.now() / 1000);
  interaction.result = {
    login: { accountId: f.user.id, amr: f.amr, acr: acrFor(f.amr), ts: now, remember: true },
    // prompt=consent: oidc-provider comes back with a consent interaction, which shows the page.
    ...(explicitConsent(interaction.params) ? {} : { consent: { grantId: await newGrant(provider, client, f.user.id, interaction.params.scope) } }),
  };
  await interaction.save(Math.max(1, interaction.exp - now));
  return f.reply.code(303).header('cache-control', 'no-store').header('location', interaction.returnTo).send();
}

