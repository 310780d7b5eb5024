// `openpsso profile generate | lint | explain`: each runner takes the arguments after its sub-command
// name, parses them with commander, prints to stdout/stderr and returns the exit code
// (0 ok, 1 findings with errors or invalid options, 2 usage).

import { readFileSync, writeFileSync } from 'node:fs';
import { Command, CommanderError, Option } from 'commander';
import { buildProfile, parseProfileConfig, ProfileOptionsError, type GenerateOptions } from './generate.js';
import { signProfile, ProfileSigningError } from './cms.js';
import { lintProfiles, resolveTarget, type Finding, type LintResult } from './lint.js';
import { explainKey, listKeys, suggestKey } from './explain.js';
import { planExtensionProfile, type DialectConfig } from './generate-extension.js';
import { EXTENSIONS, extensionById, type ExtensionName, type ProfileExtension } from './extensions.js';

interface Io { out: (s: string) => void; err: (s: string) => void }
const io: Io = { out: (s) => process.stdout.write(s), err: (s) => process.stderr.write(s) };

function program(name: string, description: string): Command {
  return new Command(`openpsso profile ${name}`).description(description).exitOverride()
    .configureOutput({ writeOut: io.out, writeErr: io.err });
}

/** Runs a commander program; returns the exit code of a usage error or --help, or undefined to go on. */
async function parse(cmd: Command, argv: string[]): Promise<number | undefined> {
  try {
    await cmd.parseAsync(argv, { from: 'user' });
    return undefined;
  } catch (e) {
    if (e instanceof CommanderError) return e.code === 'commander.helpDisplayed' || e.code === 'commander.version' ? 0 : 2;
    throw e;
  }
}

const collect = (v: string, prev: string[] = []) => [...prev, v];
const csv = (v: string) => v.split(',').map((s) => s.trim()).filter(Boolean);
const int = (name: string) => (v: string) => {
  if (!/^\d+$/.test(v)) throw new CommanderError(2, 'openpsso.invalidNumber', `${name} takes whole seconds, got "${v}"`);
  return Number(v);
};

const methodNames: Record<string, 'Password' | 'UserSecureEnclaveKey' | 'SmartCard' | 'OpenID'> = {
  password: 'Password', secureenclave: 'UserSecureEnclaveKey', usersecureenclavekey: 'UserSecureEnclaveKey', se: 'UserSecureEnclaveKey',
  smartcard: 'SmartCard', openid: 'OpenID', weblogin: 'OpenID',
};

/** Picks the SSO extension from the OpenPSSO configuration's apple-app-site-association apps. */
function extensionFromConfig(apps: string[]): { extensionIdentifier: string; teamIdentifier: string } | undefined {
  const parsed = apps.map((a) => /^([A-Z0-9]{10})\.(.+)$/.exec(a)).filter((m): m is RegExpExecArray => m !== null);
  const ext = parsed.find((m) => /sso|extension|\.ssoe$/i.test(m[2]!)) ?? parsed[parsed.length - 1];
  return ext ? { teamIdentifier: ext[1]!, extensionIdentifier: ext[2]! } : undefined;
}

type ExtensionsConfig = Partial<Record<ExtensionName, DialectConfig & { enabled?: boolean }>>;

async function openpssoConfig(file?: string): Promise<{ issuer?: string; apps: string[]; extensions: ExtensionsConfig }> {
  try {
    const { loadConfig } = await import('../config/load.js');
    const cfg = loadConfig(file ? { file } : {});
    return { issuer: cfg.issuer, apps: cfg.aasa.authsrvApps, extensions: (cfg as { extensions?: ExtensionsConfig }).extensions ?? {} };
  } catch (e) {
    if (file) throw new ProfileOptionsError(`cannot read the OpenPSSO configuration ${file}: ${(e as Error).message}`);
    return { apps: [], extensions: {} };
  }
}

const EXTENSION_CHOICES = ['twocanoes', 'fleet', 'uio', 'native'] as const;

export async function runProfileGenerate(argv: string[]): Promise<number> {
  const cmd = program('generate', 'Write a Platform SSO .mobileconfig for this OpenPSSO instance (or the Microsoft Entra template).')
    .option('--options <file>', 'JSON file with generator options (flags override it); see docs/profiles.md')
    .option('--entra', 'Microsoft Entra template (Company Portal extension, Microsoft URLs, {{DEVICEREGISTRATION}})')
    .addOption(new Option('--cloud <cloud>', 'Entra cloud').choices(['global', 'china', 'usgov']))
    .option('--issuer <url>', 'OpenPSSO base URL (default: issuer of the OpenPSSO configuration)')
    .option('--openpsso-config <file>', 'OpenPSSO configuration to take the issuer, extension and dialect base paths from')
    .addOption(new Option('--extension <name>', 'the SSO extension the Macs run: twocanoes, fleet or uio (open extensions, see docs/real-macs.md), or native (your own extension for OpenPSSO\'s login configuration; the virtual Mac)').choices([...EXTENSION_CHOICES]))
    .option('--base-url <url>', 'the extension\'s BaseURL (default: issuer + the dialect\'s basePath)')
    .addOption(new Option('--attestation <mode>', 'Apple device attestation: required writes AllowDeviceIdentifiersInAttestation (UiO: on unless off)').choices(['required', 'preferred', 'off']))
    .option('--use-refresh-token', 'UiO: ExtensionData.UseRefreshToken (the Mac sends refresh requests)')
    .option('--url <url>', 'additional URL the extension handles (repeatable)', collect)
    .option('--extension-id <bundleId>', 'bundle id of the SSO app extension')
    .option('--team-id <teamId>', 'Team ID that signed the extension')
    .option('--method <method>', 'password | secure-enclave | smart-card | openid (or Password, UserSecureEnclaveKey, SmartCard, OpenID); openid is macOS 27 web login')
    .option('--no-shared-device-keys', 'per-user device keys instead of shared ones')
    .option('--display-name <name>', 'AccountDisplayName shown in prompts')
    .option('--login-frequency <seconds>', 'seconds before a full login replaces a refresh (min 3600)', int('--login-frequency'))
    .option('--create-user-at-login', 'EnableCreateUserAtLogin')
    .option('--enable-authorization', 'EnableAuthorization')
    .option('--registration-token <token>', 'RegistrationToken for silent device registration (see `openpsso regtoken create`)')
    .option('--account-name-claim <claim>', 'TokenToUserMapping AccountName claim')
    .option('--full-name-claim <claim>', 'TokenToUserMapping FullName claim')
    .addOption(new Option('--user-authorization-mode <mode>').choices(['Standard', 'Admin', 'Groups']))
    .addOption(new Option('--new-user-authorization-mode <mode>').choices(['Standard', 'Admin', 'Groups', 'Temporary']))
    .option('--admin-group <group>', 'AdministratorGroups entry (repeatable)', collect)
    .option('--additional-group <group>', 'AdditionalGroups entry (repeatable)', collect)
    .option('--authorization-group <right=group>', 'AuthorizationGroups entry (repeatable)', collect)
    .option('--login-policy <values>', 'LoginPolicy, comma-separated', csv)
    .option('--unlock-policy <values>', 'UnlockPolicy, comma-separated', csv)
    .option('--filevault-policy <values>', 'FileVaultPolicy, comma-separated', csv)
    .option('--offline-grace-period <seconds>', 'OfflineGracePeriod', int('--offline-grace-period'))
    .option('--authentication-grace-period <seconds>', 'AuthenticationGracePeriod', int('--authentication-grace-period'))
    .option('--non-psso-account <name>', 'NonPlatformSSOAccounts entry (repeatable)', collect)
    .addOption(new Option('--screen-locked-behavior <b>').choices(['Cancel', 'DoNotHandle']))
    .option('--new-user-methods <values>', 'NewUserAuthenticationMethods, comma-separated (Password, SmartCard, OpenID)', csv)
    .option('--web-login-url <url>', 'WebLoginURLAllowList entry besides the issuer (scheme and host, e.g. an upstream IdP; repeatable)', collect)
    .option('--web-login-password-sync', 'AllowWebLoginPasswordSync: sync the password typed in the web sign-in page (OpenID, macOS 27)')
    .option('--always-use-login-ui', 'AlwaysUseLoginUI (macOS 27.2)')
    .option('--authorization-scopes', 'ExtensionData.includePlatformSSOAuthorizationScopes: opt in to the macOS 27 urn:apple:platformsso:auth:* scopes (for extensions that read it)')
    .option('--macos13', 'also write the top-level AuthenticationMethod for macOS 13 Macs')
    .option('--target <macOS>', 'oldest macOS in the fleet (13, 14, 15, 15.4, 26, 27); decides the allowed keys', '14')
    .option('--identifier <id>', 'PayloadIdentifier of the profile')
    .option('--name <name>', 'PayloadDisplayName of the profile')
    .option('--organization <org>', 'PayloadOrganization')
    .option('--random-uuids', 'random PayloadUUIDs instead of reproducible ones')
    .option('--sign-cert <pem>', 'sign with this certificate (PEM) ...')
    .option('--sign-key <pem>', '... and this private key (PEM)')
    .option('--sign-chain <pem>', 'intermediate certificates to embed (PEM)')
    .option('-o, --out <file>', 'write to a file instead of stdout');
  const code = await parse(cmd, argv);
  if (code !== undefined) return code;
  const f = cmd.opts<Record<string, unknown>>();
  const flagSet = (k: string) => cmd.getOptionValueSource(k) === 'cli';
  try {
    let opts: Record<string, unknown> = f.options ? { ...parseProfileConfig(readFileSync(String(f.options), 'utf8')) } : {};
    if (f.entra) opts.template = 'entra';
    const entra = opts.template === 'entra';
    const map: [string, string][] = [
      ['cloud', 'cloud'], ['issuer', 'issuer'], ['extensionId', 'extensionIdentifier'], ['teamId', 'teamIdentifier'], ['displayName', 'accountDisplayName'],
      ['loginFrequency', 'loginFrequency'], ['createUserAtLogin', 'enableCreateUserAtLogin'], ['enableAuthorization', 'enableAuthorization'],
      ['registrationToken', 'registrationToken'], ['userAuthorizationMode', 'userAuthorizationMode'], ['newUserAuthorizationMode', 'newUserAuthorizationMode'],
      ['adminGroup', 'administratorGroups'], ['additionalGroup', 'additionalGroups'], ['loginPolicy', 'loginPolicy'], ['unlockPolicy', 'unlockPolicy'],
      ['filevaultPolicy', 'fileVaultPolicy'], ['offlineGracePeriod', 'offlineGracePeriod'], ['authenticationGracePeriod', 'authenticationGracePeriod'],
      ['nonPssoAccount', 'nonPlatformSSOAccounts'], ['screenLockedBehavior', 'screenLockedBehavior'], ['macos13', 'includeMacOS13Method'],
      ['identifier', 'identifier'], ['name', 'displayName'], ['organization', 'organization'], ['randomUuids', 'randomUUIDs'], ['url', 'additionalURLs'],
      ['newUserMethods', 'newUserAuthenticationMethods'], ['webLoginUrl', 'webLoginURLAllowList'], ['webLoginPasswordSync', 'allowWebLoginPasswordSync'],
      ['alwaysUseLoginUi', 'alwaysUseLoginUI'], ['authorizationScopes', 'authorizationScopes'],
    ];
    for (const [flag, key] of map) if (f[flag] !== undefined) opts[key] = f[flag];
    if (flagSet('target')) opts.targetMacOS = f.target;
    if (flagSet('sharedDeviceKeys')) opts.useSharedDeviceKeys = f.sharedDeviceKeys;
    if (f.method !== undefined) {
      const m = methodNames[String(f.method).toLowerCase().replace(/[^a-z]/g, '')];
      if (!m) { io.err(`error: --method must be password, secure-enclave, smart-card or openid, got "${String(f.method)}"\n`); return 2; }
      opts.method = m;
    }
    if (f.accountNameClaim || f.fullNameClaim) {
      opts.tokenToUserMapping = { ...(opts.tokenToUserMapping as object | undefined), ...(f.accountNameClaim ? { accountName: f.accountNameClaim } : {}), ...(f.fullNameClaim ? { fullName: f.fullNameClaim } : {}) };
    }
    if (f.authorizationGroup) {
      const pairs = (f.authorizationGroup as string[]).map((s) => s.split('='));
      if (pairs.some((p) => p.length !== 2 || !p[0] || !p[1])) { io.err('error: --authorization-group takes right=group, e.g. system.preferences=mac-admins\n'); return 2; }
      opts.authorizationGroups = Object.fromEntries(pairs as [string, string][]);
    }
    let result;
    if (entra) {
      result = buildProfile(opts as GenerateOptions);
    } else {
      const cfg = await openpssoConfig(f.openpssoConfig as string | undefined);
      opts.issuer ??= cfg.issuer;
      if (opts.issuer === undefined) { io.err('error: no issuer: pass --issuer https://sso.example.com or an OpenPSSO configuration\n'); return 1; }
      let extension = f.extension as ProfileExtension | undefined;
      // A Team ID alone may be the signer of an open extension (UiO); an extension id means your own.
      const own = opts.extensionIdentifier !== undefined;
      if (extension === undefined && !own) {
        const fromAasa = extensionFromConfig(cfg.apps);
        const known = fromAasa ? extensionById(fromAasa.extensionIdentifier) : undefined;
        const enabled = (Object.keys(EXTENSIONS) as ExtensionName[]).filter((n) => cfg.extensions[n]?.enabled);
        // A listed open extension whose dialect is enabled gets its own profile; otherwise the ids are used as before.
        if (known && cfg.extensions[known.name]?.enabled) { extension = known.name; opts.teamIdentifier ??= fromAasa!.teamIdentifier; }
        else if (fromAasa) { opts.extensionIdentifier = fromAasa.extensionIdentifier; opts.teamIdentifier ??= fromAasa.teamIdentifier; }
        else if (enabled.length === 1) { extension = enabled[0]; io.err(`note: the OpenPSSO configuration enables the ${extension} dialect only; writing a profile for it (--extension to choose)\n`); }
      }
      extension ??= 'native';
      if (f.openpssoConfig && extension !== 'native' && cfg.extensions[extension] && !cfg.extensions[extension]!.enabled) {
        io.err(`warning: the OpenPSSO configuration does not enable the ${extension} dialect; set extensions.${extension}.enabled to true, or the Mac's requests find nothing\n`);
      }
      const { issuer, extensionIdentifier, teamIdentifier, ...rest } = opts;
      const plan = planExtensionProfile({
        extension, issuer: String(issuer), ...(extension !== 'native' && cfg.extensions[extension] ? { dialect: cfg.extensions[extension] } : {}),
        ...(f.baseUrl ? { baseUrl: String(f.baseUrl) } : {}),
        ...(extensionIdentifier !== undefined ? { extensionIdentifier: String(extensionIdentifier) } : {}),
        ...(teamIdentifier !== undefined ? { teamIdentifier: String(teamIdentifier) } : {}),
        ...(f.attestation ? { attestation: f.attestation as 'required' | 'preferred' | 'off' } : {}),
        ...(f.useRefreshToken ? { useRefreshToken: true } : {}),
        options: rest,
      });
      for (const w of plan.warnings) io.err(`warning: ${w}\n`);
      result = buildProfile(plan.options, { payloads: plan.payloads });
    }
    let bytes: Buffer = Buffer.from(result.xml, 'utf8');
    if (f.signCert || f.signKey) {
      if (!f.signCert || !f.signKey) { io.err('error: signing needs both --sign-cert and --sign-key\n'); return 2; }
      bytes = signProfile(bytes, {
        certPem: readFileSync(String(f.signCert), 'utf8'), keyPem: readFileSync(String(f.signKey), 'utf8'),
        ...(f.signChain ? { chainPem: readFileSync(String(f.signChain), 'utf8') } : {}),
      });
    }
    for (const x of result.findings) io.err(`${x.severity}: ${x.code} ${x.path}: ${x.message}\n`);
    if (f.out) {
      writeFileSync(String(f.out), bytes);
      io.err(`wrote ${String(f.out)}${f.signCert ? ' (signed)' : ''}\n`);
    } else if (f.signCert && process.stdout.isTTY) {
      io.err('error: a signed profile is binary; write it with --out FILE\n');
      return 2;
    } else {
      process.stdout.write(bytes);
    }
    return 0;
  } catch (e) {
    if (e instanceof ProfileOptionsError || e instanceof ProfileSigningError || e instanceof RangeError) { io.err(`error: ${e.message}\n`); return 1; }
    if ((e as NodeJS.ErrnoException).code === 'ENOENT' || (e as NodeJS.ErrnoException).code === 'EACCES') { io.err(`error: ${(e as Error).message}\n`); return 1; }
    throw e;
  }
}

function formatFinding(x: Finding): string {
  const where = x.line ? ` (line ${x.line}:${x.column ?? 1})` : '';
  return `  ${x.severity.padEnd(7)} ${x.code}  ${x.path || '(file)'}${where}  [macOS ${x.macOS}]\n          ${x.message}\n          fix: ${x.fix}\n`;
}

export async function runProfileLint(argv: string[]): Promise<number> {
  const cmd = program('lint', 'Check Platform SSO configuration profiles (XML or binary plist, signed or not).')
    .argument('<files...>', '.mobileconfig files; files linted together are also checked for URL conflicts (Intune 10002)')
    .option('--target <macOS>', 'macOS version of the fleet (13, 14, 15, 15.4, 26, 27); keys it does not know are reported')
    .option('--issuer <url>', 'identity provider base URL that WebLoginURLAllowList must allow (default: the payload\'s first URL)')
    .option('--virtual-mac', 'the profile is for the virtual Mac: http://, placeholder identifiers and a missing registration token are warnings')
    .addOption(new Option('--attestation <mode>', 'required: the organisation requires Apple device attestation (AllowDeviceIdentifiersInAttestation)').choices(['required']))
    .option('--json', 'machine-readable output')
    .option('--quiet', 'hide notes');
  const code = await parse(cmd, argv);
  if (code !== undefined) return code;
  const o = cmd.opts<{ target?: string; issuer?: string; json?: boolean; quiet?: boolean; virtualMac?: boolean; attestation?: 'required' }>();
  try {
    resolveTarget(o.target);
  } catch (e) {
    io.err(`error: ${(e as Error).message}\n`);
    return 2;
  }
  const files = cmd.args;
  const unreadable = new Map<string, string>();
  const inputs = files.map((name) => {
    try {
      return { name, bytes: readFileSync(name) };
    } catch (e) {
      unreadable.set(name, (e as Error).message);
      return { name, bytes: Buffer.alloc(0) };
    }
  });
  if (o.issuer !== undefined && !/^https?:\/\/[^/?#]+/i.test(o.issuer)) {
    io.err(`error: --issuer takes an http(s) URL such as https://sso.example.com, got "${o.issuer}"\n`);
    return 2;
  }
  const results = lintProfiles(inputs, {
    ...(o.target ? { targetMacOS: o.target } : {}), ...(o.issuer ? { issuer: o.issuer } : {}),
    ...(o.virtualMac ? { virtualMac: true } : {}), ...(o.attestation ? { attestation: o.attestation } : {}),
  }).map(({ name, result }) => {
    const msg = unreadable.get(name);
    if (!msg) return { name, result };
    const f: Finding = { code: 'PSSO-L000', path: '', severity: 'error', macOS: '10.7', message: `Cannot read the file: ${msg}`, fix: 'Check the path and permissions.' };
    return { name, result: { ...result, findings: [f], counts: { error: 1, warning: 0, note: 0 } } as LintResult };
  });
  const visible = (r: LintResult) => (o.quiet ? r.findings.filter((x) => x.severity !== 'note') : r.findings);
  if (o.json) {
    io.out(`${JSON.stringify(results.map(({ name, result: r }) => ({
      file: name, ok: r.counts.error === 0, format: r.format, signed: r.signed,
      signers: r.signers.map((s) => ({ subject: s.subject, issuer: s.issuer, signatureValid: s.signatureValid })),
      targetMacOS: r.targetMacOS, counts: r.counts, findings: visible(r),
    })), null, 2)}\n`);
  } else {
    for (const { name, result: r } of results) {
      const signer = r.signers[0];
      const kind = r.format === 'unreadable' ? '' : ` (${r.format}${r.signed ? `, signed by ${signer?.subject ?? 'unknown'}` : ''}, target macOS ${r.targetMacOS})`;
      io.out(`${name}${kind}\n`);
      for (const x of visible(r)) io.out(formatFinding(x));
      const c = r.counts;
      io.out(`  ${c.error} error${c.error === 1 ? '' : 's'}, ${c.warning} warning${c.warning === 1 ? '' : 's'}, ${c.note} note${c.note === 1 ? '' : 's'}\n`);
    }
  }
  return results.some((r) => r.result.counts.error > 0) ? 1 : 0;
}

export async function runProfileExplain(argv: string[]): Promise<number> {
  const cmd = program('explain', 'Explain a profile key (or a PSSO-Lnnn finding code): values, default, macOS versions, common mistakes.')
    .argument('[key]', 'e.g. LoginFrequency, PlatformSSO.AuthenticationMethod, PSSO-L013')
    .option('--list', 'list every key');
  const code = await parse(cmd, argv);
  if (code !== undefined) return code;
  if (cmd.opts<{ list?: boolean }>().list) { io.out(`${listKeys()}\n`); return 0; }
  const key = cmd.args[0];
  if (!key) { io.err('error: name a key, e.g. `openpsso profile explain LoginFrequency` (or --list)\n'); return 2; }
  const text = explainKey(key);
  if (text) { io.out(`${text}\n`); return 0; }
  const s = suggestKey(key);
  io.err(`Unknown key "${key}".${s ? ` Did you mean "${s}"?` : ''} Run \`openpsso profile explain --list\` for every key.\n`);
  return 1;
}
