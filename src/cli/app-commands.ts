// `openpsso app`: register and manage the OIDC clients of the OpenID Provider (docs/apps.md); the
// client secret is printed once, at creation or rotation.

import type { Command } from 'commander';
import { UIO_REDIRECT_URI, uioApplication } from '../app/uio/oidc-client.js';
import { readFileSync } from 'node:fs';
import { withContext, type GlobalOptions } from './context-from-options.js';
import { defaultOrganisation } from '../app/directory.js';
import {
  createApplication, deleteApplication, findApplication, rotateSecret, updateApplication, type ApplicationResult,
} from '../app/applications.js';
import type { ApplicationFields } from '../app/application-rules.js';
import { toGraphApplication } from '../app/admin-api/graph-applications.js';
import { PssoError } from '../errors/psso-error.js';
import type { ApplicationRecord } from '../storage/ports-apps.js';

const g = (cmd: Command): GlobalOptions => cmd.optsWithGlobals() as GlobalOptions;
const collect = (v: string, prev: string[] = []) => [...prev, v];
const list = (v: string) => v.split(',').map((x) => x.trim()).filter((x) => x !== '');
const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

interface FieldFlags {
  name?: string; public?: boolean; confidential?: boolean; redirectUri?: string[]; postLogoutRedirectUri?: string[];
  authMethod?: string; jwks?: string; grantTypes?: string; claims?: string; enable?: boolean; disable?: boolean; json?: boolean;
}

/** A JWKS file (or "none"), read here so a bad file is one clear error before anything is stored. */
function readJwks(file: string): ApplicationFields['jwks'] {
  if (file === 'none') return null;
  let text: string;
  try { text = readFileSync(file, 'utf8'); } catch (e) { throw new PssoError('invalid_application', `--jwks ${file}: cannot read (${(e as NodeJS.ErrnoException).code ?? 'error'})`); }
  try { return JSON.parse(text) as ApplicationFields['jwks']; } catch { throw new PssoError('invalid_application', `--jwks ${file}: not JSON`); }
}

function fieldsFrom(o: FieldFlags): Partial<ApplicationFields> {
  if (o.public && o.confidential) throw new PssoError('invalid_application', '--public and --confidential: choose one');
  if (o.enable && o.disable) throw new PssoError('invalid_application', '--enable and --disable: choose one');
  const f: Partial<ApplicationFields> = {};
  if (o.name !== undefined) f.displayName = o.name;
  if (o.public) f.clientType = 'public';
  if (o.confidential) f.clientType = 'confidential';
  if (o.redirectUri) f.redirectUris = o.redirectUri;
  if (o.postLogoutRedirectUri) f.postLogoutRedirectUris = o.postLogoutRedirectUri;
  if (o.authMethod !== undefined) f.tokenEndpointAuthMethod = o.authMethod as ApplicationFields['tokenEndpointAuthMethod'];
  if (o.jwks !== undefined) f.jwks = readJwks(o.jwks);
  if (o.grantTypes !== undefined) f.grantTypes = list(o.grantTypes) as ApplicationFields['grantTypes'];
  if (o.claims !== undefined) f.releasedClaims = (o.claims === 'none' ? [] : list(o.claims)) as ApplicationFields['releasedClaims'];
  if (o.enable) f.enabled = true;
  if (o.disable) f.enabled = false;
  return f;
}

function describe(a: ApplicationRecord): string[] {
  return [
    `${a.displayName} (${a.id})${a.enabled ? '' : '  DISABLED'}`,
    `  client id:       ${a.appId}`,
    `  client type:     ${a.clientType}, token endpoint auth ${a.tokenEndpointAuthMethod}${a.clientType === 'public' ? ' (PKCE required)' : ''}`,
    `  redirect URIs:   ${a.redirectUris.join(' ')}`,
    ...(a.postLogoutRedirectUris.length ? [`  after logout:    ${a.postLogoutRedirectUris.join(' ')}`] : []),
    `  grant types:     ${a.grantTypes.join(', ')}`,
    `  claims released: ${a.releasedClaims.length ? a.releasedClaims.join(', ') : 'none besides sub'}`,
    ...(a.jwks ? [`  keys (JWKS):     ${a.jwks.keys.length}`] : []),
    ...(a.secretKeyId ? [`  client secret:   ${a.secretHint}... (keyId ${a.secretKeyId}, created ${iso(a.secretCreatedAt!)})`] : []),
  ];
}

/** Prints the app, and the secret when one was just made: the only time anyone sees it. */
function print(verb: string, r: ApplicationResult, json: boolean | undefined): void {
  if (json) {
    console.log(JSON.stringify({ ...toGraphApplication(r.app, r.clientSecret ?? null), ...(r.clientSecret ? { clientSecret: r.clientSecret } : {}) }, null, 2));
    return;
  }
  const [first, ...rest] = describe(r.app);
  console.log(`${verb} ${first}`);
  for (const l of rest) console.log(l);
  if (r.clientSecret) {
    console.log(`  client secret:   ${r.clientSecret}`);
    console.log('  (shown once: store it in the app now; `openpsso app secret rotate` makes a new one)');
  }
}

function fieldOptions(c: Command): Command {
  return c.option('--public', 'a native or single-page app: no secret, PKCE (token endpoint auth none)')
    .option('--redirect-uri <uri>', 'exact redirect URI (repeatable; on update, replaces the list)', collect)
    .option('--post-logout-redirect-uri <uri>', 'where RP-initiated logout may return (repeatable)', collect)
    .option('--auth-method <method>', 'client_secret_basic (default), client_secret_post, private_key_jwt or none')
    .option('--jwks <file>', 'public keys for private_key_jwt (JWKS JSON file; "none" removes them)')
    .option('--grant-types <list>', 'authorization_code[,refresh_token] (default both)')
    .option('--claims <list>', 'claims released besides sub: email,profile,groups (default email,profile; "none")')
    .option('--json', 'print the app as Graph JSON');
}

export function addAppCommands(program: Command): void {
  const app = program.command('app').description('apps (OIDC clients) that sign users in with OpenPSSO');

  fieldOptions(app.command('create <name>').description('register an app; prints its client id, and its secret once'))
    .option('--disabled', 'register it disabled')
    .action(async (name: string, o: FieldFlags & { disabled?: boolean }, cmd: Command) => withContext(g(cmd), async (ctx) => {
      const org = await defaultOrganisation(ctx);
      const r = await createApplication(ctx, org.id, { ...fieldsFrom(o), displayName: name, ...(o.disabled ? { enabled: false } : {}) });
      print('registered', r, o.json);
    }));

  app.command('list').option('--json', 'print Graph JSON').action(async (o: { json?: boolean }, cmd: Command) => withContext(g(cmd), async (ctx) => {
    const apps = await ctx.store.applications.list((await defaultOrganisation(ctx)).id);
    if (o.json) { console.log(JSON.stringify(apps.map((a) => toGraphApplication(a)), null, 2)); return; }
    // The UiO dialect's client exists while the dialect is enabled; shown so admins see every client that can sign in.
    const builtIn = await uioApplication(ctx);
    if (apps.length === 0 && !builtIn) console.log('no apps (register one with `openpsso app create`)');
    for (const a of apps) console.log(`${a.appId}  ${a.clientType.padEnd(12)} ${(a.enabled ? 'enabled' : 'disabled').padEnd(8)} ${a.displayName}`);
    if (builtIn) console.log(`${builtIn.appId}  ${'public'.padEnd(12)} ${'enabled'.padEnd(8)} ${builtIn.displayName} (built in while extensions.uio.enabled; redirect ${UIO_REDIRECT_URI})`);
  }));

  app.command('show <app>').description('an app by name, client id or object id').option('--json', 'print Graph JSON')
    .action(async (ref: string, o: { json?: boolean }, cmd: Command) => withContext(g(cmd), async (ctx) => {
      const a = await findApplication(ctx.store, (await defaultOrganisation(ctx)).id, ref);
      if (o.json) console.log(JSON.stringify(toGraphApplication(a), null, 2));
      else for (const l of describe(a)) console.log(l);
    }));

  fieldOptions(app.command('update <app>').description('change an app; only the options given change'))
    .option('--name <name>', 'new display name').option('--confidential', 'make it a confidential client (it gets a secret, shown once)')
    .option('--enable').option('--disable', 'refuse sign-ins to the app without deleting it')
    .action(async (ref: string, o: FieldFlags, cmd: Command) => withContext(g(cmd), async (ctx) => {
      const orgId = (await defaultOrganisation(ctx)).id;
      const a = await findApplication(ctx.store, orgId, ref);
      const fields = fieldsFrom(o);
      if (Object.keys(fields).length === 0) throw new PssoError('invalid_application', 'nothing to change: give at least one option (see `openpsso app update --help`)');
      print('updated', await updateApplication(ctx, orgId, a.id, fields), o.json);
    }));

  app.command('delete <app>').description('delete an app (refused while a conditional access policy names it)').option('--yes', 'do not ask for confirmation')
    .action(async (ref: string, o: { yes?: boolean }, cmd: Command) => withContext(g(cmd), async (ctx) => {
      const orgId = (await defaultOrganisation(ctx)).id;
      const a = await findApplication(ctx.store, orgId, ref);
      if (!o.yes) {
        console.error(`openpsso app delete: pass --yes to delete ${a.displayName} (${a.appId}); its users can no longer sign in to it`);
        process.exitCode = 2;
        return;
      }
      await deleteApplication(ctx, orgId, a.id);
      console.log(`deleted ${a.displayName} (${a.appId})`);
    }));

  const secret = app.command('secret').description("an app's client secret");
  secret.command('rotate <app>').description('replace the client secret (the old one stops working now); prints the new one once').option('--json')
    .action(async (ref: string, o: { json?: boolean }, cmd: Command) => withContext(g(cmd), async (ctx) => {
      const orgId = (await defaultOrganisation(ctx)).id;
      print('new secret for', await rotateSecret(ctx, orgId, (await findApplication(ctx.store, orgId, ref)).id), o.json);
    }));
}
