// macOS 27 web-based login, the token leg (web-login-macos27.md §6-§7): the login request's
// subject_token (the callback URL) is parsed and its one-time code redeemed, bound to this device,
// state, client, user and authorization scope. The code is a secret, so the credential guard sees it.

import type { AppContext } from './context.js';
import type { Device, User } from '../storage/ports.js';
import type { VerifiedRequest } from '../protocol/verify-request.js';
import { PssoError } from '../errors/psso-error.js';
import { guardSecret } from './credential-guard.js';
import { sha256Hex } from './ids.js';
import { authScopeOf, parseCallbackUrl } from '../protocol/web-login.js';

export interface RedeemedWebLogin {
  user: User;
  /** amr of the web sign-in (pwd, otp, mfa ...). */
  amr: string[];
  authTime: number;
  /** The authorization scope of the authorize leg, when the Mac sent one. */
  userAction?: string;
}

export async function redeemWebLoginCode(ctx: AppContext, device: Device, req: VerifiedRequest, ipAddress: string): Promise<RedeemedWebLogin> {
  const username = req.username;
  if (!username) throw new PssoError('missing_claim', 'username');
  const { code, state } = parseCallbackUrl(req.subjectToken ?? '');
  const hash = sha256Hex(code);
  return guardSecret(ctx, { orgId: device.orgId, account: username, ipAddress, surface: 'token_endpoint', guessable: false }, async () => {
    const rec = await ctx.store.webLoginCodes.get(hash);
    if (!rec) throw new PssoError('web_login_code_invalid', 'unknown code');
    // Every binding is checked before the code is used up, so a Mac that holds someone else's
    // callback cannot burn the code its rightful Mac is about to redeem.
    if (rec.orgId !== device.orgId || (rec.deviceId !== null && rec.deviceId !== device.id)) {
      throw new PssoError('web_login_code_mismatch', 'the code was issued to another device');
    }
    if (rec.state !== state) throw new PssoError('web_login_code_mismatch', 'the callback state is not the state the code was issued for');
    if (rec.clientId !== req.claims.client_id) throw new PssoError('web_login_code_mismatch', 'the code was issued to another client');
    const user = await ctx.store.users.get(rec.userId);
    if (!user || user.userPrincipalName.toLowerCase() !== username.toLowerCase()) {
      throw new PssoError('web_login_code_mismatch', 'the code belongs to another user than sub/username');
    }
    const codeAction = authScopeOf(rec.scope);
    const loginAction = authScopeOf(req.scope);
    if (codeAction && loginAction && codeAction !== loginAction) {
      throw new PssoError('web_login_code_mismatch', `the code was issued for ${codeAction}, the login asks for ${loginAction}`);
    }
    const used = await ctx.store.webLoginCodes.consume(hash, ctx.clock.now());
    if (used !== 'ok') throw new PssoError('web_login_code_invalid', `code ${used}`);
    const userAction = loginAction ?? codeAction;
    return { user, amr: rec.amr, authTime: rec.authTime, ...(userAction ? { userAction } : {}) };
  });
}
