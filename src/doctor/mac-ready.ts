// `openpsso doctor --mac-ready URL`: checks a running instance from outside, as a Mac would
// (psso-protocol.md §2: AASA and TLS; extensions.md §5): HTTPS with a publicly trusted chain, a leaf
// of at most 398 days with serverAuth, the AASA at its exact path listing the extension's app id,
// then each dialect's JWKS, nonce and paths. Every check prints ok or FAIL with its fix.

import { readFileSync } from 'node:fs';
import { contentType, fetchAsMac, jsonOf, type Fetched, type RequestOptions } from './mac-ready-http.js';
import { DIALECT_PROBES, nativeProbes, type DialectName, type DialectProbes } from './mac-ready-paths.js';
import { checkDialect } from './mac-ready-dialect.js';
import { EXTENSIONS, extensionById, type ExtensionName } from '../profile/extensions.js';

export interface MacReadyCheck {
  readonly id: string;
  readonly status: 'ok' | 'fail' | 'warn';
  readonly detail: string;
  readonly fix?: string;
}

export interface MacReadyOptions {
  /** The instance's issuer URL, e.g. https://sso.example.com. */
  readonly url: string;
  /** The extension the Macs run; default: every dialect whose app id the AASA lists, and native. */
  readonly extension?: DialectName;
  readonly teamId?: string;
  /** The dialect's base path when not the default (extensions.<name>.basePath). */
  readonly basePath?: string;
  /** A test CA (PEM file) to trust instead of the public roots; a real Mac does not trust it. */
  readonly caFile?: string;
  readonly json?: boolean;
  readonly out?: (text: string) => void;
  readonly timeoutMs?: number;
}

const SERVER_AUTH = '1.3.6.1.5.5.7.3.1';
const MAX_DAYS = 398;

export async function runMacReady(o: MacReadyOptions): Promise<{ exitCode: number; checks: MacReadyCheck[] }> {
  const print = o.out ?? ((t: string) => console.log(t));
  const checks: MacReadyCheck[] = [];
  const add = (c: MacReadyCheck) => checks.push(c);
  const issuer = o.url.replace(/\/+$/, '');
  const origin = new URL(issuer).origin;
  const http: RequestOptions = { ...(o.caFile ? { ca: readFileSync(o.caFile, 'utf8') } : {}), ...(o.timeoutMs ? { timeoutMs: o.timeoutMs } : {}) };
  const https = issuer.startsWith('https://');
  add(https ? { id: 'https', status: 'ok', detail: `${issuer} is HTTPS.` }
    : { id: 'https', status: 'fail', detail: `${issuer} is not HTTPS: macOS talks to the identity provider and fetches the AASA over HTTPS only. The other checks run over HTTP anyway.`, fix: 'Serve OpenPSSO over HTTPS (tls.certFile/keyFile, or a reverse proxy; docs/deploy.md) and check its https:// URL.' });

  let discovery: Record<string, unknown> = {};
  let first: Fetched;
  try {
    first = await fetchAsMac(`${issuer}/.well-known/openid-configuration`, http);
    discovery = (jsonOf(first) as Record<string, unknown> | undefined) ?? {};
  } catch (e) {
    add({ id: 'reach', status: 'fail', detail: `${issuer} cannot be reached: ${(e as Error).message}.`, fix: 'Check the URL, DNS, the firewall and that the server is running.' });
    return finish(checks, o, print);
  }
  if (first.tls) tlsChecks(first, o, add);

  const apps = await aasaCheck(origin, http, o, add);
  const dialects: DialectProbes[] = [];
  if (o.extension === 'native' || o.extension === undefined) dialects.push(nativeProbes(discovery, issuer));
  if (o.extension && o.extension !== 'native') dialects.push(DIALECT_PROBES[o.extension]);
  if (o.extension === undefined) {
    const listed = new Set(apps.map((a) => extensionById(a.replace(/^[A-Z0-9]{10}\./, ''))?.name).filter((n): n is ExtensionName => n !== undefined));
    for (const n of listed) dialects.push(DIALECT_PROBES[n]);
  }
  for (const d of dialects) {
    const basePath = d.name === 'native' ? '' : (o.extension === d.name && o.basePath !== undefined ? o.basePath : EXTENSIONS[d.name].defaultBasePath);
    const hint = d.name === 'native' ? 'is this an OpenPSSO server?' : `is extensions.${d.name}.enabled set, and is its basePath ${basePath || '/'}? (--base-path if not)`;
    checks.push(...await checkDialect(d, `${issuer}${basePath.replace(/\/+$/, '')}/`, http, hint));
  }
  return finish(checks, o, print);
}

function tlsChecks(f: Fetched, o: MacReadyOptions, add: (c: MacReadyCheck) => void): void {
  const t = f.tls!;
  if (!t.authorized) {
    add({ id: 'tls-trust', status: 'fail', detail: `The certificate chain is not trusted${o.caFile ? ' even with the test CA' : ' by the public roots a Mac ships with'}: ${t.error ?? 'unknown reason'}.`,
      fix: 'Use a certificate from a publicly trusted CA (e.g. Let\'s Encrypt) for this host name, and serve the intermediates too. Apple\'s CDN fetches the AASA and trusts no private or user-installed root.' });
  } else {
    add(o.caFile
      ? { id: 'tls-trust', status: 'warn', detail: `The chain verifies against the test CA ${o.caFile}. A test CA is not trusted by a real Mac or by Apple's CDN.`, fix: 'For real Macs use a publicly trusted certificate and run the check without --ca-file.' }
      : { id: 'tls-trust', status: 'ok', detail: 'The chain verifies against the public roots (no user-installed roots used) and names this host.' });
  }
  const c = t.cert;
  if (!c) return;
  const from = new Date(c.validFrom).getTime();
  const to = new Date(c.validTo).getTime();
  const days = Math.round((to - from) / 86_400_000);
  const now = Date.now();
  const live = now >= from && now <= to;
  add(live && days <= MAX_DAYS
    ? { id: 'tls-lifetime', status: 'ok', detail: `The leaf certificate is valid for ${days} days (at most ${MAX_DAYS}), until ${c.validTo}.` }
    : { id: 'tls-lifetime', status: 'fail', detail: live ? `The leaf certificate is valid for ${days} days; macOS refuses a TLS leaf valid for more than ${MAX_DAYS} days, even under a trusted CA.` : `The leaf certificate is not valid now (${c.validFrom} to ${c.validTo}).`,
      fix: `Issue a certificate valid for at most ${MAX_DAYS} days (public CAs do) and renew it before it expires.` });
  const ekus = c.keyUsage ?? [];
  add(ekus.includes(SERVER_AUTH)
    ? { id: 'tls-eku', status: 'ok', detail: 'The leaf certificate has the serverAuth extended key usage.' }
    : { id: 'tls-eku', status: 'fail', detail: `The leaf certificate lacks the serverAuth extended key usage${ekus.length ? ` (it has ${ekus.join(', ')})` : ''}; macOS refuses it for TLS.`, fix: 'Issue the certificate with extendedKeyUsage serverAuth.' });
}

async function aasaCheck(origin: string, http: RequestOptions, o: MacReadyOptions, add: (c: MacReadyCheck) => void): Promise<string[]> {
  const url = `${origin}/.well-known/apple-app-site-association`;
  let f: Fetched;
  try {
    f = await fetchAsMac(url, http);
  } catch (e) {
    add({ id: 'aasa', status: 'fail', detail: `GET ${url}: ${(e as Error).message}.`, fix: 'Serve the AASA at the host root.' });
    return [];
  }
  const fixPath = 'Serve it at exactly this path on the host, with no redirect (Apple\'s CDN does not follow one), from OpenPSSO or the reverse proxy in front of it.';
  if (f.status >= 300 && f.status < 400) { add({ id: 'aasa', status: 'fail', detail: `GET ${url} redirects (${f.status} to ${String(f.headers.location ?? '?')}).`, fix: fixPath }); return []; }
  if (f.status !== 200) { add({ id: 'aasa', status: 'fail', detail: `GET ${url}: ${f.status}.`, fix: fixPath }); return []; }
  if (contentType(f) !== 'application/json') add({ id: 'aasa-type', status: 'fail', detail: `The AASA is served as "${contentType(f) || 'no content type'}", not application/json.`, fix: 'Serve it with Content-Type: application/json.' });
  const apps = (jsonOf(f) as { authsrv?: { apps?: unknown } } | undefined)?.authsrv?.apps;
  if (!Array.isArray(apps)) { add({ id: 'aasa', status: 'fail', detail: 'The AASA has no authsrv.apps array.', fix: 'List your extension\'s TEAMID.bundle-id under authsrv.apps (aasa.authsrvApps, or enable its dialect).' }); return []; }
  const list = apps.filter((a): a is string => typeof a === 'string');
  const ext = o.extension && o.extension !== 'native' ? EXTENSIONS[o.extension] : undefined;
  const team = o.teamId ?? ext?.teamIdentifier;
  if (ext) {
    const want = team ? `${team}.${ext.extensionIdentifier}` : undefined;
    const ok = want ? list.includes(want) : list.some((a) => a.endsWith(`.${ext.extensionIdentifier}`));
    add(ok ? { id: 'aasa', status: 'ok', detail: `The AASA (200 application/json, no redirect) lists ${want ?? list.find((a) => a.endsWith(`.${ext.extensionIdentifier}`))} under authsrv.` }
      : { id: 'aasa', status: 'fail', detail: `The AASA lists ${list.length ? list.join(', ') : 'no apps'} under authsrv, not ${want ?? `<your team>.${ext.extensionIdentifier}`}; macOS will not hand this host to the extension.`,
        fix: ext.teamIdentifier && team === ext.teamIdentifier ? `Set extensions.${ext.name}.enabled (the AASA then lists it), or add ${want} to aasa.authsrvApps.` : `Add ${want ?? `<your team>.${ext.extensionIdentifier}`} and ${team ?? '<your team>'}.${ext.hostAppIdentifier} to aasa.authsrvApps.` });
  } else if (o.extension === 'native' && o.teamId) {
    const ok = list.some((a) => a.startsWith(`${o.teamId}.`));
    add(ok ? { id: 'aasa', status: 'ok', detail: `The AASA lists ${list.filter((a) => a.startsWith(`${o.teamId}.`)).join(', ')} under authsrv.` }
      : { id: 'aasa', status: 'fail', detail: `The AASA lists no app of team ${o.teamId} under authsrv.`, fix: 'Add your extension\'s TEAMID.bundle-id to aasa.authsrvApps.' });
  } else {
    add(list.length > 0 ? { id: 'aasa', status: 'ok', detail: `The AASA (200, no redirect) lists ${list.join(', ')} under authsrv.` }
      : { id: 'aasa', status: 'fail', detail: 'The AASA lists no app under authsrv, so no SSO extension can use this host.', fix: 'Enable an extension dialect (extensions.fleet.enabled, ...) or list your extension in aasa.authsrvApps; see docs/real-macs.md.' });
  }
  return list;
}

function finish(checks: MacReadyCheck[], o: MacReadyOptions, print: (t: string) => void): { exitCode: number; checks: MacReadyCheck[] } {
  const failed = checks.filter((c) => c.status === 'fail').length;
  if (o.json) {
    print(JSON.stringify({ url: o.url, ok: failed === 0, checks }, null, 2));
  } else {
    const lines = [`Mac readiness of ${o.url}${o.caFile ? ` (test CA ${o.caFile}: not trusted by a real Mac)` : ''}`, ''];
    for (const c of checks) {
      lines.push(`  ${c.status === 'ok' ? 'ok  ' : c.status === 'warn' ? 'warn' : 'FAIL'}  ${c.id.padEnd(22)} ${c.detail}`);
      if (c.fix) lines.push(`        fix: ${c.fix}`);
    }
    lines.push('', failed === 0 ? 'No failures.' : `${failed} check(s) failed.`);
    print(lines.join('\n'));
  }
  return { exitCode: failed === 0 ? 0 : 1, checks };
}
