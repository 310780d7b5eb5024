// `openpsso mac <command>`: the virtual Mac's command line, printing what the Mac did and why in plain words.

import { Command, CommanderError } from 'commander';
import { VirtualMac } from './agent.js';
import { MacError, describeError } from './errors.js';
import { loadProfileSettings, normaliseMethod } from './profile-settings.js';
import type { LoginResult } from './login-window.js';
import { CLI_METHOD_NAMES, type MacClock, type Method } from './types.js';
import { EXTENSION_NAMES, type ExtensionName } from './extensions/types.js';
import { loadAttestationAuthority, type AttestationAuthority } from './attestation.js';

interface Common {
  mac: string;
  now?: string;
  json?: boolean;
}

type Out = (line: string) => void;

function clockFrom(now: string | undefined): MacClock | undefined {
  if (now === undefined) return undefined;
  const s = Number(now);
  if (!Number.isFinite(s) || s < 0) throw new MacError('usage', `--now must be seconds since 1970 (got ${now}).`);
  return { now: () => s * 1000 };
}

function macFor(o: Common): VirtualMac {
  const clock = clockFrom(o.now);
  return new VirtualMac({ dir: o.mac, ...(clock ? { clock } : {}) });
}

const common = (c: Command) => c
  .option('--mac <dir>', 'state directory of this virtual Mac', './data/macs/default')
  .option('--now <epoch>', 'pretend the time is this many seconds since 1970')
  .option('--json', 'print the result as JSON');

// Spelt as CLI_METHOD_NAMES; any case or separator, and Apple's profile names (UserSecureEnclaveKey), are accepted as aliases.
/** Only Apple can attest a real key; the virtual Mac uses a test root the server is told to trust. */
function attestationRoot(keyFile: string | undefined, certFile: string | undefined): AttestationAuthority {
  const key = keyFile ?? process.env.OPENPSSO_MAC_ATTESTATION_ROOT_KEY;
  const cert = certFile ?? process.env.OPENPSSO_MAC_ATTESTATION_ROOT_CERT;
  if (!key || !cert) throw new MacError('usage', '--attest needs the test root: --attestation-root-key and --attestation-root-cert (PEM), or OPENPSSO_MAC_ATTESTATION_ROOT_KEY and _CERT.');
  return loadAttestationAuthority(key, cert);
}

function method(v: string): Method {
  const m = normaliseMethod(v);
  if (!m) throw new MacError('usage', `unknown method ${v}; use ${Object.values(CLI_METHOD_NAMES).join(', ')}`);
  return m;
}

function printLogin(out: Out, r: LoginResult): number {
  const path = { local: 'no network (local password, fresh tokens)', refresh: 'refresh request', full_login: 'full login', none: 'none' }[r.path];
  out(`${r.event === 'login' ? 'Login window' : 'Screensaver unlock'}: ${r.user} (${CLI_METHOD_NAMES[r.method]})`);
  for (const m of r.messages) out(`  ${m}`);
  if (r.network || r.path !== 'none') out(`  Path: ${path}${r.latencyMs !== undefined ? ` in ${r.latencyMs.toFixed(1)} ms` : ''}`);
  if (r.passwordSynced) out('  Local password updated to the new identity provider password.');
  if (r.tokens) out(`  SSO tokens received ${r.tokens.received}, expire ${r.tokens.expiration}`);
  out(r.ok ? (r.event === 'login' ? 'Logged in.' : 'Unlocked.') : 'Access denied.');
  return r.ok ? 0 : 1;
}

export async function runMac(argv: string[]): Promise<number> {
  let code = 0;
  const out: Out = (l) => process.stdout.write(`${l}\n`);
  const json = (v: unknown) => out(JSON.stringify(v, null, 2));
  const program = new Command('openpsso mac').description('a virtual Mac that speaks Platform SSO (AppSSOAgent + login window)').exitOverride();

  common(program.command('register').description('register the device, then the user, then log in as macOS does'))
    .option('--server <url>', 'identity provider base URL (issuer); with --extension twocanoes|fleet|uio, the extension\'s BaseURL exactly as its profile gives it (issuer + the dialect\'s basePath, e.g. https://idp.example.com/fleet)')
    .option('--token <rgt>', 'registration token (from the MDM profile; for --extension fleet, its RegistrationToken)')
    .option('--interactive', 'sign in with --user/--password for a bearer token instead of a registration token')
    .option('--totp-secret <base32>', "with --interactive: the authenticator app's secret, to answer an MFA step")
    .requiredOption('--user <upn>', 'user principal name')
    .option('--method <method>', `authentication method: ${Object.values(CLI_METHOD_NAMES).join(' | ')}`)
    .option('--password <password>', 'identity provider password')
    .option('--local-password <password>', 'local account password, if different (key methods)')
    .option('--shared-keys', 'shared device keys (default)').option('--no-shared-keys', 'per-user device keys (no PSSO 2.0 key service)')
    .option('--card-key <pem>', 'smart card private key (PEM)').option('--card-cert <pem>', 'smart card certificate chain (PEM, leaf first)')
    .option('--compat', 'twocanoes-style POST /register (other PSSO servers)')
    .option('--extension <name>', `act as an open SSO extension against OpenPSSO: ${EXTENSION_NAMES.join(' | ')} (default native)`)
    .option('--client-id <id>').option('--issuer <iss>').option('--token-url <url>').option('--jwks-url <url>').option('--nonce-url <url>')
    .option('--refresh-url <url>').option('--key-url <url>').option('--audience <aud>')
    .option('--profile <file>', 'read settings from a .mobileconfig')
    .option('--no-encrypt-password', 'send the password in clear inside the signed request even if the server offers an encryption key')
    .option('--groups <list>', 'comma-separated groups to request in id_tokens')
    .option('--repair', 'register the device again with new keys')
    .option('--web-login', 'macOS 27 web-based login: the OpenID method, tokenExchange grant; the first login runs through the web sign-in')
    .option('--attest', 'attest the device signing key (Apple device attestation) with a test root: --attestation-root-key/-cert or OPENPSSO_MAC_ATTESTATION_ROOT_KEY/_CERT')
    .option('--attestation-root-key <pem>', 'with --attest: the test attestation root private key (PEM)')
    .option('--attestation-root-cert <pem>', 'with --attest: the test attestation root certificate (PEM)')
    .option('--generation <gen>', 'with --extension uio: wl0 (first release) | wln (newer, default)')
    .option('--use-refresh-token', 'with --extension uio --generation wln: ExtensionData UseRefreshToken (send refresh requests)')
    .action(async (o: Common & Record<string, string | boolean | undefined>) => {
      const mac = macFor(o);
      const profile = typeof o.profile === 'string' ? await loadProfileSettings(o.profile) : undefined;
      const s = (k: string) => (typeof o[k] === 'string' ? (o[k] as string) : undefined);
      const r = await mac.register({
        user: s('user')!, ...(s('server') ? { server: s('server') } : {}), ...(s('token') ? { token: s('token') } : {}),
        interactive: o.interactive === true, ...(s('totpSecret') ? { totpSecret: s('totpSecret') } : {}), ...(s('method') ? { method: method(s('method')!) } : {}),
        ...(s('password') !== undefined ? { password: s('password') } : {}), ...(s('localPassword') !== undefined ? { localPassword: s('localPassword') } : {}),
        // With both --shared-keys and --no-shared-keys defined, commander leaves it undefined unless one is typed.
        ...(typeof o.sharedKeys === 'boolean' ? { sharedDeviceKeys: o.sharedKeys } : {}),
        ...(s('cardKey') ? { cardKeyPath: s('cardKey') } : {}), ...(s('cardCert') ? { cardCertPath: s('cardCert') } : {}),
        compat: o.compat === true,
        compatLogin: { clientId: s('clientId'), issuer: s('issuer'), tokenUrl: s('tokenUrl'), jwksUrl: s('jwksUrl'), nonceUrl: s('nonceUrl'), refreshUrl: s('refreshUrl'), keyUrl: s('keyUrl'), audience: s('audience') },
        ...(profile ? { profile } : {}), encryptPassword: o.encryptPassword !== false,
        ...(s('groups') ? { groups: s('groups')!.split(',').map((g) => g.trim()).filter(Boolean) } : {}),
        repair: o.repair === true, webLogin: o.webLogin === true,
        ...(s('extension') ? { extension: extensionName(s('extension')!) } : {}),
        ...(o.attest === true ? { attestation: attestationRoot(s('attestationRootKey'), s('attestationRootCert')) } : {}),
        ...(s('generation') ? { generation: generationName(s('generation')!) } : {}),
        ...(o.useRefreshToken === true ? { useRefreshToken: true } : {}),
      });
      if (o.json) return json(r);
      for (const m of r.messages) out(m);
      out(`Registered ${r.user} on ${mac.location} (signing kid ${r.signingKid}).`);
    });

  for (const event of ['login', 'unlock'] as const) {
    common(program.command(event).description(event === 'login' ? 'log in at the login window' : 'unlock the screensaver'))
      .requiredOption('--user <upn>').option('--password <password>')
      .option('--key-exchanges <n>', 'key exchanges to run after a PSSO 2.0 login', '1')
      .option('--web', 'macOS 27 web-based login: pre-authentication, the web sign-in pages, token exchange, key service')
      .option('--totp-secret <base32>', "with --web: the authenticator app's secret, to answer an MFA page")
      .option('--auth-scope <name>', 'with --web: include an authorization scope (login, unlock, elevation, auth-prompt ...)')
      .action(async (o: Common & { user: string; password?: string; keyExchanges: string; web?: boolean; totpSecret?: string; authScope?: string }) => {
        const mac = macFor(o);
        const args = { user: o.user, ...(o.password !== undefined ? { password: o.password } : {}), keyExchanges: Number(o.keyExchanges) || 1 };
        if (o.web) {
          if (o.password === undefined) throw new MacError('usage', 'Web login types the password on the sign-in page: give --password.');
          const w = await mac.webLogin({
            user: o.user, password: o.password, keyExchanges: args.keyExchanges,
            ...(o.totpSecret ? { totpSecret: o.totpSecret } : {}), ...(o.authScope ? { authScope: o.authScope } : {}), event,
          });
          if (o.json) { json(w); code = w.ok ? 0 : 1; return; }
          code = printLogin(out, w);
          return;
        }
        if (o.totpSecret !== undefined || o.authScope !== undefined) throw new MacError('usage', '--totp-secret and --auth-scope go with --web.');
        const r = event === 'login' ? await mac.login(args) : await mac.unlock(args);
        if (o.json) { json(r); code = r.ok ? 0 : 1; return; }
        code = printLogin(out, r);
      });
  }

  common(program.command('refresh').description("renew SSO tokens following Apple's rules"))
    .option('--user <upn>').option('--force', 'renew even if the tokens are fresh').option('--password <password>', 'for a Password-method full login')
    .action(async (o: Common & { user?: string; force?: boolean; password?: string }) => {
      const r = await macFor(o).refresh({ ...(o.user ? { user: o.user } : {}), force: o.force === true, ...(o.password !== undefined ? { password: o.password } : {}) });
      code = r.ok ? 0 : 2;
      if (o.json) return json(r);
      for (const m of r.messages) out(m);
      out(`Path taken: ${r.action === 'none' ? 'none (tokens are fresh)' : r.action === 'deferred' ? 'none yet (waiting for the password)' : r.action.replace('_', ' ')}${r.latencyMs !== undefined ? ` in ${r.latencyMs.toFixed(1)} ms` : ''}.`);
      if (r.tokens) out(`SSO tokens received ${r.tokens.received}, expire ${r.tokens.expiration}.`);
    });

  common(program.command('key-exchange').description('one PSSO 2.0 key exchange, verified against the unlock certificate'))
    .option('--user <upn>').option('--count <n>', 'exchanges to run at once', '1')
    .action(async (o: Common & { user?: string; count: string }) => {
      const r = await macFor(o).keyExchange({ ...(o.user ? { user: o.user } : {}), count: Number(o.count) || 1 });
      if (o.json) return json(r);
      for (const x of r.exchanges) out(`Key exchange for ${r.user}: unlock key verified in ${x.latencyMs.toFixed(1)} ms.`);
    });

  common(program.command('change-password').description('change the local account password (not the identity provider password)'))
    .requiredOption('--user <upn>').requiredOption('--old <password>').requiredOption('--new <password>')
    .action(async (o: Common & { user: string; old: string; new: string }) => {
      const r = await macFor(o).changePassword({ user: o.user, oldPassword: o.old, newPassword: o.new });
      code = r.ok ? 0 : 1;
      if (o.json) return json(r);
      for (const m of r.messages) out(m);
    });

  common(program.command('status').description('state in the layout of `app-sso platform -s`, plus System Settings'))
    .option('--user <upn>')
    .action(async (o: Common & { user?: string }) => {
      const mac = macFor(o);
      // A mistyped --mac must not read as a Mac that is merely not registered yet.
      if (!(await mac.hasState())) {
        throw new MacError('state', `${mac.location} is not a virtual Mac: it holds no device registration, keys or local accounts. Check --mac, or create one with \`openpsso mac register --mac ${o.mac} ...\`.`);
      }
      const r = await mac.status(o.user ? { user: o.user } : {});
      if (o.json) return json(r.json);
      process.stdout.write(r.text);
    });

  common(program.command('browse').description('open a URL as Safari with the SSO extension: signs in to the app with the Mac\'s Platform SSO session, or on the sign-in pages'))
    .argument('<url>', "the app's URL (for example its login start)")
    .option('--user <upn>', 'the Platform SSO user (default: the only one); the name typed on the pages')
    .option('--password <password>', 'typed on the sign-in pages when the identity provider asks for it')
    .option('--totp-secret <base32>', "the authenticator app's secret, to answer a code page")
    .option('--no-sso', 'browse without the SSO extension (no session proof)')
    .option('--authorize-url <url>', "the identity provider's authorize endpoint (default: from its discovery document)")
    .action(async (url: string, o: Common & { user?: string; password?: string; totpSecret?: string; sso?: boolean; authorizeUrl?: string }) => {
      const { browse, printBrowse } = await import('./browse.js');
      const r = await browse(macFor(o), {
        url, sso: o.sso !== false, ...(o.user ? { user: o.user } : {}), ...(o.password !== undefined ? { password: o.password } : {}),
        ...(o.totpSecret ? { totpSecret: o.totpSecret } : {}), ...(o.authorizeUrl ? { authorizeUrl: o.authorizeUrl } : {}),
      });
      code = r.ok ? 0 : 1;
      if (o.json) return json(r);
      for (const l of printBrowse(r)) out(l);
    });

  common(program.command('reset').description('forget the registration; keep local accounts'))
    .action(async (o: Common) => {
      const mac = macFor(o);
      const r = await mac.reset();
      if (o.json) return json(r);
      for (const m of r.messages) out(m);
    });

  try {
    await program.parseAsync(argv, { from: 'user' });
    return code;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode;
    if (e instanceof MacError) {
      process.stderr.write(`${describeError(e)}\n`);
      return 1;
    }
    process.stderr.write(`openpsso mac: ${describeError(e)}\n`);
    return 1;
  }
}

function generationName(v: string): 'wl0' | 'wln' {
  if (v !== 'wl0' && v !== 'wln') throw new MacError('usage', '--generation must be wl0 or wln.');
  return v;
}

function extensionName(v: string): ExtensionName {
  if (!(EXTENSION_NAMES as readonly string[]).includes(v)) throw new MacError('usage', `--extension must be one of ${EXTENSION_NAMES.join(', ')}.`);
  return v as ExtensionName;
}
