// Revocation over the admin API in Graph's shapes (entra-mdm.md): disable or delete a device, and
// revokeSignInSessions (disabling a user is in graph-users.ts). Each write is one transaction, and every server sharing the
// database refuses the Mac's very next request, because device status, user state and tokens are
// read from storage on each request and never cached.

import { z } from 'zod';
import type { AppContext } from '../context.js';
import type { Device, User } from '../../storage/ports.js';
import { endSessions, type SessionsEnded } from '../user-lifecycle.js';
import { PssoError } from '../../errors/psso-error.js';
import { resolveDevice, resolveUser } from './graph-directory.js';

// Graph clients echo @odata annotations back in PATCH bodies; anything else we cannot change is refused.
const accountEnabledPatch = z.object({ accountEnabled: z.boolean({ error: 'accountEnabled must be true or false' }) })
  .catchall(z.unknown())
  .superRefine((b, ctx) => {
    const extra = Object.keys(b).filter((k) => k !== 'accountEnabled' && !k.startsWith('@odata.'));
    if (extra.length > 0) ctx.addIssue({ code: 'custom', message: `only accountEnabled can be changed here, not ${extra.slice(0, 5).join(', ')}` });
  });

function parseAccountEnabled(body: unknown): boolean {
  const r = accountEnabledPatch.safeParse(body);
  if (!r.success) throw new PssoError('malformed_request', r.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '));
  return r.data.accountEnabled;
}

export interface DeviceChange { device: Device; accountEnabled: boolean; refreshTokensRevoked: number }

/**
 * PATCH /devices/{id} {"accountEnabled": false|true}. Disabling revokes the device and ends all its
 * refresh tokens. Enabling restores the device with its keys, as Entra does, but not its sessions:
 * the tokens ended by the revocation stay ended, so each user on the Mac logs in again.
 */
export async function setDeviceAccountEnabled(ctx: AppContext, orgId: string, id: string, body: unknown): Promise<DeviceChange> {
  const now = ctx.clock.now();
  return ctx.store.transaction(async (tx) => {
    // An unknown id is 404 whatever the body, as for policies; then the body is checked.
    const device = await resolveDevice({ ...ctx, store: tx }, orgId, id);
    const enabled = parseAccountEnabled(body);
    if (enabled) {
      await tx.devices.restore(device.id, now);
      return { device: { ...device, status: 'active', revokedAt: null }, accountEnabled: true, refreshTokensRevoked: 0 };
    }
    await tx.devices.revoke(device.id, now);
    const revoked = await tx.refreshTokens.revokeForDevice(device.id, now);
    return { device: { ...device, status: 'revoked', revokedAt: device.revokedAt ?? now }, accountEnabled: false, refreshTokensRevoked: revoked };
  });
}

export interface DeviceDeletion { device: Device; refreshTokensDeleted: number; registrationsDeleted: number }

/**
 * DELETE /devices/{id}: the registration goes with everything bound to its keys (tokens, user
 * registrations, unlock keys), so the Mac's next request is from an unknown device and it must
 * register again. Sign-in log rows keep naming the device id.
 */
export async function deleteDevice(ctx: AppContext, orgId: string, id: string): Promise<DeviceDeletion> {
  return ctx.store.transaction(async (tx) => {
    const device = await resolveDevice({ ...ctx, store: tx }, orgId, id);
    const refreshTokensDeleted = await tx.refreshTokens.deleteForDevice(device.id);
    const registrationsDeleted = await tx.userRegistrations.deleteForDevice(device.id);
    await tx.unlockKeys.deleteForDevice(device.id);
    await tx.devices.delete(device.id);
    return { device, refreshTokensDeleted, registrationsDeleted };
  });
}

export interface SessionRevocation extends SessionsEnded { user: User }

/** POST /users/{id}/revokeSignInSessions: every refresh and bearer token of the user ends, so each Mac needs a full login. */
export async function revokeSignInSessions(ctx: AppContext, orgId: string, idOrUpn: string): Promise<SessionRevocation> {
  const now = ctx.clock.now();
  return ctx.store.transaction(async (tx) => {
    const user = await resolveUser({ ...ctx, store: tx }, orgId, idOrUpn);
    return { user, ...(await endSessions(tx, user, now)) };
  });
}
