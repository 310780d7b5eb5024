// The configuration `openpsso serve` runs with: file, environment, then its flags. `config check`
// loads it through the same function, so what it prints is what serve would use.

import { loadConfigWithSources, type ConfigSources } from '../config/load.js';
import type { Config } from '../config/schema.js';
import type { GlobalOptions } from './context-from-options.js';

export interface ServeFlags extends GlobalOptions {
  demo?: boolean;
  port?: string;
  host?: string;
}

export function loadServeConfig(opts: ServeFlags, env: NodeJS.ProcessEnv = process.env): { config: Config; sources: ConfigSources } {
  const overrides: Record<string, unknown> = {};
  const overrideSources: Record<string, string> = {};
  if (opts.dataDir) { overrides.dataDir = opts.dataDir; overrideSources.dataDir = 'flag --data-dir'; }
  if (opts.demo) { overrides.demo = true; overrideSources.demo = 'flag --demo'; }
  if (opts.port || opts.host) {
    overrides.listen = { ...(opts.port ? { port: opts.port } : {}), ...(opts.host ? { host: opts.host } : {}) };
    if (opts.port) overrideSources['listen.port'] = 'flag --port';
    if (opts.host) overrideSources['listen.host'] = 'flag --host';
  }
  return loadConfigWithSources({ file: opts.config, env, overrides, overrideSources });
}
