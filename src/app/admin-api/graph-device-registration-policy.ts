// The organisation's device registration policy as the admin API shows it (Graph's
// policies/deviceRegistrationPolicy, entra-mdm.md §3): here only what OpenPSSO enforces, the Apple
// device attestation mode (docs/attestation.md), as an OpenPSSO property.

import type { AppContext } from '../context.js';
import { PssoError } from '../../errors/psso-error.js';
import { ATTESTATION_MODES, type AttestationMode } from '../../storage/ports-access.js';

export const DEVICE_REGISTRATION_POLICY_ID = 'deviceRegistrationPolicy';

export async function getDeviceRegistrationPolicy(ctx: AppContext, orgId: string): Promise<Record<string, unknown>> {
  const s = await ctx.store.orgSettings.get(orgId);
  return {
    id: DEVICE_REGISTRATION_POLICY_ID, displayName: 'Device Registration Policy',
    description: 'How Macs register for Platform SSO. appleDeviceAttestationMode: off, preferred (verify when sent) or required.',
    appleDeviceAttestationMode: s.attestationMode,
  };
}

export function parseAttestationMode(v: unknown): AttestationMode {
  if (typeof v !== 'string' || !(ATTESTATION_MODES as readonly string[]).includes(v)) {
    throw new PssoError('malformed_request', `appleDeviceAttestationMode must be one of ${ATTESTATION_MODES.join(', ')}`);
  }
  return v as AttestationMode;
}

/** Sets the attestation mode; returns the previous one (for the audit row). */
export async function setAttestationMode(ctx: AppContext, orgId: string, mode: AttestationMode): Promise<AttestationMode> {
  const s = await ctx.store.orgSettings.get(orgId);
  await ctx.store.orgSettings.put({ ...s, attestationMode: mode });
  return s.attestationMode;
}

export async function patchDeviceRegistrationPolicy(ctx: AppContext, orgId: string, body: unknown): Promise<{ from: AttestationMode; to: AttestationMode }> {
  const b = typeof body === 'object' && body !== null && !Array.isArray(body) ? body as Record<string, unknown> : null;
  const extra = b ? Object.keys(b).filter((k) => k !== 'appleDeviceAttestationMode' && !k.startsWith('@odata.')) : [];
  if (!b || extra.length > 0 || !('appleDeviceAttestationMode' in b)) {
    throw new PssoError('malformed_request', extra.length > 0 ? `unknown field(s) ${extra.join(', ')}` : 'expected {"appleDeviceAttestationMode": "off"|"preferred"|"required"}');
  }
  const to = parseAttestationMode(b.appleDeviceAttestationMode);
  return { from: await setAttestationMode(ctx, orgId, to), to };
}
