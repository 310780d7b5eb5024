// Device and user registration (Apple leaves it to the vendor; psso-protocol.md §2.4): keys as PEM
// SPKI or base64 X9.63, kids checked against the keys, re-registration replaces keys cleanly.

import { X509Certificate } from 'node:crypto';
import { z } from 'zod';
import type { AppContext } from './context.js';
import type { AuthMethod, Device, User, UserRegistration } from '../storage/ports.js';
import { PssoError } from '../errors/psso-error.js';
import { newId, sha256Hex } from './ids.js';
import { verifyPassword } from './passwords.js';
import { boundedVerify, guardSecret } from './credential-guard.js';
import type { RequestSlot } from './request-slot.js';
import { canonicaliseKid } from '../protocol/base64.js';
import { kidFromX963, parsePublicKeyInput } from '../protocol/ec-keys.js';
import { b64Encode } from '../protocol/base64.js';
import type { RegistrationPrincipal } from './registration-auth.js';
import { verifySmartCardChain } from './smart-card.js';
import { assertionAudience } from '../config/load.js';
import { verifyDeviceAttestation, type AttestationFacts, type AttestationRequest } from './device-attestation.js';

const uuid = z.string().regex(/^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$/, 'must be a UUID');

export const deviceRegistrationSchema = z.object({
  deviceUuid: uuid,
  signingKey: z.string().min(40).max(2000),
  encryptionKey: z.string().min(40).max(2000),
  signingKeyId: z.string().max(100).optional(),
  encryptionKeyId: z.string().max(100).optional(),
  sharedDeviceKeys: z.boolean().default(false),
  /**
   * The extension's supportedGrantTypes (ASAuthorizationProviderExtensionSupportedGrantTypes). Web-based
   * login needs tokenExchange (web-login-macos27.md §1); accepted and echoed, not enforced (docs/web-login.md).
   */
  supportedGrantTypes: z.array(z.enum(['password', 'jwtBearer', 'tokenExchange', 'saml1_1', 'saml2_0'])).max(5).optional(),
  /**
   * Apple device attestation of signingKey (docs/attestation.md): standard-base64 DER certificates, leaf
   * first, as attestKey returns them. Checked by device-attestation.ts, which reports garbage with its own code.
   */
  attestation: z.unknown().optional(),
  /** The server nonce the attestation was made for, exactly as the server issued it. */
  attestationNonce: z.string().max(512).optional(),
}).strict();

/**
 * Attestation a dialect has already taken from its own body (UiO's `attestation` and `nonce`), in place
 * of the native fields; see AttestationRequest for requireIdentifiers and nonceConsumed.
 */
export type DialectAttestation = Pick<AttestationRequest, 'chain' | 'wireChain' | 'nonce' | 'requireIdentifiers' | 'nonceConsumed'>
  /** Facts the dialect already verified (UiO derives the device's identity from the attested UDID first). */
  | { verified: AttestationFacts | null };

export const userRegistrationSchema = z.object({
  userPrincipalName: z.string().min(1).max(256),
  method: z.enum(['password', 'secure_enclave', 'smart_card', 'openid']),
  password: z.string().max(1024).optional(),
  userKey: z.string().min(40).max(2000).optional(),
  userKeyId: z.string().max(100).optional(),
  certificate: z.string().min(40).max(20000).optional(),
}).strict();

/** The keys in a registration, parsed and with their kids checked. */
function keyWithKid(input: string, claimedKid: string | undefined, field: string): { x963: Buffer; kid: string } {
  let x963: Buffer;
  try { x963 = parsePublicKeyInput(input); } catch { throw new PssoError('bad_public_key', field); }
  const kid = kidFromX963(x963);
  if (claimedKid !== undefined && canonicaliseKid(claimedKid) !== kid) throw new PssoError('kid_mismatch', field);
  return { x963, kid };
}

export function parseBody<T extends z.ZodTypeAny>(schema: T, body: unknown): z.infer<T> {
  const r = schema.safeParse(body);
  if (!r.success) throw new PssoError('registration_invalid', r.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '));
  return r.data;
}

export function loginConfiguration(ctx: AppContext) {
  const enc = ctx.keys.active('enc');
  return {
    clientID: ctx.config.clientId,
    issuer: ctx.config.issuer,
    audience: assertionAudience(ctx.config),
    tokenEndpointURL: ctx.urls.tokenEndpoint,
    nonceEndpointURL: ctx.urls.nonceEndpoint,
    refreshEndpointURL: ctx.urls.refreshEndpoint,
    keyEndpointURL: ctx.urls.keyEndpoint,
    jwksEndpointURL: ctx.urls.jwksUri,
    nonceResponseKeypath: 'Nonce',
    serverNonceClaimName: 'request_nonce',
    additionalScopes: 'urn:apple:platformsso',
    uniqueIdentifierClaimName: 'oid',
    loginRequestEncryptionPublicKey: b64Encode(ctx.keys.encryptionPublicX963(enc)),
    loginRequestEncryptionAPVPrefix: 'APPLEEMBEDDED',
    tokenToUserMapping: { AccountName: 'preferred_username', FullName: 'name' },
    // What this server can do, as the extension reports it at registration (tokenExchange: web login).
    supportedGrantTypes: ['password', 'jwtBearer', 'tokenExchange'],
    // macOS 27 web-based login (OpenID method or OpenIDFallback), dynamic mode; see docs/web-login.md.
    federationType: 'dynamicOpenID',
    federationUserPreauthenticationURL: ctx.urls.webLoginPreauth,
    authorizationURLKeypath: 'authorizationURL',
    /** For static mode (federationType openID) instead. */
    authorizationURL: ctx.urls.webLoginAuthorize,
  };
}

export async function registerDevice(ctx: AppContext, principal: RegistrationPrincipal, body: unknown, via: Device['registeredVia'] = principal.kind, dialectAttestation?: DialectAttestation): Promise<Device> {
  const b = parseBody(deviceRegistrationSchema, body);
  const signing = keyWithKid(b.signingKey, b.signingKeyId, 'signingKey');
  const encryption = keyWithKid(b.encryptionKey, b.encryptionKeyId, 'encryptionKey');
  if (signing.kid === encryption.kid) throw new PssoError('registration_invalid', 'signing and encryption keys must differ');
  // Verified before anything is stored: a refused attestation leaves no device row behind.
  const attestation = dialectAttestation && 'verified' in dialectAttestation ? dialectAttestation.verified : await verifyDeviceAttestation(ctx, {
    orgId: principal.orgId, attestedKeyX963: signing.x963,
    ...(dialectAttestation ?? { chain: undefined, nonce: b.attestationNonce, wireChain: b.attestation }),
  });
  const now = ctx.clock.now();
  return ctx.store.transaction(async (tx) => {
    const previous = await tx.devices.getByUuid(principal.orgId, b.deviceUuid.toUpperCase());
    const device = await tx.devices.upsert({
      id: previous?.id ?? newId('dev'), orgId: principal.orgId, deviceUuid: b.deviceUuid.toUpperCase(),
      signingKey: signing.x963, signingKid: signing.kid, encryptionKey: encryption.x963, encryptionKid: encryption.kid,
      sharedDeviceKeys: b.sharedDeviceKeys, status: 'active', registeredVia: via,
      registeredByUserId: principal.kind === 'bearer' ? principal.user.id : null,
      createdAt: previous?.createdAt ?? now, updatedAt: now, revokedAt: null, attestation,
    });
    if (previous) {
      // New device keys: everything bound to the old keys ends (tokens, user keys, unlock keys, web login codes).
      await tx.refreshTokens.revokeForDevice(device.id, now);
      await tx.userRegistrations.deleteForDevice(device.id);
      await tx.unlockKeys.deleteForDevice(device.id);
      await tx.webLoginCodes.deleteForDevice(device.id);
    }
    return device;
  });
}

/** Called once the user is authenticated, before anything is stored: the access check goes here. */
export type BeforeUserRegistration = (user: User, device: Device) => Promise<void>;

export async function registerUser(ctx: AppContext, principal: RegistrationPrincipal, deviceId: string, body: unknown, facts: { ipAddress: string; slot?: RequestSlot | undefined }, before?: BeforeUserRegistration): Promise<UserRegistration> {
  const b = parseBody(userRegistrationSchema, body);
  const device = await ctx.store.devices.get(deviceId);
  if (!device || device.orgId !== principal.orgId) throw new PssoError('unknown_device', deviceId);
  if (device.status === 'revoked') throw new PssoError('device_revoked', deviceId);
  const user = await ctx.store.users.getByPrincipalName(principal.orgId, b.userPrincipalName);

  // A registration token only proves the Mac is managed; the user must still prove who they are.
  if (principal.kind === 'bearer') {
    if (!user || principal.user.id !== user.id) throw new PssoError('registration_unauthorized', 'bearer token belongs to another user');
  } else {
    // The registration token travels in every MDM profile: the password check behind it is guarded
    // like any sign-in, or one managed Mac could guess every user's password.
    await guardSecret(ctx, { orgId: principal.orgId, account: b.userPrincipalName, ipAddress: facts.ipAddress, surface: 'registration', user, guessable: true, slot: facts.slot }, async (ticket) => {
      const ok = await boundedVerify(ctx, ticket, () => verifyPassword(user?.passwordHash ?? null, b.password ?? ''));
      if (!user || !ok) throw new PssoError('invalid_credentials');
    });
  }
  if (!user) throw new PssoError('invalid_credentials');
  if (!user.enabled) throw new PssoError('user_disabled');
  await before?.(user, device);

  let userKey: Buffer | null = null;
  let userKid: string | null = null;
  let certificate: Buffer | null = null;
  const method: AuthMethod = b.method;
  if (method === 'secure_enclave') {
    if (!b.userKey) throw new PssoError('registration_invalid', 'userKey is required for secure_enclave');
    const k = keyWithKid(b.userKey, b.userKeyId, 'userKey');
    userKey = k.x963;
    userKid = k.kid;
  } else if (method === 'smart_card') {
    if (!b.certificate) throw new PssoError('registration_invalid', 'certificate is required for smart_card');
    const der = /-----BEGIN CERTIFICATE-----/.test(b.certificate)
      ? Buffer.from(b.certificate.replace(/-----[^-]+-----|\s/g, ''), 'base64') : Buffer.from(b.certificate, 'base64');
    try { new X509Certificate(der); } catch { throw new PssoError('registration_invalid', 'certificate is not X.509'); }
    verifySmartCardChain(ctx, [der]);
    certificate = der;
  }
  const now = ctx.clock.now();
  const mfaVerified = principal.kind === 'bearer' && principal.amr.includes('mfa');
  return ctx.store.transaction(async (tx) => {
    const previous = await tx.userRegistrations.get(device.id, user.id);
    if (userKid) {
      const clash = await tx.userRegistrations.getByUserKid(userKid);
      if (clash && clash.id !== previous?.id) throw new PssoError('device_key_conflict', 'user key already registered');
    }
    return tx.userRegistrations.upsert({
      id: previous?.id ?? newId('ureg'), deviceId: device.id, userId: user.id, method, userKey, userKid,
      certificate, certificateThumbprint: certificate ? sha256Hex(certificate) : null, mfaVerified,
      createdAt: previous?.createdAt ?? now, updatedAt: now,
    });
  });
}
