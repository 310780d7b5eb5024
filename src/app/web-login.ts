// macOS 27 web-based login, the authorization leg (web-login-macos27.md §3-§5): the unauthenticated
// pre-authentication GET that mints a single-use state and nonce, the device-signed (or static-mode)
// authorization request checked against them, and the one-time code a finished sign-in hands back.

import { randomBytes, randomUUID } from 'node:crypto';
import type { AppContext } from './context.js';
import type { Device, User } from '../storage/ports.js';
import { PssoError } from '../errors/psso-error.js';
import { sha256Hex } from './ids.js';
import { defaultOrganisation } from './directory.js';
import { parseCompactJws } from '../protocol/jws.js';
import { requestSigningKid } from '../protocol/verify-request.js';
import {
  CALLBACK_URL, authScopeOf, isPlatformSsoCallback, mergeScopes, verifyAuthorizationRequestObject, type AuthorizationRequestClaims,
} from '../protocol/web-login.js';

/** Long enough for the Mac to load the page; the user's own sign-in then has the session's 15 minutes. */
export const WEB_LOGIN_STATE_TTL_MS = 10 * 60_000;
/** The reference's bound (AK-SRV): the Mac redeems the code right after the callback. */
export const WEB_LOGIN_CODE_TTL_MS = 5 * 60_000;
/** What the authorization request asks for unless the Mac merges more in. */
export const WEB_LOGIN_BASE_SCOPE = 'openid profile email';
export const WEB_LOGIN_CONTINUATION = 'psso-web-login';

const MAX_HINT = 256;
const MAX_PARAM = 512;

const hint = (v: unknown): string | undefined => (typeof v === 'string' && v.length > 0 && v.length <= MAX_HINT ? v : undefined);

/**
 * The client ids a web login may be minted for: OpenPSSO's own, and an enabled extension dialect's
 * that configures web login (UiO WL-N's psso/authurl, extensions.md §4.10). The minted state binds
 * the one used, so the authorization request and the code stay with that client.
 */
function webLoginClientIds(ctx: AppContext): string[] {
  return [ctx.config.clientId, ...(ctx.config.extensions.uio.enabled ? [ctx.config.extensions.uio.clientId] : [])];
}

/** The pre-authentication reply (§3): nothing secret, as anyone may ask. */
export async function preauthenticate(ctx: AppContext, q: { user?: unknown; login_hint?: unknown }, clientId: string = ctx.config.clientId): Promise<Record<string, unknown>> {
  const org = await defaultOrganisation(ctx);
  const loginHint = hint(q.login_hint) ?? hint(q.user);
  const state = randomBytes(24).toString('base64url');
  const nonce = randomUUID().toUpperCase();
  const now = ctx.clock.now();
  await ctx.store.webLoginStates.create({
    stateHash: sha256Hex(state), orgId: org.id, clientId, nonce, loginHint: loginHint ?? null,
    createdAt: now, expiresAt: now + WEB_LOGIN_STATE_TTL_MS, usedAt: null,
  });
  const query = new URLSearchParams({
    client_id: clientId, response_type: 'code', scope: WEB_LOGIN_BASE_SCOPE, state, nonce, redirect_uri: CALLBACK_URL,
    ...(loginHint ? { login_hint: loginHint } : {}),
  });
  const authorizationURL = `${ctx.urls.webLoginAuthorize}?${query}`;
  return {
    authorizationURL,
    authorization_url: authorizationURL,
    account_type: 'Federated',
    federation_protocol: 'OIDC',
    authorizationRequest: { client_id: clientId, nonce, redirect_uri: CALLBACK_URL, response_type: 'code', scope: WEB_LOGIN_BASE_SCOPE, state },
  };
}

/** What a checked authorization request lets the sign-in pages do, and what the code will be bound to. */
export interface WebLoginAuthorization {
  orgId: string;
  /** The Mac that signed the request object; absent in static mode (no device proof on this leg). */
  device?: Device;
  state: string;
  nonce: string | null;
  scope: string;
  clientId: string;
  /** The `urn:apple:platformsso:auth:*` scope, if the Mac sent one. */
  userAction?: string;
  loginHint?: string;
}

function param(q: Record<string, unknown>, name: string): string | undefined {
  const v = q[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || v.length > MAX_PARAM) throw new PssoError('web_login_request_invalid', `query ${name}`);
  return v;
}

/** Single use: the state is consumed only after everything else about the request checked out. */
async function consumeState(ctx: AppContext, state: string): Promise<void> {
  const r = await ctx.store.webLoginStates.consume(sha256Hex(state), ctx.clock.now());
  if (r !== 'ok') throw new PssoError('web_login_state_invalid', `state ${r}`);
}

/**
 * POST with `request=<JWS>` (§4): the device by kid, ES256 with its REGISTERED signing key (x5c is
 * never trusted), then client_id, redirect_uri, state and nonce against what preauth minted.
 */
export async function checkSignedAuthorization(ctx: AppContext, requestJwt: unknown, query: Record<string, unknown>): Promise<WebLoginAuthorization> {
  if (typeof requestJwt !== 'string' || requestJwt.length === 0) throw new PssoError('web_login_request_invalid', 'request (the signed authorization request) missing');
  if (requestJwt.length > 16_384) throw new PssoError('web_login_request_invalid', 'request too long');
  const parsed = parseCompactJws(requestJwt);
  const kid = requestSigningKid(parsed);
  const device = await ctx.store.devices.getBySigningKid(kid);
  if (!device) throw new PssoError('unknown_device', `kid ${kid}`);
  if (device.status === 'revoked') throw new PssoError('device_revoked', device.id);
  const c: AuthorizationRequestClaims = verifyAuthorizationRequestObject(parsed, ctx.keyCache.publicKey(device.signingKey));
  if (!webLoginClientIds(ctx).includes(c.client_id)) throw new PssoError('web_login_request_mismatch', `client_id ${c.client_id}`);
  const qState = param(query, 'state');
  if (qState !== undefined && qState !== c.state) throw new PssoError('web_login_request_mismatch', 'the query state differs from the signed state');
  const qRedirect = param(query, 'redirect_uri');
  if (qRedirect !== undefined && !isPlatformSsoCallback(qRedirect)) throw new PssoError('web_login_request_mismatch', `redirect_uri ${qRedirect}`);
  const minted = await ctx.store.webLoginStates.get(sha256Hex(c.state));
  if (!minted) throw new PssoError('web_login_state_invalid', 'state unknown');
  if (minted.orgId !== device.orgId) throw new PssoError('web_login_request_mismatch', 'the state was minted for another organisation');
  if (minted.nonce !== c.nonce) throw new PssoError('web_login_request_mismatch', 'nonce differs from the one minted with this state');
  if (minted.clientId !== c.client_id) throw new PssoError('web_login_request_mismatch', 'client_id differs from the one minted with this state');
  await consumeState(ctx, c.state);
  // The query and the object carry different merges of the scope (§4); the union is what was asked for.
  const scope = mergeScopes(c.scope, param(query, 'scope'));
  const userAction = authScopeOf(c.scope) ?? authScopeOf(scope);
  const loginHint = hint(param(query, 'login_hint')) ?? minted.loginHint ?? undefined;
  return {
    orgId: device.orgId, device, state: c.state, nonce: c.nonce, scope, clientId: c.client_id,
    ...(userAction ? { userAction } : {}), ...(loginHint ? { loginHint } : {}),
  };
}

/**
 * GET (static mode, §1): no request object, so no device proof. A state minted by preauth is still
 * checked and used up; any other state is the Mac's own (static mode has no preauth), and the code
 * is then bound to the device that redeems it.
 */
export async function checkStaticAuthorization(ctx: AppContext, query: Record<string, unknown>): Promise<WebLoginAuthorization> {
  const state = param(query, 'state');
  if (!state) throw new PssoError('web_login_request_invalid', 'state missing');
  const clientId = param(query, 'client_id') ?? ctx.config.clientId;
  if (!webLoginClientIds(ctx).includes(clientId)) throw new PssoError('web_login_request_mismatch', `client_id ${clientId}`);
  const redirect = param(query, 'redirect_uri');
  if (redirect !== undefined && !isPlatformSsoCallback(redirect)) throw new PssoError('web_login_request_mismatch', `redirect_uri ${redirect}`);
  const responseType = param(query, 'response_type');
  if (responseType !== undefined && responseType !== 'code') throw new PssoError('web_login_request_invalid', `response_type ${responseType}`);
  const nonce = param(query, 'nonce') ?? null;
  const minted = await ctx.store.webLoginStates.get(sha256Hex(state));
  let orgId: string;
  if (minted) {
    if (nonce !== null && minted.nonce !== nonce) throw new PssoError('web_login_request_mismatch', 'nonce differs from the one minted with this state');
    if (minted.clientId !== clientId) throw new PssoError('web_login_request_mismatch', 'client_id differs from the one minted with this state');
    await consumeState(ctx, state);
    orgId = minted.orgId;
  } else {
    orgId = (await defaultOrganisation(ctx)).id;
  }
  const scope = mergeScopes(param(query, 'scope') ?? WEB_LOGIN_BASE_SCOPE);
  const userAction = authScopeOf(scope);
  const loginHint = hint(param(query, 'login_hint')) ?? minted?.loginHint ?? undefined;
  return { orgId, state, nonce: nonce ?? minted?.nonce ?? null, scope, clientId, ...(userAction ? { userAction } : {}), ...(loginHint ? { loginHint } : {}) };
}

/** The continuation data a web-login sign-in carries in its session (no secrets: the code is minted at the end). */
export interface WebLoginContinuationData {
  [key: string]: unknown;
  state: string;
  nonce: string | null;
  scope: string;
  clientId: string;
  deviceId: string | null;
}

export function continuationData(a: WebLoginAuthorization): WebLoginContinuationData {
  return { state: a.state, nonce: a.nonce, scope: a.scope, clientId: a.clientId, deviceId: a.device?.id ?? null };
}

/** Mints the one-time code for a finished sign-in (§5, §14 item 4): stored hashed, 5 minutes, bound to everything. */
export async function mintWebLoginCode(ctx: AppContext, user: User, amr: string[], d: WebLoginContinuationData): Promise<string> {
  const code = `wlc.${randomBytes(32).toString('base64url')}`;
  const now = ctx.clock.now();
  await ctx.store.webLoginCodes.create({
    codeHash: sha256Hex(code), orgId: user.orgId, userId: user.id, deviceId: d.deviceId, state: d.state, nonce: d.nonce,
    scope: d.scope, clientId: d.clientId, amr, authTime: now, createdAt: now, expiresAt: now + WEB_LOGIN_CODE_TTL_MS, usedAt: null,
  });
  return code;
}
