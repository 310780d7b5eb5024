// Authenticates a signed PSSO request from a Mac: device by canonical kid, the pure checklist of
// psso-protocol.md §4.5 (protocol/verify-request), then the server nonce consumed atomically.

import type { AppContext } from './context.js';
import type { Device } from '../storage/ports.js';
import { PssoError } from '../errors/psso-error.js';
import { canonicaliseKid } from '../protocol/base64.js';
import { parsePssoForm, requestSigningKid, verifyPssoRequest, type VerifiedRequest } from '../protocol/verify-request.js';
import type { ParsedJws } from '../protocol/jws.js';
import { toSeconds } from './clock.js';
import { requestTimeLimits } from '../config/load.js';
import type { ClientProfile } from './client-profile.js';
import { spendNonce } from './nonces.js';

export interface AuthenticatedRequest {
  device: Device;
  req: VerifiedRequest;
  version: '1.0' | '2.0';
}

/** What is known about a request before it is verified, so even a refusal's log row can name it. */
export interface RequestSighting {
  device: Device;
  /** The `username` claim as sent; not yet verified (a refusal's log row shows what was attempted, as Entra's do). */
  claimedUsername: string | undefined;
}

/** The request's client and the client-request-id header it came with (a bound nonce needs the same). */
export interface RequestOrigin {
  client: ClientProfile;
  clientRequestId?: string | undefined;
}

/** The registered device a signed request names by its kid; a revoked one is refused once sighted. */
export async function findRequestDevice(ctx: AppContext, jws: ParsedJws, sighted?: (s: RequestSighting) => void): Promise<Device> {
  const kid = requestSigningKid(jws);
  const device = await ctx.store.devices.getBySigningKid(kid);
  if (!device) throw new PssoError('unknown_device', `kid ${kid}`);
  const claimed = jws.claims.username;
  sighted?.({ device, claimedUsername: typeof claimed === 'string' ? claimed.slice(0, 256) : undefined });
  if (device.status === 'revoked') throw new PssoError('device_revoked', device.id);
  return device;
}

/** Spends the server nonce atomically; call it only after every pure check passed, so a forged request cannot burn it. */
export async function authenticateDeviceRequest(ctx: AppContext, form: Record<string, string | undefined>, origin: RequestOrigin, sighted?: (s: RequestSighting) => void): Promise<AuthenticatedRequest> {
  const parsed = parsePssoForm(form);
  const device = await findRequestDevice(ctx, parsed.jws, sighted);

  const nowMs = ctx.clock.now();
  const req = verifyPssoRequest(parsed.jws, {
    signingKey: ctx.keyCache.publicKey(device.signingKey),
    encryptionKey: device.encryptionKey,
  }, {
    now: toSeconds(nowMs),
    ...requestTimeLimits(ctx.config),
    clientId: origin.client.clientIds,
    audience: origin.client.tokenUrl,
  });
  if (origin.client.checkKeyIdClaims) checkKeyIdClaims(req.claims, device);
  // The key service is PSSO 2.0 only (psso-protocol.md §7, §8).
  if ((req.kind === 'key_request' || req.kind === 'key_exchange') && parsed.version !== '2.0') {
    throw new PssoError('version_mismatch', `platform_sso_version ${parsed.version}`);
  }

  // The nonce is consumed only after every pure check passed, so a forged request cannot burn it.
  await spendNonce(ctx, req.requestNonce, nowMs, origin.clientRequestId);
  return { device, req, version: parsed.version };
}

/**
 * UiO's login configuration adds signKeyId and encKeyId body claims holding the kids it enrolled
 * (extensions.md §4.3); a request naming other kids was built from another enrolment.
 */
function checkKeyIdClaims(c: Record<string, unknown>, device: Device): void {
  for (const [claim, stored] of [['signKeyId', device.signingKid], ['encKeyId', device.encryptionKid]] as const) {
    if (c[claim] === undefined) continue;
    if (typeof c[claim] !== 'string' || canonicaliseKid(c[claim]) !== stored) throw new PssoError('key_id_claim_mismatch', `${claim} does not name this device's registered key`);
  }
}
