// The deployment half of `openpsso init`: checks the issuer URL, the TLS files or proxy addresses,
// and builds the configuration file, validated by the same schema `serve` uses.

import { resolve } from 'node:path';
import { configSchema, proxyAddress, type Config } from '../config/schema.js';
import { PssoError } from '../errors/psso-error.js';

const isLoopbackHost = (host: string): boolean =>
  host === 'localhost' || host.endsWith('.localhost') || host === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);

/**
 * https:// always; http:// only with insecureLocal, and then only on this machine (a Mac refuses
 * plain HTTP, so an http issuer anywhere else would only ever serve attackers on the path).
 */
export function checkIssuer(raw: string, insecureLocal: boolean): string {
  let u: URL;
  try { u = new URL(raw.trim()); } catch { throw new PssoError('setup_value_invalid', `--issuer: ${JSON.stringify(raw)} is not a URL`); }
  if (u.search !== '' || u.hash !== '' || u.username !== '' || u.password !== '') {
    throw new PssoError('setup_value_invalid', '--issuer: no query, fragment or credentials in the issuer URL');
  }
  if (u.protocol === 'http:' && insecureLocal && !isLoopbackHost(u.hostname)) {
    throw new PssoError('issuer_not_https', `--insecure-local allows http:// only on localhost or a loopback address, not ${u.hostname}`);
  }
  if (u.protocol !== 'https:' && !(u.protocol === 'http:' && insecureLocal)) throw new PssoError('issuer_not_https', `--issuer ${raw}`);
  return u.href.replace(/\/+$/, '');
}

/** Each proxy is an address or a CIDR, checked by the rule trustProxy itself is checked by. */
export function checkProxies(list: string[]): string[] {
  for (const p of list) {
    const r = proxyAddress.safeParse(p);
    if (!r.success) throw new PssoError('setup_value_invalid', `--proxy: ${r.error.issues[0]?.message ?? `${JSON.stringify(p)} is not an IP address or CIDR`}`);
  }
  return list;
}

export interface DeploymentSettings {
  issuer: string;
  listen: { host: string; port: number };
  dataDir: string;
  database: { kind: 'sqlite' } | { kind: 'postgres'; url: string };
  tls?: { certFile: string; keyFile: string };
  trustProxy?: string[];
}

/** The configuration file's content (paths absolute), and the Config it means. */
export function buildConfigFile(s: DeploymentSettings): { json: Record<string, unknown>; config: Config } {
  const json: Record<string, unknown> = {
    issuer: s.issuer,
    listen: s.listen,
    dataDir: resolve(s.dataDir),
    database: s.database,
    ...(s.tls ? { tls: { certFile: resolve(s.tls.certFile), keyFile: resolve(s.tls.keyFile) } } : {}),
    ...(s.trustProxy ? { trustProxy: s.trustProxy } : {}),
  };
  const parsed = configSchema.safeParse(json);
  if (!parsed.success) {
    throw new PssoError('setup_value_invalid', parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
  }
  return { json, config: parsed.data };
}
