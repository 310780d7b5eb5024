// Runs the CLI as a child process against a data directory, asynchronously, so a server under test
// in this process keeps answering meanwhile.

import { execFile } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** The newest modification time of any file under `dir` (0 when it does not exist). */
function newestMtime(dir: string): number {
  try {
    return Math.max(0, ...readdirSync(dir, { recursive: true }).map((f) => statSync(join(dir, String(f))).mtimeMs));
  } catch {
    return 0;
  }
}

/**
 * Node's arguments to run `openpsso`: the built CLI, as users run it, when dist/ is at least as new
 * as every source file (`npm ci` builds it); otherwise the sources through tsx, so a test never runs
 * stale code. The built CLI starts in about half the time, which the many process tests add up.
 */
export const CLI_ARGS: readonly string[] = (() => {
  let built = 0;
  try { built = statSync('dist/cli/main.js').mtimeMs; } catch { /* not built */ }
  return built > 0 && built >= newestMtime('src') ? ['bin/openpsso.js'] : ['--import', 'tsx', 'src/cli/main.ts'];
})();

export interface CliResult { code: number; out: string; err: string }

export function runCli(dataDir: string, ...args: string[]): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(process.execPath, [...CLI_ARGS, '--data-dir', dataDir, ...args], { timeout: 60_000 },
      (e, out, err) => resolve({ code: e ? Number((e as { code?: number }).code ?? 1) : 0, out, err }));
  });
}

/** As runCli, with extra environment variables (added to this process's). */
export function runCliEnv(env: NodeJS.ProcessEnv, dataDir: string, ...args: string[]): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(process.execPath, [...CLI_ARGS, '--data-dir', dataDir, ...args], { timeout: 60_000, env: { ...process.env, ...env } },
      (e, out, err) => resolve({ code: e ? Number((e as { code?: number }).code ?? 1) : 0, out, err }));
  });
}
