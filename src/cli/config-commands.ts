// `openpsso config check`: loads the configuration exactly as `serve` would and prints every
// setting with its value and where it came from (default, file, env, flag, derived); secrets masked.

import type { Command } from 'commander';
import { isPssoError } from '../errors/psso-error.js';
import { loadServeConfig, type ServeFlags } from './serve-config.js';
import { deprecationNotes } from '../config/deprecations.js';

const MASK = '********';

/**
 * Names that hold a secret or key material: ending in Secret, Password, Passphrase or Key
 * (`clientSecret`, `masterKey`). Paths to such files (`tls.keyFile`) and settings about them
 * (`passwordConcurrency`) are shown.
 */
const SECRET_NAME = /(secret|password|passphrase|key)$/i;

/** A database URL keeps its user, host and name; its password is masked. */
function maskUrl(value: string): string {
  try {
    const u = new URL(value);
    if (u.password) u.password = MASK;
    return u.toString();
  } catch {
    return MASK;
  }
}

export function maskSetting(path: string, value: unknown): unknown {
  const name = path.split('.').pop() ?? path;
  if (value === undefined) return value;
  if (SECRET_NAME.test(name)) return MASK;
  if (/url$/i.test(name) && typeof value === 'string') return maskUrl(value);
  return value;
}

function valueAt(obj: unknown, path: string): unknown {
  let cur = obj;
  for (const k of path.split('.')) cur = cur && typeof cur === 'object' ? (cur as Record<string, unknown>)[k] : undefined;
  return cur;
}

export interface ConfigCheckOptions extends ServeFlags { json?: boolean }

export function configCheck(opts: ConfigCheckOptions): number {
  let loaded: ReturnType<typeof loadServeConfig>;
  try {
    loaded = loadServeConfig(opts);
  } catch (e) {
    if (!isPssoError(e)) throw e;
    const issues = (e.extra?.issues as string[] | undefined) ?? [e.detail ?? e.message];
    if (opts.json) console.log(JSON.stringify({ valid: false, code: e.code, errors: issues }, null, 2));
    else console.error(`openpsso: ${e.code} ${e.entry.message}\n${issues.map((i) => `  ${i}`).join('\n')}\n  fix: ${e.entry.remediation}`);
    return 1;
  }
  const settings = Object.entries(loaded.sources).map(([key, source]) => ({ key, value: maskSetting(key, valueAt(loaded.config, key)), source }));
  if (opts.json) {
    console.log(JSON.stringify({ valid: true, deprecations: deprecationNotes(loaded.config), settings: settings.map((s) => ({ ...s, value: s.value ?? null })) }, null, 2));
    return 0;
  }
  const show = (v: unknown) => (v === undefined ? '(not set)' : typeof v === 'string' ? v : JSON.stringify(v));
  const keyWidth = Math.max(...settings.map((s) => s.key.length));
  const valueWidth = Math.min(40, Math.max(...settings.map((s) => show(s.value).length)));
  console.log(settings.map((s) => `${s.key.padEnd(keyWidth)}  ${show(s.value).padEnd(valueWidth)}  ${s.source}`).join('\n'));
  for (const note of deprecationNotes(loaded.config)) console.log(`\ndeprecated: ${note}`);
  console.log('\nconfiguration is valid');
  return 0;
}

export function addConfigCommands(program: Command): void {
  const config = program.command('config').description('inspect the configuration');
  config.command('check').description('validate the configuration as `serve` loads it; print every setting, its value and where it came from')
    .option('--port <port>', 'as serve --port').option('--host <host>', 'as serve --host').option('--demo', 'as serve --demo')
    .option('--json', 'machine-readable output')
    .action((o: ConfigCheckOptions, cmd: Command) => { process.exitCode = configCheck({ ...cmd.optsWithGlobals(), ...o }); });
}
