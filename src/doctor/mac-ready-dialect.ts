// The per-dialect checks of `doctor --mac-ready`: the JWKS (with Fleet's enc key), the nonce endpoint
// and its reply key, and harmless probes of the other paths (extensions.md §2.3, §3.3, §4.4).

import { randomUUID } from 'node:crypto';
import { contentType, fetchAsMac, jsonOf, type RequestOptions } from './mac-ready-http.js';
import type { DialectProbes } from './mac-ready-paths.js';
import type { MacReadyCheck } from './mac-ready.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const b64urlLen = (s: unknown) => (typeof s === 'string' && /^[A-Za-z0-9_-]+$/.test(s) ? Buffer.from(s, 'base64url').length : -1);

type Key = Record<string, unknown>;

export async function checkDialect(d: DialectProbes, base: string, http: RequestOptions, enabledHint: string): Promise<MacReadyCheck[]> {
  const out: MacReadyCheck[] = [];
  const at = (p: string) => `${base}${p}`;
  const add = (id: string, ok: boolean, detail: string, fix: string) => out.push({ id: `${d.name}:${id}`, status: ok ? 'ok' : 'fail', detail, ...(ok ? {} : { fix }) });
  const missing = (url: string, status: number) => (status === 404 ? ` ${url} answers 404: ${enabledHint}` : '');

  // JWKS: the OS verifies the id_token with it; Fleet's extension also needs the enc key.
  try {
    const r = await fetchAsMac(at(d.jwks), http);
    const keys = (jsonOf(r) as { keys?: unknown } | undefined)?.keys;
    if (r.status !== 200 || !Array.isArray(keys)) {
      add('jwks', false, `GET ${at(d.jwks)}: ${r.status}${Array.isArray(keys) ? '' : ', no "keys" array'}.${missing(at(d.jwks), r.status)}`, 'Serve the JWKS at this path (200, application/jwk-set+json or application/json).');
    } else {
      const ks = keys as Key[];
      const sig = ks.some((k) => k.kty === 'EC' && k.crv === 'P-256' && k.use !== 'enc');
      add('jwks', sig, sig ? `GET ${at(d.jwks)}: ${ks.length} key(s), with an ES256 signing key.` : `GET ${at(d.jwks)}: no EC P-256 signing key, so macOS cannot verify the id_token.`, 'Publish the ES256 signing key (openpsso keys list).');
      if (d.needsEncKey) {
        const enc = ks.find((k) => k.kty === 'EC' && k.crv === 'P-256' && k.use === 'enc');
        const good = enc !== undefined && b64urlLen(enc.x) === 32 && b64urlLen(enc.y) === 32;
        add('jwks-enc', good, good ? 'The JWKS has an EC P-256 "use":"enc" key with 32-byte x and y.'
          : enc ? `The "use":"enc" key's x/y decode to ${b64urlLen(enc.x)}/${b64urlLen(enc.y)} bytes, not 32/32; the extension refuses it.` : 'No EC P-256 key with "use":"enc": the extension cannot encrypt the password and registration fails.',
        'Keep an EC P-256 encryption key in the JWKS (openpsso keys rotate --use enc), with x and y as unpadded base64url of exactly 32 bytes.');
      }
    }
  } catch (e) {
    add('jwks', false, `GET ${at(d.jwks)}: ${(e as Error).message}.`, 'Check that the server answers on this URL.');
  }

  // Nonce: macOS posts srv_challenge with a client-request-id and reads the reply key.
  try {
    const r = await fetchAsMac(at(d.nonce), { ...http, method: 'POST', body: 'grant_type=srv_challenge', headers: { 'content-type': 'application/x-www-form-urlencoded', 'client-request-id': randomUUID().toUpperCase() } });
    const v = (jsonOf(r) as Key | undefined)?.[d.nonceKey];
    const good = r.status === 200 && contentType(r) === 'application/json' && typeof v === 'string' && v !== '' && (!d.nonceIsUuid || UUID.test(v));
    add('nonce', good, good ? `POST ${at(d.nonce)}: 200 JSON with "${d.nonceKey}"${d.nonceIsUuid ? ' (a UUID)' : ''}.`
      : `POST ${at(d.nonce)}: ${r.status} ${contentType(r) || 'no content type'}${typeof v === 'string' ? `, "${d.nonceKey}": "${v.slice(0, 40)}"${d.nonceIsUuid && !UUID.test(v) ? ' is not a UUID' : ''}` : `, no "${d.nonceKey}" key`}.${missing(at(d.nonce), r.status)}`,
    `Answer grant_type=srv_challenge with 200 application/json {"${d.nonceKey}": ${d.nonceIsUuid ? '"<uuid>"' : '"<nonce>"'}}.`);
  } catch (e) {
    add('nonce', false, `POST ${at(d.nonce)}: ${(e as Error).message}.`, 'Check that the server answers on this URL.');
  }

  // JWKS and nonce both missing: the dialect is not served here at all; one finding says so.
  if (out.length >= 2 && out.every((c) => c.status === 'fail' && / answers 404: /.test(c.detail))) {
    return [{ id: `${d.name}:served`, status: 'fail', detail: `${d.title} is not served under ${base}: its JWKS and nonce paths answer 404.`, fix: enabledHint.replace(/^is /, 'Check: is ') }];
  }

  // Other paths: an empty request must reach the handler and be refused (4xx), not miss the route.
  for (const p of d.probes) {
    const url = at(p.path);
    try {
      const r = await fetchAsMac(url, {
        ...http, method: p.method,
        ...(p.body === 'form' ? { body: '', headers: { 'content-type': 'application/x-www-form-urlencoded' } } : p.body === 'json' ? { body: '{}', headers: { 'content-type': 'application/json' } } : {}),
      });
      const routed = r.status !== 404 && r.status < 500 && r.status >= 200;
      const refused = p.method === 'GET' || (r.status >= 400 && r.status < 500);
      const json = !p.json || contentType(r) === 'application/json';
      const good = routed && refused && json;
      add(`probe ${p.path}`, good, `${p.method} ${url} (${p.what}, empty request): ${r.status} ${contentType(r) || 'no content type'}.${missing(url, r.status)}${!json && routed ? ' The extension expects JSON.' : ''}${routed && !refused ? ' An empty request should be refused.' : ''}`,
        r.status >= 500 ? 'A 5xx on bad input is a server bug: look at the server log for this request.' : `Serve the ${p.what} at this path; it must refuse an empty request with a 4xx JSON error.`);
    } catch (e) {
      add(`probe ${p.path}`, false, `${p.method} ${url}: ${(e as Error).message}.`, 'Check that the server answers on this URL.');
    }
  }
  return out;
}
