// Inspector checks for device-signed PSSO requests (login, refresh, key), mirroring the server checklist of psso-protocol.md §4.5, §6 and §7 one item at a time.

import type { KeyObject } from 'node:crypto';
import { b64Decode, b64uDecode, canonicaliseKid } from '../protocol/base64.js';
import { DEFAULT_REQUEST_TIME_LIMITS, GRANT_JWT_BEARER, REQUIRED_SCOPES, TYP, checkTimes, scopeList } from '../protocol/claims.js';
import { kidFromX963, publicKeyFromX963, x963FromPublicKey } from '../protocol/ec-keys.js';
import { verifyJwsSignature, type ParsedJws } from '../protocol/jws.js';
import { parseApv } from '../protocol/party-info.js';
import { verifyPssoRequest } from '../protocol/verify-request.js';
import { isoTime, type CheckRecorder, type MessageKind } from './report.js';

export interface RequestInspectContext {
  signingKey?: KeyObject;
  encryptionPublic?: Uint8Array;
  now: number;
  skewSeconds: number;
  clientId?: string;
  audience?: string;
}

/** Claims each kind must carry (beyond iat/exp, which the time check covers). */
function requiredClaims(kind: MessageKind, grant: unknown, legacy: boolean): string[] {
  const common = ['nonce', 'request_nonce', 'jwe_crypto'];
  if (kind === 'key_request' || kind === 'key_exchange_request') {
    return [...common, 'iss', 'username', 'refresh_token', 'key_purpose', ...(kind === 'key_exchange_request' ? ['other_publickey'] : [])];
  }
  const base = [...common, 'client_id', 'aud', 'scope', 'grant_type', ...(legacy ? [] : ['iss'])];
  if (kind === 'refresh_request') return [...base, 'refresh_token'];
  return [...base, 'username', grant === 'password' ? 'password' : 'assertion'];
}

export function inspectRequest(
  p: ParsedJws, kind: MessageKind, ctx: RequestInspectContext, rec: CheckRecorder, fields: Record<string, string>,
): void {
  const c = p.claims;
  const legacy = p.header.typ === undefined || p.header.typ === TYP.legacy;
  const isKey = kind === 'key_request' || kind === 'key_exchange_request';
  rec.run('alg', () => (p.header.alg === 'ES256' ? 'ES256' : `!${String(p.header.alg)}: device requests must be ES256`));
  const kid = typeof p.header.kid === 'string' ? canonicaliseKid(p.header.kid) : null;
  fields.kid = kid ?? `unusable (${String(p.header.kid)})`;
  rec.run('kid', () => (kid ? (kid === p.header.kid ? kid : `${kid} (canonicalised from ${String(p.header.kid)})`) : '!missing or not a base64 SHA-256'));
  if (ctx.signingKey) {
    const keyKid = kidFromX963(x963FromPublicKey(ctx.signingKey));
    rec.run('kid matches signing key', () => (keyKid === kid ? keyKid : `!header kid ${String(kid)} but the key's kid is ${keyKid}`));
    rec.run('signature', () => (verifyJwsSignature(p, ctx.signingKey!, 'ES256') ? 'ES256 verifies' : '!does not verify with the device signing key'));
  } else {
    rec.skip('signature', 'no device signing key given (--signing-key)');
  }
  fields.iat = isoTime(Number(c.iat) || undefined);
  fields.exp = isoTime(Number(c.exp) || undefined);
  rec.run('times', () => {
    const t = checkTimes(c, ctx.now, { ...DEFAULT_REQUEST_TIME_LIMITS, skewSeconds: ctx.skewSeconds }, !legacy);
    return `valid ${isoTime(t.iat)} .. ${isoTime(t.exp)}${c.exp === undefined ? ' (no exp: iat+300 assumed)' : ''} at now=${ctx.now}`;
  });
  const missing = requiredClaims(kind, c.grant_type, legacy).filter((n) => c[n] === undefined || c[n] === '');
  rec.run('required claims', () => (missing.length === 0 ? 'all present' : `!missing ${missing.join(', ')}`));
  if (ctx.clientId !== undefined) {
    const bad = ['iss', 'client_id'].filter((n) => c[n] !== undefined && c[n] !== ctx.clientId);
    rec.run('client', () => (bad.length === 0 ? `iss/client_id = ${ctx.clientId}` : `!${bad.map((n) => `${n}=${String(c[n])}`).join(', ')} (expected ${ctx.clientId})`));
  } else {
    rec.skip('client', `iss=${String(c.iss)} client_id=${String(c.client_id)}; give --client-id to compare`);
  }
  if (isKey) rec.skip('audience', `not checked for key requests (aud ${c.aud === undefined ? 'absent, as on real Macs' : String(c.aud)})`);
  else if (ctx.audience !== undefined) rec.run('audience', () => (c.aud === ctx.audience ? String(c.aud) : `!aud ${String(c.aud)} is not ${ctx.audience}`));
  else rec.skip('audience', `aud=${String(c.aud)}; give --audience (token endpoint URL) to compare`);
  if (!isKey) {
    const scope = scopeList(c.scope);
    const lacking = REQUIRED_SCOPES.filter((s) => !scope.includes(s));
    rec.run('scope', () => (lacking.length === 0 ? scope.join(' ') : `!lacks ${lacking.join(', ')}`));
  }
  inspectApv(c, ctx, rec, fields);
  if (kind === 'key_exchange_request') {
    rec.run('other_publickey', () => {
      const x = b64Decode(String(c.other_publickey));
      publicKeyFromX963(x);
      return `65-byte P-256 point, kid ${kidFromX963(x)}`;
    });
  }
  if (ctx.signingKey && ctx.encryptionPublic && ctx.clientId !== undefined && (isKey || ctx.audience !== undefined)) {
    rec.run('server checklist', () => {
      const v = verifyPssoRequest(p, { signingKey: ctx.signingKey!, encryptionKey: ctx.encryptionPublic! },
        { now: ctx.now, ...DEFAULT_REQUEST_TIME_LIMITS, skewSeconds: ctx.skewSeconds, clientId: ctx.clientId!, audience: ctx.audience ?? '' });
      return `verifyPssoRequest accepts it as ${v.kind} (server nonce not checked here)`;
    });
  } else {
    rec.skip('server checklist', 'needs --signing-key, --encryption-key, --client-id and (for login/refresh) --audience');
  }
}

function inspectApv(c: Record<string, unknown>, ctx: RequestInspectContext, rec: CheckRecorder, fields: Record<string, string>): void {
  const jc = (c.jwe_crypto ?? {}) as Record<string, unknown>;
  rec.run('jwe_crypto', () => (jc.alg === 'ECDH-ES' && jc.enc === 'A256GCM' ? 'ECDH-ES / A256GCM' : `!${String(jc.alg)} / ${String(jc.enc)}`));
  let f: ReturnType<typeof parseApv> | undefined;
  rec.run('apv structure', () => {
    f = parseApv(b64uDecode(String(jc.apv)));
    fields['apv.label'] = f.label;
    fields['apv.key'] = `${f.key.length} bytes, kid ${kidFromX963(f.key)}`;
    fields['apv.nonce'] = f.nonce;
    if (f.label !== 'Apple') return `!label ${f.label}, expected Apple`;
    return f.nonce === c.nonce ? 'Apple || encryption key || nonce claim' : `!apv nonce ${f.nonce} differs from nonce claim ${String(c.nonce)}`;
  });
  if (!f) return;
  if (ctx.encryptionPublic) {
    const want = Buffer.from(ctx.encryptionPublic);
    rec.run('apv key', () => (f!.key.equals(want) ? `device encryption key ${kidFromX963(want)}` : `!apv names ${kidFromX963(f!.key)}, not the given key ${kidFromX963(want)}`));
  } else {
    rec.skip('apv key', 'no device encryption key given (--encryption-key)');
  }
}

/** Which request this is, from typ and claims (typ JWT means the macOS 13 flavour, so claims decide). */
export function classifyRequest(p: ParsedJws): { kind: MessageKind; summary: string } | null {
  const c = p.claims;
  const flavour = p.header.typ === TYP.legacy || p.header.typ === undefined ? 'macOS 13 flavour, typ JWT' : 'macOS 14+';
  if (c.request_type === 'key_request') return { kind: 'key_request', summary: `PSSO 2.0 key_request (${flavour})` };
  if (c.request_type === 'key_exchange') return { kind: 'key_exchange_request', summary: `PSSO 2.0 key_exchange (${flavour})` };
  if (p.header.typ === TYP.keyRequest) return { kind: 'key_request', summary: 'key request with unknown request_type' };
  if (c.grant_type === 'refresh_token' || p.header.typ === TYP.refreshRequest) return { kind: 'refresh_request', summary: `refresh request (${flavour})` };
  if (c.grant_type === 'password') return { kind: 'login_request', summary: `password login request (${flavour})` };
  if (c.grant_type === GRANT_JWT_BEARER) {
    const a = String(c.assertion ?? '');
    const how = a.split('.').length === 5 ? 'encrypted password assertion' : 'embedded assertion (Secure Enclave / smart card)';
    return { kind: 'login_request', summary: `login request with ${how} (${flavour})` };
  }
  if (p.header.typ === TYP.loginRequest || c.jwe_crypto !== undefined) return { kind: 'login_request', summary: 'login request with unknown grant_type' };
  return null;
}
