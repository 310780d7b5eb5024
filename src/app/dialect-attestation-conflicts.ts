// Finds organisations whose attestation mode shuts out an enabled extension that cannot attest:
// twocanoes and Fleet send no attestation (extensions.md §2.6, §3.6), so under `required` every
// registration of theirs is refused (OPSSO1871). Printed at start-up, where an admin looks first.

import type { AppContext } from './context.js';

const NO_ATTESTATION = ['twocanoes', 'fleet'] as const;

export async function dialectAttestationConflicts(ctx: AppContext): Promise<string[]> {
  const out: string[] = [];
  const orgs = await ctx.store.organisations.list();
  for (const name of NO_ATTESTATION) {
    const c = ctx.config.extensions[name];
    if (!c.enabled) continue;
    // twocanoes lands in its orgId or the first organisation; Fleet in the registration token's, or its orgId.
    const candidates = c.orgId ? orgs.filter((o) => o.id === c.orgId) : name === 'twocanoes' ? orgs.slice(0, 1) : orgs;
    for (const org of candidates) {
      if ((await ctx.store.orgSettings.get(org.id)).attestationMode !== 'required') continue;
      out.push(`extensions.${name} is enabled, but organisation ${org.name} (${org.id}) requires Apple device attestation, which the ${name} extension never sends: its Macs cannot register there (OPSSO1871). Set the mode to preferred (openpsso org attestation set preferred) or use the UiO extension (docs/attestation.md).`);
    }
  }
  return out;
}
