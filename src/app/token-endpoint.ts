// The token endpoint use case: nonce, login, refresh, key_request and key_exchange, each answered
// with a JWE to the device encryption key (psso-protocol.md §4-§7). Records one sign-in event per request.

import type { AppContext } from './context.js';
import { PssoError } from '../errors/psso-error.js';
import { authenticateDeviceRequest, type AuthenticatedRequest } from './device-request.js';
import { checkLoginCredential } from './login-credentials.js';
import { presentRefreshToken, refuseReuse, type PresentedRefreshToken } from './refresh.js';
import type { Device } from '../storage/ports.js';
import type { VerifiedRequest } from '../protocol/verify-request.js';
import { issueTokens } from './issue-tokens.js';
import { issueNonce } from './nonces.js';
import { keyExchangePayload, keyRequestPayload, provisionUnlockKey } from './key-service.js';
import { buildPssoResponse } from '../protocol/build-response.js';
import { withSignInRecord, type SignInEvent } from './sign-in-events.js';
import { checkAccess } from './access.js';
import { PLATFORM_SSO_APP_ID } from '../policy/app-ids.js';
import { BAD_TEXT } from './representable.js';
import type { RequestSlot } from './request-slot.js';
import { authScopeOf } from '../protocol/web-login.js';
import { redeemWebLoginCode } from './web-login-exchange.js';
import { nativeClient, type ClientProfile } from './client-profile.js';

export interface TokenEndpointInput {
  form: Record<string, string | undefined>;
  ipAddress: string;
  userAgent?: string | undefined;
  correlationId: string;
  /** The request's admission slot (given back while a password check waits). */
  slot?: RequestSlot | undefined;
  /** The extension dialect the request came through; the native login configuration when absent. */
  client?: ClientProfile | undefined;
  /** The client-request-id header: a nonce bound to one must be spent with the same. */
  clientRequestId?: string | undefined;
}

export type TokenEndpointResult =
  | { kind: 'nonce'; body: Record<string, string> }
  | { kind: 'jwe'; contentType: string; body: string };

const OPERATION = {
  login_password: 'login', login_assertion: 'login', login_web: 'login', refresh: 'refresh', key_request: 'key_request', key_exchange: 'key_exchange',
} as const;

export async function handleTokenRequest(ctx: AppContext, input: TokenEndpointInput): Promise<TokenEndpointResult> {
  if (input.form.grant_type === 'srv_challenge') {
    return { kind: 'nonce', body: { Nonce: await issueNonce(ctx) } };
  }
  const client = input.client ?? nativeClient(ctx);
  const event: SignInEvent = {
    at: ctx.clock.now(), correlationId: input.correlationId, operation: 'login', interactive: false,
    ipAddress: input.ipAddress, userAgent: input.userAgent,
    ...(client.dialect !== 'native' ? { extension: client.dialect } : {}),
  };
  return withSignInRecord(ctx.signIns, event, async () => {
    const auth = await authenticateDeviceRequest(ctx, input.form, { client, clientRequestId: input.clientRequestId }, ({ device, claimedUsername }) => {
      event.deviceId = device.id;
      event.deviceUuid = device.deviceUuid;
      event.deviceSerialNumber = device.attestation?.serialNumber ?? null;
      event.deviceAttested = device.attestation !== null;
      event.orgId = device.orgId;
      event.userPrincipalName = claimedUsername;
    });
    event.operation = OPERATION[auth.req.kind];
    // Claims travel base64url-encoded inside the signed request, out of the edge guard's sight.
    if (auth.req.username !== undefined && BAD_TEXT.test(auth.req.username)) throw new PssoError('unrepresentable_input', 'claim username');
    event.userPrincipalName = auth.req.username;
    // macOS 27 authorization scope: logged, and given to conditional access as the user action.
    const userAction = authScopeOf(auth.req.scope);
    if (userAction) event.userAction = userAction;
    return dispatch(ctx, auth, client, event, input.ipAddress, input.slot);
  });
}

/**
 * Refresh and the key service rest on the session a refresh token carries: it must be bound to this
 * device and user, and access is checked with that session's authentication. A reused token ends
 * its family. A token in its grace serves only a refresh: the key service does not rotate, so it
 * cannot repair a lost reply, and letting it read a superseded token would let a copy keep
 * unlocking without ever touching the family; the Mac's next refresh still gets its grace.
 */
async function liveSession(ctx: AppContext, device: Device, req: VerifiedRequest, event: SignInEvent, ipAddress: string): Promise<PresentedRefreshToken> {
  event.method = 'refresh_token';
  const live = await presentRefreshToken(ctx, device, req.refreshToken, req.username);
  event.userId = live.user.id;
  event.userPrincipalName = live.user.userPrincipalName;
  event.userDisplayName = live.user.displayName;
  if (live.state === 'reused') await refuseReuse(ctx, live.record);
  if (live.state === 'in_grace' && req.kind !== 'refresh') {
    throw new PssoError('refresh_token_invalid', 'superseded by a refresh moments ago; only a refresh may still use it');
  }
  if (!live.user.enabled) throw new PssoError('user_disabled');
  event.decision = await checkAccess(ctx, {
    user: live.user, appId: PLATFORM_SSO_APP_ID, ipAddress, device, interactive: false, amr: live.record.amr, lastFullAuthAt: live.record.authTime,
    userAction: event.userAction,
  });
  return live;
}

async function dispatch(ctx: AppContext, { device, req }: AuthenticatedRequest, client: ClientProfile, event: SignInEvent, ipAddress: string, slot: RequestSlot | undefined): Promise<TokenEndpointResult> {
  const issuer = client.idTokenIssuer;
  const reply = (payload: object, typ: 'platformsso-login-response+jwt' | 'platformsso-key-response+jwt'): TokenEndpointResult => ({
    kind: 'jwe',
    contentType: `application/${typ}`,
    body: buildPssoResponse({ payload, deviceEncryptionKey: device.encryptionKey, apv: req.apv, typ }),
  });

  switch (req.kind) {
    case 'login_password':
    case 'login_assertion': {
      const cred = await checkLoginCredential(ctx, device, req, client, ipAddress, slot);
      event.userId = cred.user.id;
      event.userPrincipalName = cred.user.userPrincipalName;
      event.userDisplayName = cred.user.displayName;
      event.method = cred.method;
      if (!cred.user.enabled) throw new PssoError('user_disabled');
      // A Secure Enclave or smart card credential registered after MFA counts as multi-factor (as in Entra).
      const amr = cred.mfaVerifiedCredential && !cred.amr.includes('mfa') ? [...cred.amr, 'mfa'] : cred.amr;
      // A login is itself a full authentication: sign-in frequency is satisfied by it, now.
      event.decision = await checkAccess(ctx, {
        user: cred.user, appId: PLATFORM_SSO_APP_ID, ipAddress, device, interactive: false, amr, lastFullAuthAt: ctx.clock.now(), userAction: event.userAction,
      });
      const tokens = await issueTokens(ctx, { user: cred.user, device, req, issuer, authTime: ctx.clock.now(), amr });
      return reply(tokens, 'platformsso-login-response+jwt');
    }
    case 'login_web': {
      // The user signed in on the web pages moments ago; this request redeems what that sign-in earned.
      event.method = 'web_login';
      const web = await redeemWebLoginCode(ctx, device, req, ipAddress);
      event.userId = web.user.id;
      event.userPrincipalName = web.user.userPrincipalName;
      event.userDisplayName = web.user.displayName;
      if (web.userAction) event.userAction = web.userAction;
      if (!web.user.enabled) throw new PssoError('user_disabled');
      // The pages already ran conditional access interactively; this check sees the same facts and
      // catches whatever changed since (a block, a revoked device), without prompting.
      event.decision = await checkAccess(ctx, {
        user: web.user, appId: PLATFORM_SSO_APP_ID, ipAddress, device, interactive: false, amr: web.amr, lastFullAuthAt: web.authTime, userAction: web.userAction,
      });
      const tokens = await issueTokens(ctx, { user: web.user, device, req, issuer, authTime: web.authTime, amr: web.amr });
      return reply(tokens, 'platformsso-login-response+jwt');
    }
    case 'refresh': {
      const live = await liveSession(ctx, device, req, event, ipAddress);
      const tokens = await issueTokens(ctx, {
        user: live.user, device, req, issuer, authTime: live.record.authTime, amr: live.record.amr, previous: live.record,
      });
      return reply(tokens, 'platformsso-login-response+jwt');
    }
    case 'key_request':
    case 'key_exchange': {
      if (req.keyPurpose !== 'user_unlock') throw new PssoError('unsupported_key_purpose', String(req.keyPurpose));
      if (!device.sharedDeviceKeys) throw new PssoError('version_mismatch', 'device registered without shared device keys');
      const live = await liveSession(ctx, device, req, event, ipAddress);
      if (req.kind === 'key_request') {
        const key = await provisionUnlockKey(ctx, device, live.user);
        return reply(keyRequestPayload(ctx, key), 'platformsso-key-response+jwt');
      }
      const payload = await keyExchangePayload(ctx, device, live.user, req.otherPublicKey!, req.keyContext);
      return reply(payload, 'platformsso-key-response+jwt');
    }
  }
}
