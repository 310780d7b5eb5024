// `openpsso init`'s database part: the organisation with its domains, the first admin (Global
// Administrator, per-user MFA enforced so the first sign-in enrols a second factor) and a
// registration token, in one transaction so a failure leaves nothing half-made.

import type { AppContext } from './context.js';
import type { Organisation, OrganisationDomain, User } from '../storage/ports.js';
import { PssoError } from '../errors/psso-error.js';
import { createOrganisation, createUser } from './directory.js';
import { assertNameInDomains, normaliseDomain } from './organisation-domains.js';
import { createRegistrationToken } from './registration-auth.js';

export interface OrganisationSetup {
  name: string;
  domains: string[];
  admin: { userPrincipalName: string; displayName?: string; password?: string };
  /** Update the existing organisation (name, domains) instead of refusing; nothing is deleted. */
  force?: boolean;
  registrationTokenDays?: number;
}

export interface InitialisedOrganisation {
  org: Organisation;
  created: boolean;
  domains: OrganisationDomain[];
  admin: User;
  adminCreated: boolean;
  registrationToken: { id: string; token: string; expiresAt: number | null };
}

export const ADMIN_ROLE = 'Global Administrator' as const;
export const MIN_PASSWORD_LENGTH = 8;

/** The organisation's name and domains as stored; throws on anything that cannot be. */
export function normaliseSetup(setup: OrganisationSetup): { name: string; domains: string[] } {
  const name = setup.name.trim();
  if (name === '' || name.length > 256) throw new PssoError('setup_value_invalid', 'the organisation name must have 1 to 256 characters');
  const domains = [...new Set(setup.domains.map(normaliseDomain))];
  if (domains.length === 0) throw new PssoError('init_value_required', 'at least one domain for user names');
  return { name, domains };
}

export async function initialiseOrganisation(ctx: AppContext, setup: OrganisationSetup): Promise<InitialisedOrganisation> {
  const { name, domains } = normaliseSetup(setup);
  const now = ctx.clock.now();
  return ctx.store.transaction(async (tx) => {
    const txCtx = { ...ctx, store: tx };
    const existing = (await tx.organisations.list())[0];
    if (existing && !setup.force) throw new PssoError('organisation_exists', `"${existing.name}" (${existing.id})`);
    let org: Organisation;
    if (existing) {
      await tx.organisations.rename(existing.id, name);
      org = { ...existing, name };
    } else {
      org = await createOrganisation(txCtx, name);
    }
    const have = new Set((await tx.organisationDomains.list(org.id)).map((d) => d.name));
    for (const d of domains) if (!have.has(d)) await tx.organisationDomains.add({ orgId: org.id, name: d, isDefault: false, createdAt: now });
    await tx.organisationDomains.setDefault(org.id, domains[0]!);

    const upn = setup.admin.userPrincipalName.trim();
    await assertNameInDomains(tx, org.id, upn);
    let admin = await tx.users.getByPrincipalName(org.id, upn);
    const adminCreated = admin === null;
    if (!admin) {
      const password = setup.admin.password ?? '';
      if (password.length < MIN_PASSWORD_LENGTH) throw new PssoError('setup_value_invalid', `the admin password needs at least ${MIN_PASSWORD_LENGTH} characters`);
      admin = await createUser(txCtx, org.id, { userPrincipalName: upn, ...(setup.admin.displayName ? { displayName: setup.admin.displayName } : {}), password });
      // 'enforced' with no method yet: the interactive sign-in asks the admin to enrol one first.
      await tx.users.update(admin.id, { perUserMfaState: 'enforced', updatedAt: now });
      admin = { ...admin, perUserMfaState: 'enforced' };
    }
    await tx.directoryRoles.assign({ orgId: org.id, userId: admin.id, role: ADMIN_ROLE, createdAt: now });
    const registrationToken = await createRegistrationToken(txCtx, org.id, 'created by openpsso init', setup.registrationTokenDays ?? 365);
    return { org, created: !existing, domains: await tx.organisationDomains.list(org.id), admin, adminCreated, registrationToken };
  });
}
