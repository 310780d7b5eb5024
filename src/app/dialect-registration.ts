// Device registration as the twocanoes and Fleet extensions send it (extensions.md §2.4, §3.4),
// mapped onto the one registration use case: field names and encodings here, every check (key
// parsing, kid = SHA-256 of the key, re-registration) in registration.ts, rows in registration-events.ts.

import { z } from 'zod';
import type { AppContext } from './context.js';
import type { Device } from '../storage/ports.js';
import { PssoError } from '../errors/psso-error.js';
import { parseBody } from './registration.js';
import { registerDeviceRecorded, type RequestFacts } from './registration-events.js';
import { authenticateRegistration, type RegistrationPrincipal } from './registration-auth.js';

const key = z.string().min(40).max(2000);
const kid = z.string().min(1).max(100);

/**
 * Scissors' JSON body. Unknown fields are ignored (the newer build adds CodeVerifier, and more may
 * follow); the known ones are validated. DeviceUUID stays a free string here so that the allow-list,
 * not the schema, answers a Mac whose UUID was unreadable ("unknown").
 */
export const twocanoesRegistrationSchema = z.object({
  DeviceUUID: z.string().min(1).max(100),
  DeviceSigningKey: key,
  DeviceEncryptionKey: key,
  SignKeyID: kid,
  EncKeyID: kid,
  /** Newer revision: the PKCE verifier of its OIDC login, possibly empty; not used by OpenPSSO. */
  CodeVerifier: z.string().max(200).optional(),
});

/** Fleet's form: every field required (as Fleet's server requires them). */
export const fleetRegistrationSchema = z.object({
  device_uuid: z.string().min(1).max(100),
  device_signing_key: key,
  device_encryption_key: key,
  signing_key_id: kid,
  encryption_key_id: kid,
  registration_token: z.string().min(1).max(500),
});

async function organisation(ctx: AppContext, configured: string | undefined, setting: string): Promise<string> {
  if (configured) {
    if (!(await ctx.store.organisations.get(configured))) throw new PssoError('invalid_configuration', `${setting} names no organisation`);
    return configured;
  }
  const first = (await ctx.store.organisations.list())[0]?.id;
  if (!first) throw new PssoError('registration_invalid', 'no organisation exists');
  return first;
}

export interface TwocanoesRegistrationOptions {
  /** The deprecated root /register (registration.compatEndpoint): admits any Mac, as it always did. */
  compatAlias?: boolean;
}

/**
 * Scissors registers with no credential at all, so a Mac is admitted by its hardware UUID being on
 * extensions.twocanoes.allowedDeviceUuids, or by openRegistration (test set-ups).
 */
export async function registerTwocanoesDevice(ctx: AppContext, body: unknown, f: RequestFacts, o: TwocanoesRegistrationOptions = {}): Promise<Device> {
  const b = parseBody(twocanoesRegistrationSchema, body);
  const c = ctx.config.extensions.twocanoes;
  const orgId = o.compatAlias
    ? await organisation(ctx, ctx.config.registration.compatOrgId, 'registration.compatOrgId')
    : await organisation(ctx, c.orgId, 'extensions.twocanoes.orgId');
  const principal: RegistrationPrincipal = { kind: 'registration_token', orgId, tokenId: o.compatAlias ? 'compat' : 'twocanoes' };
  const allowed = new Set(c.allowedDeviceUuids.map((u) => u.toUpperCase()));
  return registerDeviceRecorded(ctx, principal, {
    deviceUuid: b.DeviceUUID, signingKey: b.DeviceSigningKey, encryptionKey: b.DeviceEncryptionKey,
    signingKeyId: b.SignKeyID, encryptionKeyId: b.EncKeyID, sharedDeviceKeys: true,
  }, { ...f, extension: 'twocanoes' }, {
    via: 'compat',
    admit: () => {
      if (o.compatAlias) return 'registration.compatEndpoint';
      if (allowed.has(b.DeviceUUID.toUpperCase())) return 'extensions.twocanoes.allowedDeviceUuids';
      if (c.openRegistration) return 'extensions.twocanoes.openRegistration';
      throw new PssoError('twocanoes_device_not_allowed', b.DeviceUUID.slice(0, 100));
    },
  });
}

/**
 * Fleet's registration: the profile's RegistrationToken is an OpenPSSO registration token (rgt.…),
 * the keys a PEM label around a raw point or SPKI, the kids base64url without padding.
 */
export async function registerFleetDevice(ctx: AppContext, form: unknown, f: RequestFacts): Promise<Device> {
  const b = parseBody(fleetRegistrationSchema, form);
  if (!b.registration_token.startsWith('rgt.')) throw new PssoError('registration_unauthorized', 'registration_token is not an OpenPSSO registration token');
  const principal = await authenticateRegistration(ctx, `Bearer ${b.registration_token}`);
  const orgId = ctx.config.extensions.fleet.orgId;
  if (orgId && principal.orgId !== orgId) throw new PssoError('registration_unauthorized', 'registration token of another organisation than extensions.fleet.orgId');
  return registerDeviceRecorded(ctx, principal, {
    deviceUuid: b.device_uuid, signingKey: b.device_signing_key, encryptionKey: b.device_encryption_key,
    signingKeyId: b.signing_key_id, encryptionKeyId: b.encryption_key_id, sharedDeviceKeys: true,
  }, { ...f, extension: 'fleet' });
}
