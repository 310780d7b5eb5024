// An extension's own check of a user's password before it saves the user (Fleet's interactive user
// registration, extensions.md §3.4): the device-signed check verified by protocol/credential-check,
// the nonce spent, the password through the credential guard and conditional access as a user
// registration, with one sign-in row. Answers nothing but success or the refusal.

import type { AppContext } from './context.js';
import type { ClientProfile } from './client-profile.js';
import { PssoError } from '../errors/psso-error.js';
import type { ParsedJws } from '../protocol/jws.js';
import { openCredentialCheckPassword, verifyCredentialCheck } from '../protocol/credential-check.js';
import { findRequestDevice } from './device-request.js';
import { spendNonce } from './nonces.js';
import { checkPassword, withServerEncryptionKeys } from './login-credentials.js';
import { withSignInRecord, type SignInEvent } from './sign-in-events.js';
import { checkAccess } from './access.js';
import { DEVICE_REGISTRATION_APP_ID } from '../policy/app-ids.js';
import { requestTimeLimits } from '../config/load.js';
import { toSeconds } from './clock.js';
import { BAD_TEXT } from './representable.js';
import type { RequestSlot } from './request-slot.js';
import type { User } from '../storage/ports.js';

export interface CredentialCheckInput {
  jws: ParsedJws;
  client: ClientProfile;
  ipAddress: string;
  userAgent?: string | undefined;
  correlationId: string;
  clientRequestId?: string | undefined;
  slot?: RequestSlot | undefined;
}

export async function checkExtensionCredential(ctx: AppContext, input: CredentialCheckInput): Promise<User> {
  const event: SignInEvent = {
    at: ctx.clock.now(), correlationId: input.correlationId, operation: 'user_registration', interactive: true,
    ipAddress: input.ipAddress, userAgent: input.userAgent, method: 'encrypted_password', appId: DEVICE_REGISTRATION_APP_ID,
    ...(input.client.dialect !== 'native' ? { extension: input.client.dialect } : {}),
    details: { step: 'extension_credential_check' },
  };
  return withSignInRecord(ctx.signIns, event, async () => {
    const device = await findRequestDevice(ctx, input.jws, ({ device: d, claimedUsername }) => {
      event.deviceId = d.id;
      event.deviceUuid = d.deviceUuid;
      event.orgId = d.orgId;
      event.userPrincipalName = claimedUsername;
    });
    const check = verifyCredentialCheck(input.jws, { signingKey: ctx.keyCache.publicKey(device.signingKey), encryptionKey: device.encryptionKey }, {
      now: toSeconds(ctx.clock.now()), ...requestTimeLimits(ctx.config), clientId: input.client.clientIds,
    });
    if (BAD_TEXT.test(check.username)) throw new PssoError('unrepresentable_input', 'claim username');
    event.userPrincipalName = check.username;
    await spendNonce(ctx, check.requestNonce, ctx.clock.now(), input.clientRequestId);
    const password = withServerEncryptionKeys(ctx, (key, x963) => openCredentialCheckPassword(check, key, x963));
    const user = await checkPassword(ctx, device, check.username, password, input.ipAddress, input.slot);
    event.userId = user.id;
    event.userPrincipalName = user.userPrincipalName;
    event.userDisplayName = user.displayName;
    if (!user.enabled) throw new PssoError('user_disabled');
    // The extension saves the user only after this answer: registration's access rules apply, as a
    // native user registration with a password would meet them.
    event.decision = await checkAccess(ctx, {
      user, appId: DEVICE_REGISTRATION_APP_ID, ipAddress: input.ipAddress, device, interactive: false, amr: ['pwd'], lastFullAuthAt: ctx.clock.now(),
    });
    return user;
  });
}
