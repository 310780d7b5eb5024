// Which OPENPSSO_* environment variables are configuration, and how their names map to keys:
// `OPENPSSO_LISTEN__PORT` → listen.port, `OPENPSSO_TOKENS__NONCE_LIFETIME_SECONDS` →
// tokens.nonceLifetimeSeconds (double underscore between levels, SNAKE_CASE to camelCase).

export const ENV_PREFIX = 'OPENPSSO_';

/**
 * OPENPSSO_* variables that are NOT configuration keys: they are read elsewhere (the config file
 * path, the master key, the doctor's client secret) or only by tests and tools. Every other
 * OPENPSSO_* variable is configuration, so a misspelt one is refused rather than ignored. A new
 * non-configuration variable must be added here (or use one of the reserved prefixes) and to
 * docs/configuration.md.
 */
export const NON_CONFIG_VARIABLES: ReadonlySet<string> = new Set([
  'OPENPSSO_CONFIG', 'OPENPSSO_MASTER_KEY', 'OPENPSSO_CLIENT_SECRET', 'OPENPSSO_SCREENSHOT_DIR',
  // The virtual Mac's test attestation root (`mac register --attest`).
  'OPENPSSO_MAC_ATTESTATION_ROOT_KEY', 'OPENPSSO_MAC_ATTESTATION_ROOT_CERT',
]);
/** Prefixes reserved for tests, benchmarks and fuzzing (OPENPSSO_TEST_PG, OPENPSSO_BENCH_OVERRIDES, OPENPSSO_FUZZ_RUNS ...). */
export const NON_CONFIG_PREFIXES: readonly string[] = ['OPENPSSO_TEST_', 'OPENPSSO_BENCH_', 'OPENPSSO_FUZZ_'];

export function isConfigVariable(name: string): boolean {
  return name.startsWith(ENV_PREFIX) && !NON_CONFIG_VARIABLES.has(name) && !NON_CONFIG_PREFIXES.some((p) => name.startsWith(p));
}

export function envNameToPath(name: string): string[] {
  return name.slice(ENV_PREFIX.length).split('__').map((p) => p.toLowerCase().replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase()));
}

export function pathToEnvName(path: readonly string[]): string {
  return ENV_PREFIX + path.map((p) => p.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase()).join('__');
}

/** Strings as given, except true/false and JSON arrays/objects; zod coerces numbers. */
function envValue(raw: string): unknown {
  if (raw === 'true' || raw === 'false') return raw === 'true';
  if (raw.startsWith('[') || raw.startsWith('{')) {
    try { return JSON.parse(raw); } catch { /* keep the string; zod reports it */ }
  }
  return raw;
}

export interface EnvLayer {
  values: Record<string, unknown>;
  /** Dotted key path → the variable that set it. */
  variables: Map<string, string>;
}

export function readEnvLayer(env: NodeJS.ProcessEnv): EnvLayer {
  const values: Record<string, unknown> = {};
  const variables = new Map<string, string>();
  for (const name of Object.keys(env).sort()) {
    const raw = env[name];
    if (raw === undefined || !isConfigVariable(name)) continue;
    const path = envNameToPath(name);
    let cur = values;
    for (const key of path.slice(0, -1)) {
      if (typeof cur[key] !== 'object' || cur[key] === null) cur[key] = {};
      cur = cur[key] as Record<string, unknown>;
    }
    cur[path[path.length - 1]!] = envValue(raw);
    variables.set(path.join('.'), name);
  }
  return { values, variables };
}
