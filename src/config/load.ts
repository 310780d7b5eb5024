// Loads configuration from a JSON file and OPENPSSO_* environment variables, and validates it.

import { readFileSync, existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { configSchema, type Config } from './schema.js';
import { PssoError } from '../errors/psso-error.js';
import type { RequestTimeLimits } from '../protocol/claims.js';

/** Environment variables override the file; nested keys use double underscores. */
const ENV_PREFIX = 'OPENPSSO_';
const ENV_SKIP = new Set(['OPENPSSO_CONFIG', 'OPENPSSO_TEST_PG', 'OPENPSSO_MASTER_KEY']);

function setPath(obj: Record<string, unknown>, path: string[], value: unknown): void {
  let cur = obj;
  for (const key of path.slice(0, -1)) {
    if (typeof cur[key] !== 'object' || cur[key] === null) cur[key] = {};
    cur = cur[key] as Record<string, unknown>;
  }
  cur[path[path.length - 1]!] = value;
}

/** `OPENPSSO_LISTEN__PORT=9901` → listen.port; camelCase from SNAKE (TOKENS__NONCE_LIFETIME_SECONDS). */
function envOverrides(env: NodeJS.ProcessEnv): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, raw] of Object.entries(env)) {
    if (!name.startsWith(ENV_PREFIX) || ENV_SKIP.has(name) || raw === undefined) continue;
    const path = name.slice(ENV_PREFIX.length).split('__').map((p) =>
      p.toLowerCase().replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase()));
    let value: unknown = raw;
    if (raw === 'true' || raw === 'false') value = raw === 'true';
    else if (raw.startsWith('[') || raw.startsWith('{')) {
      try { value = JSON.parse(raw); } catch { /* keep the string; zod reports it */ }
    }
    setPath(out, path, value);
  }
  return out;
}

function deepMerge(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const prev = out[k];
    out[k] = v && typeof v === 'object' && !Array.isArray(v) && prev && typeof prev === 'object' && !Array.isArray(prev)
      ? deepMerge(prev as Record<string, unknown>, v as Record<string, unknown>) : v;
  }
  return out;
}

export interface LoadOptions {
  file?: string | undefined;
  env?: NodeJS.ProcessEnv;
  overrides?: Record<string, unknown>;
}

export function loadConfig(opts: LoadOptions = {}): Config {
  const env = opts.env ?? process.env;
  const file = opts.file ?? env.OPENPSSO_CONFIG ?? (existsSync('openpsso.config.json') ? 'openpsso.config.json' : undefined);
  let fromFile: Record<string, unknown> = {};
  if (file) {
    let text: string;
    try {
      text = readFileSync(resolve(file), 'utf8');
    } catch (e) {
      throw new PssoError('invalid_configuration', `cannot read ${file}: ${(e as Error).message}`);
    }
    try {
      fromFile = JSON.parse(text) as Record<string, unknown>;
    } catch (e) {
      throw new PssoError('invalid_configuration', `${file} is not valid JSON: ${(e as Error).message}`);
    }
  }
  const merged = deepMerge(deepMerge(fromFile, envOverrides(env)), opts.overrides ?? {});
  const parsed = configSchema.safeParse(merged);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new PssoError('invalid_configuration', `\n${lines.join('\n')}`);
  }
  const cfg = parsed.data;
  // Unless configured, the issuer follows the listen address, so `serve --port 9911` stays coherent.
  if ((merged as { issuer?: unknown }).issuer === undefined) {
    const host = cfg.listen.host === '0.0.0.0' || cfg.listen.host === '::' ? '127.0.0.1' : cfg.listen.host;
    cfg.issuer = `http://${host.includes(':') ? `[${host}]` : host}:${cfg.listen.port}`;
  }
  cfg.issuer = cfg.issuer.replace(/\/+$/, '');
  return cfg;
}

/** Endpoint URLs derived from the issuer, as the Mac's login configuration needs them. */
export function endpoints(cfg: Config) {
  const base = cfg.issuer;
  return {
    issuer: base,
    tokenEndpoint: `${base}/psso/token`,
    nonceEndpoint: `${base}/psso/nonce`,
    keyEndpoint: `${base}/psso/token`,
    refreshEndpoint: `${base}/psso/token`,
    jwksUri: `${base}/.well-known/jwks.json`,
    discovery: `${base}/.well-known/openid-configuration`,
    aasa: `${base}/.well-known/apple-app-site-association`,
    deviceRegistration: `${base}/api/v1/devices`,
    signIn: `${base}/signin`,
  };
}

export function assertionAudience(cfg: Config): string {
  return cfg.assertionAudience ?? cfg.clientId;
}

/** The time limits every device request and embedded assertion is checked against. */
export function requestTimeLimits(cfg: Config): RequestTimeLimits {
  const t = cfg.tokens;
  return { skewSeconds: t.clockSkewSeconds, maxAgeSeconds: t.maxRequestAgeSeconds, maxLifetimeSeconds: t.maxRequestLifetimeSeconds };
}
