// Decodes any PSSO message (request, assertion, response, id_token), detects its kind and runs every check the given keys allow (psso-protocol.md §4-§7).

import { createPublicKey, type KeyObject } from 'node:crypto';
import { b64uDecode } from '../protocol/base64.js';
import { TYP } from '../protocol/claims.js';
import { x963FromPublicKey } from '../protocol/ec-keys.js';
import { parseCompactJws, type ParsedJws } from '../protocol/jws.js';
import { parseApv } from '../protocol/party-info.js';
import { classifyRequest, inspectRequest } from './inspect-request.js';
import { inspectAssertion, inspectIdTokenClaims } from './inspect-token.js';
import { inspectEncryptedAssertion, inspectResponse, type JweInspectContext } from './inspect-jwe.js';
import { CheckRecorder, redactClaims, type InspectReport, type MessageKind } from './report.js';

export type { InspectReport, InspectCheck, MessageKind } from './report.js';

export interface InspectKeys {
  deviceSigningPublic?: KeyObject;
  deviceEncryptionPrivate?: KeyObject;
  deviceEncryptionPublic?: Uint8Array;
  serverEncryptionPrivate?: KeyObject;
  userKey?: KeyObject;
}

export interface InspectOptions {
  now: number;
  clientId?: string;
  audience?: string;
  skewSeconds?: number;
  /** The request a response or assertion belongs to: its apv feeds the KDF and its nonces are compared. */
  request?: string;
}

/** Accepts a bare token or a form body (platform_sso_version=…&assertion=…), surrounding whitespace ignored. */
export function extractToken(input: string): string {
  const text = input.trim();
  if (/^[A-Za-z0-9_-]*(\.[A-Za-z0-9_-]*)+$/.test(text)) return text;
  if (text.includes('=')) {
    const form = new URLSearchParams(text);
    const jwt = form.get('assertion') ?? form.get('request');
    if (jwt) return jwt.trim();
  }
  return text.replace(/\s+/g, '');
}

function publicX963(k: KeyObject | undefined): Buffer | undefined {
  return k ? x963FromPublicKey(k.type === 'private' ? createPublicKey(k) : k) : undefined;
}

interface RequestContext { nonce?: string; serverNonce?: string; apv?: Buffer }

function readRequestContext(request: string | undefined): RequestContext {
  if (!request) return {};
  const c = parseCompactJws(extractToken(request)).claims;
  const apv = (c.jwe_crypto as Record<string, unknown> | undefined)?.apv;
  return {
    nonce: typeof c.nonce === 'string' ? c.nonce : undefined,
    serverNonce: typeof c.request_nonce === 'string' ? c.request_nonce : undefined,
    apv: typeof apv === 'string' ? b64uDecode(apv) : undefined,
  };
}

function classifyToken(p: ParsedJws): { kind: MessageKind; summary: string } {
  const request = classifyRequest(p);
  if (request) return request;
  const c = p.claims;
  if (p.header.typ === TYP.loginAssertion || (c.iss !== undefined && c.iss === c.sub && c.request_nonce !== undefined)) {
    return { kind: 'embedded_assertion', summary: `embedded login assertion (${String(p.header.alg)}${p.header.x5c ? ', smart card x5c' : ''})` };
  }
  if (c.aud !== undefined && c.iss !== undefined) return { kind: 'id_token', summary: 'id_token (or another IdP-signed JWT)' };
  return { kind: 'unknown', summary: 'JWS of unknown purpose' };
}

export function inspectMessage(input: string, keys: InspectKeys, opts: InspectOptions): InspectReport {
  const token = extractToken(input);
  const rec = new CheckRecorder();
  const fields: Record<string, string> = {};
  const skewSeconds = opts.skewSeconds ?? 60;
  let req: RequestContext = {};
  if (opts.request) rec.run('request context', () => { req = readRequestContext(opts.request); return `nonce ${String(req.nonce)}`; });
  const tokenCtx = { now: opts.now, skewSeconds, clientId: opts.clientId, audience: opts.audience, requestNonce: req.nonce };
  const segments = token.split('.').length;
  const report: InspectReport = { kind: 'unknown', format: 'unknown', summary: '', fields, checks: rec.checks, problems: [] };

  if (segments === 3) {
    report.format = 'jws';
    let p: ParsedJws | undefined;
    rec.run('decode', () => { p = parseCompactJws(token); return 'three base64url segments of JSON'; });
    if (p) {
      Object.assign(report, classifyToken(p), { header: p.header, headerJson: p.headerJson, claims: redactClaims(p.claims) });
      if (report.kind === 'embedded_assertion') inspectAssertion(token, p, { ...tokenCtx, userKey: keys.userKey ?? keys.deviceSigningPublic }, rec, fields);
      else if (report.kind === 'id_token') inspectIdTokenClaims(p.claims, tokenCtx, rec);
      else if (report.kind !== 'unknown') {
        inspectRequest(p, report.kind, {
          ...tokenCtx, signingKey: keys.deviceSigningPublic,
          encryptionPublic: keys.deviceEncryptionPublic ?? publicX963(keys.deviceEncryptionPrivate),
        }, rec, fields);
      }
    }
  } else if (segments === 5) {
    report.format = 'jwe';
    let header: Record<string, unknown> | undefined;
    rec.run('decode', () => {
      header = JSON.parse(b64uDecode(token.split('.')[0]!).toString('utf8')) as Record<string, unknown>;
      return 'five segments, JSON protected header';
    });
    if (header) {
      report.header = header;
      report.headerJson = b64uDecode(token.split('.')[0]!).toString('utf8');
      let embedded = header.typ === TYP.encryptedLoginAssertion;
      try { embedded ||= parseApv(b64uDecode(String(header.apv))).label === 'APPLEEMBEDDED'; } catch { /* no usable apv */ }
      if (embedded) {
        report.kind = 'encrypted_assertion';
        report.summary = 'encrypted password assertion (JWE to the server key)';
        const ctx: JweInspectContext = { ...tokenCtx, privateKey: keys.serverEncryptionPrivate, recipientPublic: publicX963(keys.serverEncryptionPrivate), requestServerNonce: req.serverNonce };
        report.claims = inspectEncryptedAssertion(token, header, ctx, rec, fields);
      } else {
        const ctx: JweInspectContext = {
          ...tokenCtx, privateKey: keys.deviceEncryptionPrivate, requestApv: req.apv,
          recipientPublic: keys.deviceEncryptionPublic ?? publicX963(keys.deviceEncryptionPrivate),
        };
        report.claims = inspectResponse(token, header, ctx, rec, fields);
        const isKey = header.typ === TYP.keyResponse || report.claims?.certificate !== undefined || report.claims?.key !== undefined;
        report.kind = isKey ? 'key_response' : 'login_response';
        report.summary = `${isKey ? 'key' : 'login'} response (JWE to the device encryption key, typ ${String(header.typ)})`;
      }
    }
  } else {
    rec.add('decode', false, `not a compact JWS (3 segments) or JWE (5 segments): found ${segments}`);
    report.summary = 'unrecognised input';
  }
  report.problems = rec.problems();
  return report;
}
