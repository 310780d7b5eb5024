// The `attestation` array of UiO's enrolment bodies (extensions.md §4.6, §4.8): std-base64 DER
// certificates, leaf first, read into the chain the attestation verifier takes. The verifier itself
// is injected here, so the dialect's routes have one seam for Apple Managed Device Attestation.

import type { AppContext } from '../../../app/context.js';
import type { VerifyAttestation } from '../../../app/uio/enroll.js';
import { PssoError } from '../../../errors/psso-error.js';

/** The chain, or undefined when the extension attested nothing (an empty array or no field). */
export function attestationChain(body: unknown): Buffer[] | undefined {
  const a = typeof body === 'object' && body !== null ? (body as Record<string, unknown>).attestation : undefined;
  if (a === undefined || a === null) return undefined;
  if (!Array.isArray(a) || a.length > 10) throw new PssoError('registration_invalid', 'attestation: must be an array of at most 10 certificates');
  if (a.length === 0) return undefined;
  return a.map((c, i) => {
    // Foundation may wrap base64 in lines; anything but the standard alphabet is refused.
    const text = typeof c === 'string' ? c.replace(/\s+/g, '') : '';
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(text) || text.length > 20_000) throw new PssoError('registration_invalid', `attestation[${i}]: not standard base64`);
    return Buffer.from(text, 'base64');
  });
}

/**
 * The verifier used until Apple Managed Device Attestation is wired in (src/app/device-attestation.ts
 * is built separately): it attests nothing and refuses nothing, so every device is "not attested".
 */
export const noAttestation: VerifyAttestation = async (_ctx: AppContext) => null;
