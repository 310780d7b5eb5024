// `openpsso init`: sets up a production organisation. At a terminal it asks for each missing value
// (defaults in brackets); with --yes (or without a terminal) it asks nothing and a missing value is
// an error naming its flag. Writes openpsso.config.json last, after the database is set up.

import { chmodSync, copyFileSync, existsSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline/promises';
import type { Command } from 'commander';
import { createAppContext } from '../app/bootstrap.js';
import { buildConfigFile, checkIssuer, checkProxies, type DeploymentSettings } from '../app/deployment-settings.js';
import { readTlsFiles } from '../app/tls-files.js';
import { initialiseOrganisation, MIN_PASSWORD_LENGTH, normaliseSetup, type InitialisedOrganisation } from '../app/initialise-organisation.js';
import { domainOfPrincipalName } from '../app/organisation-domains.js';
import { PssoError } from '../errors/psso-error.js';
import { readSecret } from './read-secret.js';

interface InitOptions {
  name?: string; domain?: string[]; issuer?: string; insecureLocal?: boolean;
  tlsCert?: string; tlsKey?: string; behindProxy?: boolean; proxy?: string[];
  listenHost?: string; port?: string; database?: string; databaseUrl?: string;
  adminUpn?: string; adminName?: string; adminPassword?: string; adminPasswordStdin?: boolean;
  yes?: boolean; force?: boolean;
  // global options
  config?: string; dataDir?: string;
}

const collect = (v: string, prev: string[] = []) => [...prev, ...v.split(',').map((s) => s.trim()).filter(Boolean)];
const LOOPBACK_PROXIES = ['127.0.0.1', '::1'];

/** Asks at a terminal, or refuses naming the flag when nothing may be asked. */
class Asker {
  private rl: ReturnType<typeof createInterface> | undefined;
  constructor(readonly interactive: boolean) {}

  async value(flag: string, label: string, given: string | undefined, def?: string): Promise<string> {
    if (given !== undefined && given !== '') return given;
    if (!this.interactive) {
      if (def !== undefined) return def;
      throw new PssoError('init_value_required', `${flag} (${label})`);
    }
    this.rl ??= createInterface({ input: process.stdin, output: process.stdout });
    for (;;) {
      const answer = (await this.rl.question(`${label}${def !== undefined ? ` [${def}]` : ''}: `)).trim();
      if (answer !== '') return answer;
      if (def !== undefined) return def;
    }
  }

  async yesNo(label: string, def: boolean): Promise<boolean> {
    const a = (await this.value('', `${label} (y/n)`, undefined, def ? 'y' : 'n')).toLowerCase();
    return a.startsWith('y');
  }

  close(): void { this.rl?.close(); this.rl = undefined; }
}

async function readPassword(o: InitOptions, ask: Asker): Promise<string> {
  if (o.adminPassword !== undefined) return o.adminPassword;
  if (o.adminPasswordStdin) return (await readSecret('')) ?? '';
  if (!ask.interactive) throw new PssoError('init_value_required', '--admin-password or --admin-password-stdin (the first admin\'s password)');
  ask.close();
  for (;;) {
    const first = (await readSecret(`Admin password (at least ${MIN_PASSWORD_LENGTH} characters): `)) ?? '';
    if (first.length < MIN_PASSWORD_LENGTH) { console.log(`  too short; at least ${MIN_PASSWORD_LENGTH} characters`); continue; }
    if ((await readSecret('Admin password again: ')) === first) return first;
    console.log('  the two passwords differ; try again');
  }
}

/** Everything that goes into the configuration file, asked for or checked. */
async function deploymentSettings(o: InitOptions, ask: Asker, firstDomain: string): Promise<DeploymentSettings> {
  const issuer = checkIssuer(await ask.value('--issuer', 'Issuer URL (what Macs connect to)', o.issuer, ask.interactive ? `https://sso.${firstDomain}` : undefined), Boolean(o.insecureLocal));
  const url = new URL(issuer);
  const local = url.protocol === 'http:';
  let tls: DeploymentSettings['tls'];
  let trustProxy: string[] | undefined;
  if (o.tlsCert || o.tlsKey) {
    if (o.behindProxy) throw new PssoError('setup_value_invalid', 'give either --tls-cert/--tls-key or --behind-proxy, not both');
    const certFile = await ask.value('--tls-cert', 'TLS certificate file (PEM, full chain)', o.tlsCert);
    const keyFile = await ask.value('--tls-key', 'TLS private key file (PEM)', o.tlsKey);
    // The same check `serve` makes at start, so init never writes a pair serve would refuse.
    readTlsFiles({ certFile: resolve(certFile), keyFile: resolve(keyFile) });
    tls = { certFile, keyFile };
  } else if (o.behindProxy || (!local && ask.interactive && await ask.yesNo('Is TLS terminated by a reverse proxy (Caddy, nginx, a load balancer)?', true))) {
    trustProxy = checkProxies(o.proxy?.length ? o.proxy
      : collect(await ask.value('--proxy', 'Proxy addresses or CIDRs (comma-separated)', undefined, LOOPBACK_PROXIES.join(','))));
  } else if (!local) {
    if (!ask.interactive) throw new PssoError('init_value_required', '--tls-cert and --tls-key, or --behind-proxy (how HTTPS reaches this server)');
    const certFile = await ask.value('--tls-cert', 'TLS certificate file (PEM, full chain)', undefined);
    const keyFile = await ask.value('--tls-key', 'TLS private key file (PEM)', undefined);
    // The same check `serve` makes at start, so init never writes a pair serve would refuse.
    readTlsFiles({ certFile: resolve(certFile), keyFile: resolve(keyFile) });
    tls = { certFile, keyFile };
  }
  // Direct TLS serves the issuer's port itself; behind a proxy, or locally, the usual 9900.
  const defaultHost = tls ? '0.0.0.0' : local ? url.hostname.replace(/^\[|\]$/g, '') : '127.0.0.1';
  const defaultPort = tls ? (url.port || '443') : local ? (url.port || '80') : '9900';
  const host = await ask.value('--listen-host', 'Listen on address', o.listenHost, defaultHost);
  const portText = await ask.value('--port', 'Listen on port', o.port, defaultPort);
  const port = Number(portText);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new PssoError('setup_value_invalid', `--port: ${portText} is not a port number`);

  let database: DeploymentSettings['database'] = { kind: 'sqlite' };
  const kind = o.databaseUrl ? 'postgres' : await ask.value('--database', 'Database (sqlite or postgres)', o.database, 'sqlite');
  if (kind === 'postgres') {
    const dbUrl = await ask.value('--database-url', 'PostgreSQL URL (postgres://user@host/db)', o.databaseUrl);
    if (!/^postgres(ql)?:\/\//.test(dbUrl)) throw new PssoError('setup_value_invalid', '--database-url must start with postgres://');
    database = { kind: 'postgres', url: dbUrl };
  } else if (kind !== 'sqlite') {
    throw new PssoError('setup_value_invalid', `--database: ${kind} (sqlite, or postgres with --database-url)`);
  }
  return { issuer, listen: { host, port }, dataDir: o.dataDir ?? './data', database, ...(tls ? { tls } : {}), ...(trustProxy ? { trustProxy } : {}) };
}

function report(r: InitialisedOrganisation, s: DeploymentSettings, configFile: string, dataDir: string): string {
  const keyFile = join(dataDir, 'master.key');
  const fromEnv = Boolean(process.env.OPENPSSO_MASTER_KEY);
  const cfg = /^[\w./@:+-]+$/.test(configFile) ? configFile : `'${configFile.replace(/'/g, "'\\''")}'`;
  return [
    '',
    `Organisation ${r.created ? 'created' : 'updated'}: ${r.org.name}`,
    `  tenant id          ${r.org.id}`,
    `  domains            ${r.domains.map((d) => d.name + (d.isDefault ? ' (default)' : '')).join(', ')}`,
    `  issuer             ${s.issuer}`,
    `  first admin        ${r.admin.userPrincipalName} (Global Administrator${r.adminCreated ? '; must set up MFA at the first browser sign-in' : '; existing user, password and MFA unchanged'})`,
    `  configuration      ${configFile}`,
    `  data directory     ${dataDir}`,
    '',
    'Master key',
    ...(fromEnv ? [
      '  It comes from OPENPSSO_MASTER_KEY: keep that secret backed up wherever you store it.',
    ] : [
      `  ${keyFile}  (mode 0600, readable only by this user)`,
    ]),
    "  It encrypts the server's private signing and encryption keys and the keys Macs unlock with.",
    '  If it is lost, those keys cannot be read again: every Mac must register again.',
    '  Back it up now, somewhere other than the database backups (a password manager or secret store):',
    fromEnv ? '    (already outside the data directory)' : `    install -m 600 ${keyFile} /path/to/safe/openpsso-master.key`,
    '',
    'Registration token (for the MDM profile; shown once, stored only as a hash)',
    `  ${r.registrationToken.token}`,
    `  expires ${r.registrationToken.expiresAt === null ? 'never' : new Date(r.registrationToken.expiresAt).toISOString()}; more with \`openpsso regtoken create\``,
    '',
    'Next steps',
    `  1. Start the server:         npx openpsso serve -c ${cfg}`,
    `  2. Make the Mac profile:     npx openpsso profile generate -c ${cfg} --extension fleet|twocanoes|uio --registration-token ${r.registrationToken.token} --out openpsso.mobileconfig`,
    '                               (a real Mac needs an SSO extension: enable its dialect under "extensions" first; docs/real-macs.md)',
    `  3. Add users:                npx openpsso user import users.csv -c ${cfg}   (dry run; then --apply; docs/user-import.md)`,
    `  4. Admin API clients:        npx openpsso admin-client create -c ${cfg} ...`,
    ...(s.trustProxy ? [`  Proxy: point your TLS proxy at http://${s.listen.host}:${s.listen.port}; trusted proxy addresses: ${s.trustProxy.join(', ')}. See docs/deploy.md.`] : []),
    '',
  ].join('\n');
}

export async function runInit(o: InitOptions): Promise<void> {
  const ask = new Asker(Boolean(process.stdin.isTTY) && !o.yes && !o.adminPasswordStdin);
  try {
    const configFile = resolve(o.config ?? 'openpsso.config.json');
    if (existsSync(configFile) && !o.force) throw new PssoError('config_file_exists', configFile);
    const name = await ask.value('--name', 'Organisation display name', o.name);
    const domains = o.domain?.length ? o.domain : collect(await ask.value('--domain', 'Domains your user names use (comma-separated)', undefined));
    const { domains: normalised } = normaliseSetup({ name, domains, admin: { userPrincipalName: '' } });
    const settings = await deploymentSettings(o, ask, normalised[0]!);
    const adminUpn = await ask.value('--admin-upn', 'First admin user name', o.adminUpn, ask.interactive ? `admin@${normalised[0]}` : undefined);
    const adminDomain = domainOfPrincipalName(adminUpn);
    if (adminDomain === null || !normalised.includes(adminDomain)) {
      throw new PssoError('domain_not_verified', `--admin-upn ${adminUpn}: use a name ending in ${normalised.map((d) => `@${d}`).join(', ')}`);
    }
    const adminName = await ask.value('--admin-name', 'First admin display name', o.adminName, 'Administrator');
    const { json, config } = buildConfigFile(settings);

    const ctx = await createAppContext(config);
    try {
      const existing = (await ctx.store.organisations.list())[0];
      if (existing && !o.force) throw new PssoError('organisation_exists', `"${existing.name}" (${existing.id})`);
      const adminExists = existing ? (await ctx.store.users.getByPrincipalName(existing.id, adminUpn)) !== null : false;
      const password = adminExists ? undefined : await readPassword(o, ask);
      const result = await initialiseOrganisation(ctx, {
        name, domains, admin: { userPrincipalName: adminUpn, displayName: adminName, ...(password !== undefined ? { password } : {}) }, force: Boolean(o.force),
      });
      const keyFile = join(config.dataDir, 'master.key');
      if (existsSync(keyFile)) chmodSync(keyFile, 0o600);
      if (existsSync(configFile)) copyFileSync(configFile, `${configFile}.bak`);
      writeFileSync(configFile, `${JSON.stringify(json, null, 2)}\n`, { mode: 0o600 });
      console.log(report(result, settings, configFile, config.dataDir));
    } finally {
      await ctx.store.close();
    }
  } finally {
    ask.close();
  }
}

export function addInitCommand(program: Command): void {
  program.command('init').description('set up the organisation, its first admin and the configuration file (asks at a terminal; --yes for scripts)')
    .option('--name <name>', "the organisation's display name")
    .option('--domain <domain>', 'a domain user names use, e.g. example.com (repeatable; the first is the default)', collect)
    .option('--issuer <url>', 'public HTTPS URL Macs connect to, e.g. https://sso.example.com')
    .option('--insecure-local', 'allow an http:// issuer on localhost or a loopback address (trials only; a Mac refuses it)')
    .option('--tls-cert <file>', 'serve HTTPS with this certificate (PEM, full chain)')
    .option('--tls-key <file>', 'and this private key (PEM)')
    .option('--behind-proxy', 'HTTPS is terminated by a reverse proxy in front of this server')
    .option('--proxy <address>', "the proxy's address or CIDR, trusted for X-Forwarded-For (repeatable; default loopback)", collect)
    .option('--listen-host <host>', 'address to listen on')
    .option('--port <port>', 'port to listen on')
    .option('--database <kind>', 'sqlite (default) or postgres')
    .option('--database-url <url>', 'PostgreSQL URL (postgres://...); implies --database postgres')
    .option('--admin-upn <name>', "the first admin's user name, in one of the domains")
    .option('--admin-name <displayName>', "the first admin's display name")
    .option('--admin-password <password>', "the first admin's password (prompted twice at a terminal if omitted)")
    .option('--admin-password-stdin', "read the first admin's password from the first line of stdin")
    .option('--yes', 'ask nothing: every required value comes from flags')
    .option('--force', 'replace an existing configuration file (kept as .bak) and update an existing organisation; nothing is deleted')
    .action(async (_o: unknown, cmd: Command) => runInit(cmd.optsWithGlobals() as InitOptions));
}
