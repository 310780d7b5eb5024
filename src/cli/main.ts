// The `openpsso` command line: server, admin commands, virtual Mac, inspect, profiles.

import { Command, CommanderError } from 'commander';
import { serve } from './serve.js';
import { addAdminCommands } from './admin-commands.js';
import { addAccessCommands } from './access-commands.js';
import { addConfigCommands } from './config-commands.js';
import { addBackupCommands } from './backup-commands.js';
import { explainError } from './explain-error.js';
import { isPssoError } from '../errors/psso-error.js';

/** Sub-programs with their own option parsing get the raw arguments after their name. */
type Runner = (argv: string[]) => Promise<number>;
const passthrough = (program: Command, name: string, description: string, load: () => Promise<Runner>) => {
  program.command(name).description(description).allowUnknownOption().helpOption(false).argument('[args...]')
    .action(async (_args: string[], _o: unknown, cmd: Command) => {
      const code = await (await load())(cmd.args);
      if (code !== 0) process.exitCode = code;
    });
};

export async function main(argv: string[]): Promise<void> {
  const program = new Command('openpsso')
    .description('Open-source identity provider for macOS Platform Single Sign-On')
    .option('-c, --config <file>', 'configuration file (JSON); default openpsso.config.json or $OPENPSSO_CONFIG')
    .option('--data-dir <dir>', 'data directory (database, master key)')
    .exitOverride();

  program.command('serve').description('run the identity provider').option('--demo', 'create the demo organisation on first start')
    .option('--port <port>').option('--host <host>')
    .action(async (o: { demo?: boolean; port?: string; host?: string }, cmd: Command) => serve({ ...cmd.optsWithGlobals(), ...o }));
  (await import('./init-command.js')).addInitCommand(program);
  (await import('./org-commands.js')).addOrgCommands(program);
  addAdminCommands(program);
  // After the admin commands: `keys rotate-master` joins their `keys` command.
  addBackupCommands(program);
  (await import('./mfa-commands.js')).addMfaCommands(program);
  (await import('./app-commands.js')).addAppCommands(program);
  // After the mfa commands: `mfa state` joins their `mfa` command instead of creating a second one.
  addAccessCommands(program);
  addConfigCommands(program);
  program.command('explain <code>').description('explain an error code (OPSSO1108, 1108, nonce_replayed or an AADSTS number)')
    .action((code: string) => { process.exitCode = explainError(code); });

  passthrough(program, 'inspect', 'decode and verify any PSSO message', async () => (await import('../inspect/run-inspect.js')).runInspect);
  passthrough(program, 'mac', 'a virtual Mac (register, login, refresh, key-exchange, status ...)', async () => (await import('../mac/run-mac.js')).runMac);
  const profile = program.command('profile').description('generate, lint and explain Platform SSO configuration profiles');
  passthrough(profile, 'generate', 'write a .mobileconfig', async () => (await import('../profile/cli.js')).runProfileGenerate);
  passthrough(profile, 'lint', 'check profiles', async () => (await import('../profile/cli.js')).runProfileLint);
  passthrough(profile, 'explain', 'explain a profile key', async () => (await import('../profile/cli.js')).runProfileExplain);
  passthrough(program, 'bench', 'benchmark the server with concurrent virtual Macs', async () => (await import('../bench/run-bench.js')).runBench);

  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError) {
      process.exitCode = e.exitCode;
      return;
    }
    if (isPssoError(e)) {
      console.error(`openpsso: ${e.code} ${e.message}\n  fix: ${e.entry.remediation}`);
      process.exitCode = 1;
      return;
    }
    throw e;
  }
}

await main(process.argv.slice(2));
