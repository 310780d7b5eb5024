// Inspector checks for JWEs: login/key responses and encrypted password assertions (psso-protocol.md §4.4, §5.1-5.4, §7 "Response"; RFC 7516 §5.1).

import { X509Certificate, type KeyObject } from 'node:crypto';
import { b64uDecode, decodeAnyBase64 } from '../protocol/base64.js';
import { DEFAULT_REQUEST_TIME_LIMITS, TYP, checkTimes } from '../protocol/claims.js';
import { kidFromX963, x963FromJwk } from '../protocol/ec-keys.js';
import { decryptCompactJwe, decryptEmbeddedJwe } from '../protocol/jwe.js';
import { parseCompactJws } from '../protocol/jws.js';
import { parseApu, parseApv } from '../protocol/party-info.js';
import { inspectIdTokenClaims, type TokenInspectContext } from './inspect-token.js';
import { isoTime, redactClaims, type CheckRecorder } from './report.js';

export interface JweInspectContext extends TokenInspectContext {
  privateKey?: KeyObject;
  /** Device encryption key (responses) or server key (encrypted assertions), as X9.63. */
  recipientPublic?: Uint8Array;
  /** apv and server nonce of the request this answers, when known. */
  requestApv?: Buffer;
  requestServerNonce?: string;
}

/** Header, epk/apu and segment sizes: everything that can be checked without a key. */
function inspectEnvelope(jwe: string, header: Record<string, unknown>, rec: CheckRecorder, fields: Record<string, string>, apuLabel: string | null): void {
  const parts = jwe.split('.');
  rec.run('alg/enc', () => (header.alg === 'ECDH-ES' && header.enc === 'A256GCM' ? 'ECDH-ES / A256GCM' : `!${String(header.alg)} / ${String(header.enc)}`));
  rec.run('encrypted key', () => (parts[1] === '' ? 'empty (direct key agreement)' : '!must be empty for ECDH-ES'));
  if (header.kid !== undefined) fields.kid = JSON.stringify(header.kid);
  rec.run('apu = label || epk', () => {
    const epk = x963FromJwk(header.epk as Record<string, unknown>);
    fields['epk kid'] = kidFromX963(epk);
    const apu = parseApu(b64uDecode(String(header.apu)));
    fields['apu.label'] = apu.label;
    if (!apu.key.equals(epk)) return '!apu names another key than epk';
    return apuLabel === null || apu.label === apuLabel ? `${apu.label} || epk` : `!label ${apu.label}, expected ${apuLabel}`;
  });
  rec.run('IV and tag', () => {
    const iv = b64uDecode(parts[2] ?? '').length;
    const tag = b64uDecode(parts[4] ?? '').length;
    if (iv < 12 || tag !== 16) return `!IV ${iv} bytes, tag ${tag} bytes (need IV >= 12, tag 16)`;
    if (/^A+$/.test(parts[2]!)) return `!IV is all zero bytes: never reuse a GCM IV`;
    return `IV ${iv} bytes, tag ${tag} bytes`;
  });
}

export function inspectResponse(jwe: string, header: Record<string, unknown>, ctx: JweInspectContext, rec: CheckRecorder, fields: Record<string, string>): Record<string, unknown> | undefined {
  inspectEnvelope(jwe, header, rec, fields, 'APPLE');
  const headerApv = typeof header.apv === 'string' ? b64uDecode(header.apv) : undefined;
  if (headerApv) {
    rec.run('apv', () => {
      const f = parseApv(headerApv);
      fields['apv.key'] = `kid ${kidFromX963(f.key)}`;
      fields['apv.nonce'] = f.nonce;
      if (f.label !== 'Apple') return `!label ${f.label}, expected Apple`;
      if (ctx.recipientPublic && !f.key.equals(Buffer.from(ctx.recipientPublic))) return '!apv names another device encryption key';
      if (ctx.requestApv && !headerApv.equals(ctx.requestApv)) return '!apv is not the one the request sent';
      return ctx.requestApv ? 'echoes the request apv' : 'Apple || device key || nonce';
    });
  } else {
    rec.skip('apv', 'absent from the header (optional: the device uses its own copy)');
  }
  if (!ctx.privateKey) {
    rec.skip('decrypt', 'no device encryption private key given (--encryption-key)');
    return undefined;
  }
  if (!headerApv && !ctx.requestApv) {
    rec.skip('decrypt', 'the header has no apv: give the request (--request) so its apv can enter the KDF');
    return undefined;
  }
  let payload: Record<string, unknown> | undefined;
  rec.run('decrypt', () => {
    const d = decryptCompactJwe(jwe, ctx.privateKey!, { apv: ctx.requestApv });
    payload = JSON.parse(d.plaintext.toString('utf8')) as Record<string, unknown>;
    return `GCM tag verifies; ${d.plaintext.length} bytes of JSON`;
  });
  if (!payload) return undefined;
  if (typeof payload.id_token === 'string') {
    const idt = parseCompactJws(payload.id_token);
    fields['id_token header'] = JSON.stringify(idt.header);
    fields['id_token claims'] = JSON.stringify(idt.claims);
    inspectIdTokenClaims(idt.claims, ctx, rec);
  }
  if (typeof payload.certificate === 'string') {
    rec.run('certificate', () => `X.509 subject ${new X509Certificate(decodeAnyBase64(payload!.certificate as string)).subject.replace(/\n/g, ', ')}`);
  }
  if (typeof payload.key === 'string') rec.run('key', () => (decodeAnyBase64(payload!.key as string).length === 32 ? '32-byte shared secret' : '!not 32 bytes'));
  return payload;
}

export function inspectEncryptedAssertion(jwe: string, header: Record<string, unknown>, ctx: JweInspectContext, rec: CheckRecorder, fields: Record<string, string>): Record<string, unknown> | undefined {
  rec.run('typ', () => (header.typ === TYP.encryptedLoginAssertion ? String(header.typ) : `!${String(header.typ)}`));
  inspectEnvelope(jwe, header, rec, fields, null);
  rec.run('apv', () => {
    const f = parseApv(b64uDecode(String(header.apv)));
    fields['apv.label'] = f.label;
    fields['apv.key'] = `kid ${kidFromX963(f.key)}`;
    fields['apv.nonce'] = f.nonce;
    if (f.label !== 'APPLEEMBEDDED') return `!label ${f.label}, expected APPLEEMBEDDED`;
    if (header.kid !== undefined && header.kid !== kidFromX963(f.key)) return '!header kid does not name the apv server key';
    if (ctx.recipientPublic && !f.key.equals(Buffer.from(ctx.recipientPublic))) return '!apv names another server key';
    if (ctx.requestServerNonce !== undefined && f.nonce !== ctx.requestServerNonce) return '!apv nonce is not the request_nonce';
    return 'APPLEEMBEDDED || server key || request_nonce';
  });
  if (!ctx.privateKey) {
    rec.skip('decrypt', 'no server encryption private key given (--encryption-key)');
    return undefined;
  }
  let claims: Record<string, unknown> | undefined;
  rec.run('decrypt', () => {
    const text = decryptEmbeddedJwe(jwe, ctx.privateKey!).plaintext.toString('utf8').trim();
    claims = (text.startsWith('{') ? JSON.parse(text) : JSON.parse(b64uDecode(text.split('.')[1] ?? '').toString('utf8'))) as Record<string, unknown>;
    return 'GCM tag verifies';
  });
  if (!claims) return undefined;
  const c = claims;
  rec.run('times', () => { const t = checkTimes(c, ctx.now, { ...DEFAULT_REQUEST_TIME_LIMITS, skewSeconds: ctx.skewSeconds }, true); return `valid ${isoTime(t.iat)} .. ${isoTime(t.exp)}`; });
  rec.run('iss = sub', () => (c.iss !== undefined && c.iss === c.sub ? String(c.sub) : `!iss ${String(c.iss)}, sub ${String(c.sub)}`));
  rec.run('password', () => (typeof c.password === 'string' ? 'present (redacted)' : '!missing'));
  return redactClaims(c);
}
