// Opens the application context the way every admin command does: config file, env, data dir.

import { loadConfig } from '../config/load.js';
import { createAppContext } from '../app/bootstrap.js';
import type { AppContext } from '../app/context.js';
import type { Config } from '../config/schema.js';

export interface GlobalOptions {
  config?: string;
  dataDir?: string;
}

export function configFrom(opts: GlobalOptions, overrides: Record<string, unknown> = {}): Config {
  return loadConfig({ file: opts.config, overrides: { ...(opts.dataDir ? { dataDir: opts.dataDir } : {}), ...overrides } });
}

export async function withContext<T>(opts: GlobalOptions, fn: (ctx: AppContext) => Promise<T>): Promise<T> {
  const ctx = await createAppContext(configFrom(opts));
  try {
    return await fn(ctx);
  } finally {
    await ctx.store.close();
  }
}
