// Runs the CLI from source (tsx) as a child process against a data directory, asynchronously, so a
// server under test in this process keeps answering meanwhile.

import { execFile } from 'node:child_process';

export interface CliResult { code: number; out: string; err: string }

export function runCli(dataDir: string, ...args: string[]): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', '--data-dir', dataDir, ...args], { timeout: 60_000 },
      (e, out, err) => resolve({ code: e ? Number((e as { code?: number }).code ?? 1) : 0, out, err }));
  });
}

/** As runCli, with extra environment variables (added to this process's). */
export function runCliEnv(env: NodeJS.ProcessEnv, dataDir: string, ...args: string[]): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', '--data-dir', dataDir, ...args], { timeout: 60_000, env: { ...process.env, ...env } },
      (e, out, err) => resolve({ code: e ? Number((e as { code?: number }).code ?? 1) : 0, out, err }));
  });
}
