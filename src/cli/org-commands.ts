// `openpsso org show|rename|domain add|domain remove`: the organisation (tenant) and the domains its
// user names use.

import type { Command } from 'commander';
import { withContext, type GlobalOptions } from './context-from-options.js';
import { defaultOrganisation } from '../app/directory.js';
import { addDomain, countUsersInDomain, removeDomain } from '../app/organisation-domains.js';
import { parseAttestationMode, setAttestationMode } from '../app/admin-api/graph-device-registration-policy.js';
import { PssoError } from '../errors/psso-error.js';
import type { AppContext } from '../app/context.js';

const g = (cmd: Command): GlobalOptions => cmd.optsWithGlobals() as GlobalOptions;

async function countUsers(ctx: AppContext, orgId: string): Promise<number> {
  let n = 0;
  let cursor: string | null = null;
  do {
    const page = await ctx.store.users.list(orgId, { cursor, limit: 1000 });
    n += page.items.length;
    cursor = page.next;
  } while (cursor);
  return n;
}

export function addOrgCommands(program: Command): void {
  const org = program.command('org').description('the organisation (tenant): name, domains, admins');
  org.command('show').description('id (the tenant id), name, domains, issuer, counts and admins')
    .action(async (_o: unknown, cmd: Command) => withContext(g(cmd), async (ctx) => {
      const o = await defaultOrganisation(ctx);
      const domains = await ctx.store.organisationDomains.list(o.id);
      const roles = await ctx.store.directoryRoles.listForOrg(o.id);
      const lines = [
        `id (tenant id)  ${o.id}`,
        `name            ${o.name}`,
        `domains         ${domains.length === 0 ? '(none: any user name is accepted)' : ''}`,
      ];
      for (const d of domains) lines.push(`  ${d.name.padEnd(40)} ${d.isDefault ? 'default ' : '        '} ${await countUsersInDomain(ctx.store, o.id, d.name)} users`);
      lines.push(
        `issuer          ${ctx.config.issuer}`,
        `users           ${await countUsers(ctx, o.id)}`,
        `devices         ${await ctx.store.devices.count(o.id)}`,
        `admins          ${roles.length === 0 ? '(none)' : ''}`,
      );
      for (const r of roles) lines.push(`  ${((await ctx.store.users.get(r.userId))?.userPrincipalName ?? r.userId).padEnd(40)} ${r.role}`);
      console.log(lines.join('\n'));
    }));
  org.command('rename <name>').description("change the organisation's display name")
    .action(async (name: string, _o: unknown, cmd: Command) => withContext(g(cmd), async (ctx) => {
      const o = await defaultOrganisation(ctx);
      const trimmed = name.trim();
      if (trimmed === '' || trimmed.length > 256) throw new PssoError('setup_value_invalid', 'the organisation name must have 1 to 256 characters');
      await ctx.store.organisations.rename(o.id, trimmed);
      console.log(`renamed "${o.name}" to "${trimmed}"`);
    }));
  // Apple device attestation at registration (docs/attestation.md); the admin API's deviceRegistrationPolicy.
  const attestation = org.command('attestation').description('Apple device attestation at registration: off, preferred or required');
  attestation.command('show').action(async (_o: unknown, cmd: Command) => withContext(g(cmd), async (ctx) => {
    const o = await defaultOrganisation(ctx);
    console.log(`attestation mode  ${(await ctx.store.orgSettings.get(o.id)).attestationMode}`);
  }));
  attestation.command('set <mode>').description('off | preferred (verify when a Mac sends one) | required')
    .action(async (mode: string, _o: unknown, cmd: Command) => withContext(g(cmd), async (ctx) => {
      const o = await defaultOrganisation(ctx);
      const to = parseAttestationMode(mode);
      const from = await setAttestationMode(ctx, o.id, to);
      console.log(`attestation mode ${from} -> ${to}${to === 'required' ? ' (profiles must set AllowDeviceIdentifiersInAttestation: serial and UDID are required)' : ''}`);
    }));

  const domain = org.command('domain').description('the domains user names use');
  domain.command('add <domain>').action(async (name: string, _o: unknown, cmd: Command) => withContext(g(cmd), async (ctx) => {
    const d = await addDomain(ctx, (await defaultOrganisation(ctx)).id, name);
    console.log(`added domain ${d.name}${d.isDefault ? ' (default)' : ''}`);
  }));
  domain.command('remove <domain>').description('refused while user names still use it')
    .action(async (name: string, _o: unknown, cmd: Command) => withContext(g(cmd), async (ctx) => {
      await removeDomain(ctx, (await defaultOrganisation(ctx)).id, name);
      console.log(`removed domain ${name}`);
    }));
}
