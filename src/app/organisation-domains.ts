// The domains an organisation's user names use (Entra: verifiedDomains): syntax, the rule that a new
// user's name must be in one of them, and adding or removing one without stranding users.

import { domainToASCII, domainToUnicode } from 'node:url';
import type { AppContext } from './context.js';
import type { OrganisationDomain, Store } from '../storage/ports.js';
import { PssoError } from '../errors/psso-error.js';

const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

/**
 * The domain as stored: lower-case ASCII, international names as IDNA A-labels (xn--...), no
 * trailing dot. At least two labels, and a top-level label that is not all digits (not an address).
 */
export function normaliseDomain(input: string): string {
  const trimmed = input.trim().replace(/\.$/, '');
  const ascii = trimmed === '' || /[\s@/:]/.test(trimmed) ? '' : domainToASCII(trimmed).toLowerCase();
  const labels = ascii.split('.');
  if (ascii === '' || ascii.length > 253 || labels.length < 2 || !labels.every((l) => LABEL.test(l)) || /^[0-9]+$/.test(labels[labels.length - 1]!)) {
    throw new PssoError('invalid_domain', JSON.stringify(input));
  }
  return ascii;
}

/** The domain part of a user principal name, normalised, or null if the name has none or it is not a domain. */
export function domainOfPrincipalName(upn: string): string | null {
  const at = upn.lastIndexOf('@');
  if (at < 0) return null;
  try { return normaliseDomain(upn.slice(at + 1)); } catch { return null; }
}

/**
 * A new user's name must end in one of the organisation's domains. An organisation with no domains
 * (databases from before domains existed, and test set-ups) accepts any name, as before.
 */
export async function assertNameInDomains(store: Store, orgId: string, upn: string): Promise<void> {
  const domains = await store.organisationDomains.list(orgId);
  if (domains.length === 0) return;
  const domain = domainOfPrincipalName(upn);
  if (domain !== null && domains.some((d) => d.name === domain)) return;
  throw new PssoError('domain_not_verified', `${upn}: use a name ending in ${domains.map((d) => `@${d.name}`).join(', ')}`);
}

/** Adds a domain; the organisation's first domain becomes its default. */
export async function addDomain(ctx: AppContext, orgId: string, input: string): Promise<OrganisationDomain> {
  const name = normaliseDomain(input);
  return ctx.store.transaction(async (tx) => {
    const isDefault = (await tx.organisationDomains.list(orgId)).length === 0;
    const d = { orgId, name, isDefault, createdAt: ctx.clock.now() };
    await tx.organisationDomains.add(d);
    return d;
  });
}

/** Users whose names end in the domain, in either its ASCII or its Unicode spelling. */
export function countUsersInDomain(store: Store, orgId: string, name: string): Promise<number> {
  const unicode = domainToUnicode(name);
  return store.organisationDomains.countUsersIn(orgId, unicode && unicode !== name ? [name, unicode] : [name]);
}

/** Refused while any user's name uses the domain; a removed default passes to the next domain. */
export async function removeDomain(ctx: AppContext, orgId: string, input: string): Promise<void> {
  const name = normaliseDomain(input);
  await ctx.store.transaction(async (tx) => {
    const domains = await tx.organisationDomains.list(orgId);
    const domain = domains.find((d) => d.name === name);
    if (!domain) throw new PssoError('resource_not_found', `domain ${name} (the organisation has ${domains.map((d) => d.name).join(', ') || 'no domains'})`);
    const users = await countUsersInDomain(tx, orgId, name);
    if (users > 0) throw new PssoError('domain_in_use', `${users} user${users === 1 ? '' : 's'} still use @${name}`);
    await tx.organisationDomains.remove(orgId, name);
    const next = domains.find((d) => d.name !== name);
    if (domain.isDefault && next) await tx.organisationDomains.setDefault(orgId, next.name);
  });
}
