// The demo organisation created on first start with --demo: a few users and groups to try the virtual
// Mac with, and one registration token kept in the data directory so every restart shows the same one.

import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AppContext } from './context.js';
import { addMember } from './membership.js';
import { createGroup, createOrganisation, createUser } from './directory.js';
import { createRegistrationToken } from './registration-auth.js';
import { sha256Hex } from './ids.js';
import { PssoError } from '../errors/psso-error.js';

export const DEMO_PASSWORD = 'Demo-Passw0rd!';
export const DEMO_ORG_NAME = 'OpenPSSO Demo';
export const DEMO_DOMAIN = 'demo.openpsso.test';
/** In the data directory, mode 0600 like master.key: the demo token in clear, so restarts can show it. */
export const DEMO_TOKEN_FILE = 'demo-registration-token';

export const DEMO_USERS = [
  { userPrincipalName: 'alice@demo.openpsso.test', displayName: 'Alice Appleseed', groups: ['mac-admins', 'engineering'] },
  { userPrincipalName: 'bob@demo.openpsso.test', displayName: 'Bob Baker', groups: ['engineering'] },
  { userPrincipalName: 'carol@demo.openpsso.test', displayName: 'Carol Chen', groups: ['sales'] },
] as const;

export interface DemoSeed {
  /** The demo organisation was created by this call. */
  created: boolean;
  orgId: string;
  registrationToken: string;
  /** The token was created by this call (first start, or the saved one was revoked or expired). */
  tokenCreated: boolean;
}

/** The demo organisation is the one seedDemo made: its domain, or (databases from before domains) its name. */
async function isDemoOrganisation(ctx: AppContext, org: { id: string; name: string }): Promise<boolean> {
  const domains = await ctx.store.organisationDomains.list(org.id);
  return domains.length === 0 ? org.name === DEMO_ORG_NAME : domains.some((d) => d.name === DEMO_DOMAIN);
}

/**
 * The demo registration token, created once: the saved one while it is still live, otherwise (first
 * start, a data directory from before this file, or the token was revoked or expired) a new one.
 */
async function demoRegistrationToken(ctx: AppContext, orgId: string): Promise<{ token: string; created: boolean }> {
  const file = join(ctx.config.dataDir, DEMO_TOKEN_FILE);
  const saved = existsSync(file) ? readFileSync(file, 'utf8').trim() : '';
  if (saved !== '') {
    const t = await ctx.store.registrationTokens.getByHash(sha256Hex(saved));
    const now = ctx.clock.now();
    if (t && t.orgId === orgId && t.revokedAt === null && (t.expiresAt === null || t.expiresAt > now)) return { token: saved, created: false };
  }
  const rt = await createRegistrationToken(ctx, orgId, 'demo registration token', 365);
  mkdirSync(ctx.config.dataDir, { recursive: true });
  writeFileSync(file, `${rt.token}\n`, { mode: 0o600 });
  return { token: rt.token, created: true };
}

/**
 * Idempotent: creates the demo organisation only in an empty database. A database holding a real
 * organisation (from `openpsso init`) is refused: --demo must not add demo users to it or print one
 * of its registration tokens.
 */
export async function seedDemo(ctx: AppContext): Promise<DemoSeed> {
  const existing = (await ctx.store.organisations.list())[0];
  if (existing && !(await isDemoOrganisation(ctx, existing))) {
    throw new PssoError('organisation_exists', `it is "${existing.name}", not the demo organisation: start it without --demo`);
  }
  let orgId = existing?.id;
  if (!orgId) {
    const org = await createOrganisation(ctx, DEMO_ORG_NAME);
    orgId = org.id;
    await ctx.store.organisationDomains.add({ orgId, name: DEMO_DOMAIN, isDefault: true, createdAt: ctx.clock.now() });
    const groups = new Map<string, string>();
    for (const name of ['mac-admins', 'engineering', 'sales']) groups.set(name, (await createGroup(ctx, orgId, name)).id);
    for (const u of DEMO_USERS) {
      const user = await createUser(ctx, orgId, { userPrincipalName: u.userPrincipalName, displayName: u.displayName, password: DEMO_PASSWORD });
      for (const g of u.groups) await addMember(ctx, groups.get(g)!, user.id);
    }
  }
  const rt = await demoRegistrationToken(ctx, orgId);
  return { created: !existing, orgId, registrationToken: rt.token, tokenCreated: rt.created };
}
