// The demo organisation created on first start: a few users and groups to try the virtual Mac with.

import type { AppContext } from './context.js';
import { addMember } from './membership.js';
import { createGroup, createOrganisation, createUser } from './directory.js';
import { createRegistrationToken } from './registration-auth.js';

export const DEMO_PASSWORD = 'Demo-Passw0rd!';

export const DEMO_USERS = [
  { userPrincipalName: 'alice@demo.openpsso.test', displayName: 'Alice Appleseed', groups: ['mac-admins', 'engineering'] },
  { userPrincipalName: 'bob@demo.openpsso.test', displayName: 'Bob Baker', groups: ['engineering'] },
  { userPrincipalName: 'carol@demo.openpsso.test', displayName: 'Carol Chen', groups: ['sales'] },
] as const;

export interface DemoSeed {
  created: boolean;
  orgId: string;
  registrationToken?: string;
}

/** Idempotent: does nothing when an organisation already exists. */
export async function seedDemo(ctx: AppContext): Promise<DemoSeed> {
  const existing = await ctx.store.organisations.list();
  if (existing[0]) return { created: false, orgId: existing[0].id };
  const org = await createOrganisation(ctx, 'OpenPSSO Demo');
  const groups = new Map<string, string>();
  for (const name of ['mac-admins', 'engineering', 'sales']) groups.set(name, (await createGroup(ctx, org.id, name)).id);
  for (const u of DEMO_USERS) {
    const user = await createUser(ctx, org.id, { userPrincipalName: u.userPrincipalName, displayName: u.displayName, password: DEMO_PASSWORD });
    for (const g of u.groups) await addMember(ctx, groups.get(g)!, user.id);
  }
  const rt = await createRegistrationToken(ctx, org.id, 'demo registration token', 365);
  return { created: true, orgId: org.id, registrationToken: rt.token };
}
