// One HTTP(S) request as a Mac makes it for `doctor --mac-ready`: no redirects followed, trust only
// in the bundled public roots (never NODE_EXTRA_CA_CERTS or user-installed roots) unless a test CA
// is given, and the peer certificate kept so its lifetime and EKU can be checked (psso-protocol §2.2).

import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { rootCertificates, type TLSSocket } from 'node:tls';
import type { X509Certificate } from 'node:crypto';

export interface Fetched {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  /** HTTPS only: the server's leaf certificate and whether its chain and name verified. */
  readonly tls?: { readonly cert?: X509Certificate; readonly authorized: boolean; readonly error?: string };
}

export interface RequestOptions {
  readonly method?: 'GET' | 'POST';
  readonly headers?: Record<string, string>;
  readonly body?: string;
  /** PEM of a test CA to trust instead of the public roots. */
  readonly ca?: string;
  readonly timeoutMs?: number;
}

const MAX_BODY = 1 << 20;

export function fetchAsMac(url: string, o: RequestOptions = {}): Promise<Fetched> {
  const u = new URL(url);
  const https = u.protocol === 'https:';
  return new Promise((resolve, reject) => {
    const req = (https ? httpsRequest : httpRequest)(u, {
      method: o.method ?? 'GET',
      headers: { 'user-agent': 'openpsso-doctor/mac-ready', accept: 'application/json', ...o.headers, ...(o.body !== undefined ? { 'content-length': String(Buffer.byteLength(o.body)) } : {}) },
      agent: false,
      timeout: o.timeoutMs ?? 10_000,
      // The chain is judged below (authorized), so every path can still be checked on a bad certificate.
      ...(https ? { ca: o.ca ?? [...rootCertificates], rejectUnauthorized: false } : {}),
    }, (res) => {
      // Read the certificate now: once the body ends the socket may be gone.
      const sock = res.socket as TLSSocket;
      const tls = https ? { cert: sock.getPeerX509Certificate?.(), authorized: sock.authorized === true, ...(sock.authorizationError ? { error: String(sock.authorizationError) } : {}) } : undefined;
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => { size += c.length; if (size <= MAX_BODY) chunks.push(c); });
      res.on('end', () => {
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8'), ...(tls ? { tls } : {}) });
      });
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${(o.timeoutMs ?? 10_000) / 1000} s`)));
    req.on('error', reject);
    if (o.body !== undefined) req.write(o.body);
    req.end();
  });
}

export function jsonOf(f: Fetched): unknown {
  try { return JSON.parse(f.body); } catch { return undefined; }
}

export const contentType = (f: Fetched) => String(f.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
