// UiO Weblogin's device and user enrolment (extensions.md §4.5-§4.6) mapped onto the one registration
// use case: both generations' JSON field sets, a registration token or the user's access token, the
// UUID nonce bound to client-request-id, the attestation chain handed to the attestation verifier.
//
// Device identity: OpenPSSO keys devices by deviceUuid, Keycloak by the attested UDID. deviceUuid is a
// name-based UUID (RFC 9562 v5) of the attested UDID when there is one, so a Mac enrolling again
// replaces its own row; without attestation it is derived from the access token's jti (the sign-in
// that enrolled it), or, with a registration token, from the signing kid. userenroll finds the
// device the same way: attested UDID, else the access token that enrolled the device.

import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { AppContext } from '../context.js';
import type { Device, UserRegistration } from '../../storage/ports.js';
import { PssoError } from '../../errors/psso-error.js';
import { parseBody } from '../registration.js';
import { authenticateRegistration, type RegistrationPrincipal } from '../registration-auth.js';
import { registerDeviceRecorded, registerUserRecorded, type RequestFacts } from '../registration-events.js';
import { kidFromX963, parsePublicKeyInput } from '../../protocol/ec-keys.js';
import { verifyUioAccessToken, type UioAccessToken } from './access-token.js';
import { uioOrgId } from './oidc-client.js';
import { spendNonce } from '../nonces.js';
import { verifyDeviceAttestation, type AttestationFacts } from '../device-attestation.js';

export interface UioFacts extends RequestFacts {
  clientRequestId?: string | undefined;
}

const key = z.string().min(40).max(2000);
const kid = z.string().min(1).max(100);
// Unknown fields are ignored (passthrough then pick): a newer extension may add some (§5).
export const enrollSchema = z.object({
  DeviceSigningKey: key, DeviceEncryptionKey: key, SignKeyID: kid, EncKeyID: kid,
  nonce: z.string().min(1).max(100),
  attestation: z.array(z.string().max(20_000)).max(10).optional(),
  // WL-N only; WL-0 never sends it, and it changes nothing server-side (the user's method is chosen at user enrolment and login).
  registrationMethod: z.enum(['PASSWORD', 'SECURE_ENCLAVE', 'OPENID']).optional(),
  accessToken: z.string().max(8192).optional(),
  registrationToken: z.string().max(512).optional(),
}).passthrough();

export const userEnrollSchema = z.object({
  userKey: key, userKeyId: kid,
  nonce: z.string().min(1).max(100),
  attestation: z.array(z.string().max(20_000)).max(10).optional(),
  accessToken: z.string().max(8192).optional(),
}).passthrough();

/** RFC 9562 §5.5 name-based UUID (SHA-1), upper case like a Mac's hardware UUID. */
export function nameUuid(name: string): string {
  // A fixed namespace of OpenPSSO's own for UiO device names.
  const ns = Buffer.from('6f70656e7073736f2d75696f2d646576', 'hex');
  const h = createHash('sha1').update(ns).update(name, 'utf8').digest().subarray(0, 16);
  h[6] = (h[6]! & 0x0f) | 0x50;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const x = h.toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`.toUpperCase();
}

const udidUuid = (udid: string) => nameUuid(`udid:${udid}`);
const tokenUuid = (orgId: string, jti: string) => nameUuid(`access-token:${orgId}:${jti}`);

/** The extension sends the UUID nonce lower-cased, as minted; it is bound to the enrolment's client-request-id. */
async function consumeNonce(ctx: AppContext, nonce: string, clientRequestId: string | undefined): Promise<void> {
  await spendNonce(ctx, nonce.toLowerCase(), ctx.clock.now(), clientRequestId);
}

/**
 * Apple Managed Device Attestation under the organisation's mode (docs/attestation.md): checked before
 * the nonce is spent, so a forged chain cannot burn it; the nonce is then spent with its binding.
 */
function attest(ctx: AppContext, orgId: string, attestation: string[] | undefined, nonce: string, key: Buffer): Promise<AttestationFacts | null> {
  // An empty array is what an extension without attestation sends: nothing attested.
  const wireChain = attestation && attestation.length > 0 ? attestation : undefined;
  return verifyDeviceAttestation(ctx, { orgId, chain: undefined, wireChain, nonce, attestedKeyX963: key, nonceConsumed: true });
}

async function checkOrg(ctx: AppContext, principal: RegistrationPrincipal): Promise<void> {
  if (await uioOrgId(ctx) === principal.orgId) return;
  const why = 'the credential belongs to another organisation than the dialect serves';
  throw new PssoError(principal.kind === 'registration_token' ? 'registration_unauthorized' : 'uio_access_token_invalid', why);
}

function publicKey(input: string, field: string): Buffer {
  try { return parsePublicKeyInput(input); } catch { throw new PssoError('bad_public_key', field); }
}

export async function enrollDevice(ctx: AppContext, body: unknown, f: UioFacts): Promise<Device> {
  const b = parseBody(enrollSchema, body);
  let principal: RegistrationPrincipal;
  let token: UioAccessToken | null = null;
  if (b.registrationToken !== undefined) {
    principal = await authenticateRegistration(ctx, `Bearer ${b.registrationToken}`);
  } else {
    token = await verifyUioAccessToken(ctx, b.accessToken);
    principal = { kind: 'bearer', orgId: token.user.orgId, user: token.user, amr: token.amr, issuedAt: token.issuedAt };
  }
  await checkOrg(ctx, principal);
  // Keys are read before the nonce is spent, so a malformed enrolment cannot burn it.
  const signing = publicKey(b.DeviceSigningKey, 'DeviceSigningKey');
  publicKey(b.DeviceEncryptionKey, 'DeviceEncryptionKey');
  const attested = await attest(ctx, principal.orgId, b.attestation, b.nonce, signing);
  await consumeNonce(ctx, b.nonce, f.clientRequestId);
  const deviceUuid = attested?.udid ? udidUuid(attested.udid)
    : token ? tokenUuid(principal.orgId, token.jti) : nameUuid(`signing-key:${kidFromX963(signing)}`);
  return registerDeviceRecorded(ctx, principal, {
    deviceUuid, signingKey: b.DeviceSigningKey, encryptionKey: b.DeviceEncryptionKey,
    signingKeyId: b.SignKeyID, encryptionKeyId: b.EncKeyID, sharedDeviceKeys: true,
  }, { ...f, extension: 'uio' }, { attestation: { verified: attested } });
}

export async function enrollUser(ctx: AppContext, body: unknown, f: UioFacts): Promise<UserRegistration> {
  const b = parseBody(userEnrollSchema, body);
  const token = await verifyUioAccessToken(ctx, b.accessToken);
  const orgId = token.user.orgId;
  const principal: RegistrationPrincipal = { kind: 'bearer', orgId, user: token.user, amr: token.amr, issuedAt: token.issuedAt };
  await checkOrg(ctx, principal);
  const userKey = publicKey(b.userKey, 'userKey');
  const attested = await attest(ctx, orgId, b.attestation, b.nonce, userKey);
  const device = await ctx.store.devices.getByUuid(orgId, attested?.udid ? udidUuid(attested.udid) : tokenUuid(orgId, token.jti));
  if (!device) throw new PssoError('uio_device_not_found');
  await consumeNonce(ctx, b.nonce, f.clientRequestId);
  return registerUserRecorded(ctx, principal, device.id, {
    userPrincipalName: token.user.userPrincipalName, method: 'secure_enclave', userKey: b.userKey, userKeyId: b.userKeyId,
  }, { ...f, extension: 'uio' });
}
