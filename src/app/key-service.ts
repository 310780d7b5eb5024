// PSSO 2.0 key service (psso-protocol.md §7): one P-256 unlock key per user and device, private
// half sealed at rest; key_request returns its certificate, key_exchange the raw ECDH secret.

import { createECDH, createPrivateKey, webcrypto, type ECDH, type KeyObject } from 'node:crypto';
import { x509 } from './x509.js';
import type { AppContext } from './context.js';
import type { Device, UnlockKeyRecord, User } from '../storage/ports.js';
import { PssoError } from '../errors/psso-error.js';
import { newId } from './ids.js';
import { toSeconds } from './clock.js';
import { generateP256, x963FromPublicKey } from '../protocol/ec-keys.js';
import { b64Encode, b64uEncode } from '../protocol/base64.js';


/** Binds a sealed unlock key to its user, device and purpose (also used by master key rotation). */
export const unlockKeyAad = (userId: string, deviceId: string, purpose = 'user_unlock'): string => `unlock-key:${userId}:${deviceId}:${purpose}`;

/** Self-signed end-entity certificate over the unlock key (KeyUsage keyAgreement, one year). */
async function certificateFor(user: User, privateKey: KeyObject, publicKey: KeyObject, now: number): Promise<Buffer> {
  const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
  const keys = {
    privateKey: await webcrypto.subtle.importKey('pkcs8', privateKey.export({ format: 'der', type: 'pkcs8' }), { name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign']),
    publicKey: await webcrypto.subtle.importKey('spki', publicKey.export({ format: 'der', type: 'spki' }), { name: 'ECDSA', namedCurve: 'P-256' }, true, ['verify']),
  };
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: Buffer.from(newId('sn').slice(3), 'base64url').toString('hex').replace(/^[89a-f]/, '7'),
    name: `CN=OpenPSSO Platform Key Access - ${user.userPrincipalName.replace(/[,=+<>#;"\\]/g, '_')}`,
    notBefore: new Date(now - 60_000),
    notAfter: new Date(now + 365 * 86400_000),
    signingAlgorithm: alg,
    keys,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyAgreement | x509.KeyUsageFlags.digitalSignature, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return Buffer.from(cert.rawData);
}

/** Returns the user's unlock key on this device, minting it on first request; repeats return the same key. */
export async function provisionUnlockKey(ctx: AppContext, device: Device, user: User): Promise<UnlockKeyRecord> {
  const existing = await ctx.store.unlockKeys.get(user.id, device.id, 'user_unlock');
  if (existing) return existing;
  const now = ctx.clock.now();
  const { privateKey, publicKey } = generateP256();
  const record: UnlockKeyRecord = {
    id: newId('uk'), userId: user.id, deviceId: device.id, purpose: 'user_unlock',
    publicKey: x963FromPublicKey(publicKey),
    sealedPrivateKey: ctx.master.seal(privateKey.export({ format: 'der', type: 'pkcs8' }), unlockKeyAad(user.id, device.id)),
    certificate: await certificateFor(user, privateKey, publicKey, now),
    createdAt: now,
  };
  // A concurrent request may have won the race: getOrCreate returns whichever key was stored.
  return ctx.store.unlockKeys.getOrCreate(record);
}

/**
 * An ECDH object holding the unsealed unlock key, kept per key: each exchange is then one
 * computeSecret on the Mac's raw point, with no key import (latency-critical, A-KEY).
 */
const agreements = new WeakMap<AppContext, Map<string, ECDH>>();

function unlockAgreement(ctx: AppContext, k: UnlockKeyRecord): ECDH {
  let perCtx = agreements.get(ctx);
  if (!perCtx) agreements.set(ctx, (perCtx = new Map()));
  let ecdh = perCtx.get(k.id);
  if (!ecdh) {
    const key = createPrivateKey({ key: ctx.master.unseal(k.sealedPrivateKey, unlockKeyAad(k.userId, k.deviceId, k.purpose)), format: 'der', type: 'pkcs8' });
    ecdh = createECDH('prime256v1');
    ecdh.setPrivateKey(Buffer.from(key.export({ format: 'jwk' }).d!, 'base64url'));
    if (perCtx.size >= 50_000) perCtx.delete(perCtx.keys().next().value as string);
    perCtx.set(k.id, ecdh);
  }
  return ecdh;
}

export function keyRequestPayload(ctx: AppContext, k: UnlockKeyRecord): Record<string, unknown> {
  const now = toSeconds(ctx.clock.now());
  // Apple documents base64url for the certificate; both encodings are reported to work.
  return { certificate: b64uEncode(k.certificate), key_context: k.id, iat: now, exp: now + 300 };
}

export async function keyExchangePayload(ctx: AppContext, device: Device, user: User, otherPublicKey: Uint8Array, keyContext: string | undefined): Promise<Record<string, unknown>> {
  const k = await ctx.store.unlockKeys.get(user.id, device.id, 'user_unlock');
  if (!k) throw new PssoError('key_not_provisioned');
  // Raw ECDH X coordinate, no KDF: the Mac derives its own keys from it (A-KEY). The point was
  // validated when the request was verified.
  const secret = unlockAgreement(ctx, k).computeSecret(otherPublicKey);
  const now = toSeconds(ctx.clock.now());
  return { key: b64Encode(secret), key_context: keyContext ?? k.id, iat: now, exp: now + 300 };
}

