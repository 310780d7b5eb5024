// Loads configuration from a JSON file, OPENPSSO_* environment variables and overrides, validates it
// (unknown keys refused) and, for `openpsso config check`, says where each value came from.

import { existsSync } from 'node:fs';
import type { z } from 'zod';
import { configSchema, type Config } from './schema.js';
import { PssoError } from '../errors/psso-error.js';
import type { RequestTimeLimits } from '../protocol/claims.js';
import { readEnvLayer, pathToEnvName } from './env-vars.js';
import { readJsonConfigFile } from './json-file.js';
import { knownKeysAt, shapesOf } from './schema-keys.js';
import { nearestKey } from './nearest-key.js';

function deepMerge(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const prev = out[k];
    out[k] = isPlainObject(v) && isPlainObject(prev) ? deepMerge(prev, v) : v;
  }
  return out;
}

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Dotted paths of the leaves (scalars and arrays) of a layer. */
function leafPaths(v: unknown, prefix: string[] = []): string[][] {
  if (!isPlainObject(v)) return prefix.length ? [prefix] : [];
  return Object.entries(v).flatMap(([k, x]) => leafPaths(x, [...prefix, k]));
}

export interface LoadOptions {
  file?: string | undefined;
  env?: NodeJS.ProcessEnv;
  overrides?: Record<string, unknown>;
  /** Where each override came from, by dotted key ('listen.port' → 'flag --port'); 'override' otherwise. */
  overrideSources?: Record<string, string>;
}

/** Where a setting came from: `default`, `file <path>`, `env <VARIABLE>`, `flag --x`, `override` or `derived`. */
export type ConfigSources = Record<string, string>;

interface Layer { leaves: { path: string[]; source: string }[] }

/** Which layer (highest precedence first) supplied `path`, a key above it, or keys below it. */
function sourcesFor(layers: Layer[], path: readonly PropertyKey[]): { path: string[]; source: string }[] {
  const p = path.map(String);
  for (const layer of layers) {
    const hits = layer.leaves.filter((l) => {
      const n = Math.min(l.path.length, p.length);
      return l.path.slice(0, n).join('.') === p.slice(0, n).join('.');
    });
    if (hits.length) return hits;
  }
  return [];
}

/**
 * Where a refused value came from; for a value that is missing, the layer that gave the object
 * it is missing from (a partial `credentialGuard.perAddress` in the file, say).
 */
function whereFrom(layers: Layer[], merged: Record<string, unknown>, path: readonly PropertyKey[]): string {
  let value: unknown = merged;
  for (const k of path) value = isPlainObject(value) ? value[String(k)] : undefined;
  for (let n = path.length; n > 0; n--) {
    const found = [...new Set(sourcesFor(layers, path.slice(0, n)).map((s) => s.source))];
    if (found.length) return value === undefined ? `missing; ${found.join(', ')}` : found.join(', ');
  }
  return 'default';
}

/** One readable line per problem: the key, zod's message, where the value came from, and a suggestion for unknown keys. */
function describeIssues(issues: z.core.$ZodIssue[], layers: Layer[], merged: Record<string, unknown>): string[] {
  const out: string[] = [];
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys') {
      const known = knownKeysAt(configSchema, issue.path);
      for (const key of issue.keys) {
        const full = [...issue.path.map(String), key];
        const suggestion = nearestKey(key, known);
        const found = sourcesFor(layers, full);
        for (const { path, source } of found.length ? found : [{ path: full, source: 'unknown source' }]) {
          if (source.startsWith('env ')) {
            const meant = suggestion ? [...issue.path.map(String), suggestion, ...path.slice(full.length)] : undefined;
            out.push(`${source.slice(4)}: unknown configuration variable (${full.join('.')} is not a key)${meant ? `; did you mean ${pathToEnvName(meant)}?` : ''}`);
          } else {
            out.push(`${full.join('.')}: unknown key (${source})${suggestion ? `; did you mean ${[...issue.path.map(String), suggestion].join('.')}?` : ''}`);
          }
        }
      }
      continue;
    }
    out.push(`${issue.path.map(String).join('.') || '(root)'}: ${issue.message} (${whereFrom(layers, merged, issue.path)})`);
  }
  return out;
}

/** Every setting of the schema, set or not, as dotted paths (the chosen database kind's keys only). */
function settingPaths(schema: z.ZodType, value: unknown, prefix: string[] = []): string[][] {
  const shapes = shapesOf(schema);
  if (shapes.length === 0) return [prefix];
  const v = isPlainObject(value) ? value : {};
  // A union (database): the option whose literal discriminator matches the value.
  const shape = shapes.find((s) => Object.keys(v).every((k) => k in s)) ?? shapes[0]!;
  return Object.entries(shape).flatMap(([k, child]) => settingPaths(child, v[k], [...prefix, k]));
}

/**
 * Loads the configuration as `loadConfig` does and also says where each setting came from: every
 * setting of the schema (dotted path) mapped to its source. Used by `openpsso config check`.
 */
export function loadConfigWithSources(opts: LoadOptions = {}): { config: Config; sources: ConfigSources } {
  const env = opts.env ?? process.env;
  const file = opts.file ?? env.OPENPSSO_CONFIG ?? (existsSync('openpsso.config.json') ? 'openpsso.config.json' : undefined);
  const fromFile = file ? readJsonConfigFile(file) : {};
  const fromEnv = readEnvLayer(env);
  const overrides = opts.overrides ?? {};
  // Highest precedence first.
  const layers: Layer[] = [
    { leaves: leafPaths(overrides).map((path) => ({ path, source: opts.overrideSources?.[path.join('.')] ?? 'override' })) },
    { leaves: leafPaths(fromEnv.values).map((path) => ({ path, source: `env ${fromEnv.variables.get(path.join('.')) ?? '?'}` })) },
    { leaves: leafPaths(fromFile).map((path) => ({ path, source: `file ${file}` })) },
  ];
  const merged = deepMerge(deepMerge(fromFile, fromEnv.values), overrides);
  const parsed = configSchema.safeParse(merged);
  if (!parsed.success) {
    const issues = describeIssues(parsed.error.issues, layers, merged);
    throw new PssoError('invalid_configuration', issues.join('; '), { issues });
  }
  const cfg = parsed.data;
  const sources: ConfigSources = {};
  for (const path of settingPaths(configSchema, cfg)) sources[path.join('.')] = sourcesFor(layers, path)[0]?.source ?? 'default';
  // Unless configured, the issuer follows the listen address, so `serve --port 9911` stays coherent.
  if ((merged as { issuer?: unknown }).issuer === undefined) {
    const host = cfg.listen.host === '0.0.0.0' || cfg.listen.host === '::' ? '127.0.0.1' : cfg.listen.host;
    cfg.issuer = `http://${host.includes(':') ? `[${host}]` : host}:${cfg.listen.port}`;
    sources.issuer = 'derived';
  }
  cfg.issuer = cfg.issuer.replace(/\/+$/, '');
  return { config: cfg, sources };
}

/**
 * Loads configuration from a JSON file, OPENPSSO_* environment variables and overrides (highest
 * wins) and validates it. Unknown keys are refused with the nearest known key suggested.
 */
export function loadConfig(opts: LoadOptions = {}): Config {
  return loadConfigWithSources(opts).config;
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
    // macOS 27 web-based login (docs/web-login.md).
    webLoginPreauth: `${base}/psso/web-login/preauth`,
    webLoginAuthorize: `${base}/psso/web-login/authorize`,
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
