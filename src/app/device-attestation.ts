// Apple Managed Device Attestation at registration (extensions.md §4.6, docs/attestation.md): applies
// the organisation's attestation mode, runs the pure checks of protocol/device-attestation and consumes
// the server nonce the attestation was made for, so an attestation can be used once.

import type { AppContext } from './context.js';
import type { DeviceAttestation } from '../storage/ports.js';
import { PssoError } from '../errors/psso-error.js';
import { decodeAttestationArray, verifyAttestation } from '../protocol/device-attestation.js';
import { spendNonce } from './nonces.js';

/** What a verified attestation proved; stored on the device as `Device.attestation`. */
export type AttestationFacts = DeviceAttestation;

export interface AttestationRequest {
  orgId: string;
  /** DER certificates, leaf first (decodeAttestationArray turns the wire's base64 array into this); undefined = none sent. */
  chain: Buffer[] | undefined;
  /**
   * The chain as it came in JSON (an array of standard-base64 strings), used when `chain` is undefined;
   * decoded only when the mode looks at it, so in mode off a client's attestation is not even parsed.
   */
  wireChain?: unknown;
  /** The server nonce exactly as the client sent it; its SHA-256 must be the leaf's freshness code. */
  nonce: string | undefined;
  /** The key that was attested: the device signing key being registered (65-byte X9.63). */
  attestedKeyX963: Buffer;
  /**
   * Serial number and UDID must both be in the leaf. Always true in mode `required` (the profile then
   * sets AllowDeviceIdentifiersInAttestation); a dialect that keys devices by UDID passes true as well.
   */
  requireIdentifiers?: boolean;
  /**
   * The caller already consumed `nonce` atomically (e.g. a dialect that binds its nonce to a
   * client-request-id). Otherwise the nonce is consumed here, after the pure checks passed.
   */
  nonceConsumed?: boolean;
  /** The client-request-id of the registration request, for a nonce bound to one. */
  clientRequestId?: string | undefined;
}

/**
 * off: returns null without looking at the chain. preferred: verifies a chain when one is sent (a bad
 * one is refused, never ignored), null when none is. required: no chain is refused. Throws 187x/110x.
 */
export async function verifyDeviceAttestation(ctx: AppContext, req: AttestationRequest): Promise<AttestationFacts | null> {
  const mode = (await ctx.store.orgSettings.get(req.orgId)).attestationMode;
  if (mode === 'off') return null;
  const chain = req.chain ?? (req.wireChain === undefined ? undefined : decodeAttestationArray(req.wireChain));
  if (chain === undefined) {
    if (mode === 'required') throw new PssoError('attestation_required');
    return null;
  }
  if (req.nonce === undefined || req.nonce === '') throw new PssoError('attestation_nonce_missing');
  const now = ctx.clock.now();
  const verified = verifyAttestation({
    chain, nonce: req.nonce, attestedKeyX963: req.attestedKeyX963, trustedRoots: ctx.attestationRoots, now,
  });
  if ((req.requireIdentifiers || mode === 'required') && (!verified.serialNumber || !verified.udid)) {
    throw new PssoError('attestation_identifiers_missing', !verified.udid ? 'no UDID' : 'no serial number');
  }
  // Consumed only once every pure check passed, so a forged attestation cannot burn a live nonce.
  if (!req.nonceConsumed) await spendNonce(ctx, req.nonce, now, req.clientRequestId, 'attestation nonce');
  return {
    serialNumber: verified.serialNumber, udid: verified.udid, sepOsVersion: verified.sepOsVersion,
    rootFingerprint: verified.rootFingerprint, attestedAt: now,
  };
}
