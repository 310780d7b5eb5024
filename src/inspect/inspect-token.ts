// Inspector checks for embedded login assertions and id_tokens (Apple "Creating an embedded assertion", "Processing the JWE login response"; psso-protocol.md §4.4, §5.4).

import { X509Certificate, type KeyObject } from 'node:crypto';
import { DEFAULT_REQUEST_TIME_LIMITS, TYP, checkTimes, numericDate } from '../protocol/claims.js';
import { verifyJwsSignature, type JwsAlg, type ParsedJws } from '../protocol/jws.js';
import { assertionKid } from '../protocol/verify-assertion.js';
import { isoTime, type CheckRecorder } from './report.js';

const ASSERTION_ALGS: JwsAlg[] = ['ES256', 'ES384', 'RS256', 'RS384', 'RS512'];

export interface TokenInspectContext {
  userKey?: KeyObject;
  now: number;
  skewSeconds: number;
  clientId?: string;
  audience?: string;
  /** The device nonce of the request this token answers, when known. */
  requestNonce?: string;
}

export function inspectAssertion(token: string, p: ParsedJws, ctx: TokenInspectContext, rec: CheckRecorder, fields: Record<string, string>): void {
  const typ = p.header.typ ?? TYP.legacy;
  rec.run('typ', () => (typ === TYP.loginAssertion || typ === TYP.legacy ? String(typ) : `!${String(typ)}`));
  const alg = p.header.alg as JwsAlg;
  rec.run('alg', () => (ASSERTION_ALGS.includes(alg) ? alg : `!${String(alg)} is not an assertion algorithm`));
  const info = assertionKid(token);
  fields.kid = info.kid ?? 'absent';
  if (info.x5c.length) fields.x5c = `${info.x5c.length} certificate(s)`;
  let key = ctx.userKey;
  let keyName = 'the given user key';
  if (!key && info.x5c[0]) {
    const leaf = new X509Certificate(info.x5c[0]);
    fields['x5c[0].subject'] = leaf.subject.replace(/\n/g, ', ');
    key = leaf.publicKey;
    keyName = 'the x5c leaf certificate (chain trust not checked)';
  }
  if (key) rec.run('signature', () => (verifyJwsSignature(p, key!, alg) ? `${alg} verifies with ${keyName}` : `!does not verify with ${keyName}`));
  else rec.skip('signature', 'no user key given (--signing-key)');
  const c = p.claims;
  rec.run('times', () => {
    const t = checkTimes(c, ctx.now, { ...DEFAULT_REQUEST_TIME_LIMITS, skewSeconds: ctx.skewSeconds }, typ !== TYP.legacy);
    return `valid ${isoTime(t.iat)} .. ${isoTime(t.exp)}`;
  });
  rec.run('iss = sub', () => (c.iss !== undefined && c.iss === c.sub ? String(c.sub) : `!iss ${String(c.iss)}, sub ${String(c.sub)}`));
  const missing = ['nonce', 'request_nonce', 'scope', 'aud'].filter((n) => c[n] === undefined);
  rec.run('required claims', () => (missing.length === 0 ? 'all present' : `!missing ${missing.join(', ')}`));
  if (ctx.audience !== undefined) rec.run('audience', () => (c.aud === ctx.audience ? String(c.aud) : `!aud ${String(c.aud)} is not ${ctx.audience}`));
  else rec.skip('audience', `aud=${String(c.aud)}; give --audience (the configured assertion audience) to compare`);
}

/** The device's own id_token checks: nonce, aud, and a sane, current lifetime. */
export function inspectIdTokenClaims(c: Record<string, unknown>, ctx: TokenInspectContext, rec: CheckRecorder, prefix = 'id_token'): void {
  const iat = numericDate(c.iat);
  const exp = numericDate(c.exp);
  const nbf = numericDate(c.nbf);
  rec.run(`${prefix} times`, () => {
    if (iat === undefined || exp === undefined) return '!iat and exp are required';
    if (exp <= iat) return `!exp ${isoTime(exp)} is not after iat ${isoTime(iat)}`;
    if (iat > ctx.now + ctx.skewSeconds) return `!iat ${isoTime(iat)} is in the future`;
    if (exp <= ctx.now - ctx.skewSeconds) return `!expired at ${isoTime(exp)}`;
    if (nbf !== undefined && nbf > ctx.now + ctx.skewSeconds) return `!nbf ${isoTime(nbf)} is in the future`;
    return `valid ${isoTime(iat)} .. ${isoTime(exp)}`;
  });
  if (ctx.requestNonce !== undefined) {
    rec.run(`${prefix} nonce`, () => (c.nonce === ctx.requestNonce ? `${String(c.nonce)} = request nonce` : `!nonce ${String(c.nonce)} is not the request nonce ${ctx.requestNonce}`));
  } else {
    rec.skip(`${prefix} nonce`, `nonce=${String(c.nonce)}; give the request (--request) to compare`);
  }
  if (ctx.clientId !== undefined) {
    const ok = c.aud === ctx.clientId || (Array.isArray(c.aud) && c.aud.includes(ctx.clientId) && c.azp === ctx.clientId);
    rec.run(`${prefix} aud`, () => (ok ? `aud = client id ${ctx.clientId}` : `!aud ${JSON.stringify(c.aud)} does not name client id ${ctx.clientId}`));
  } else {
    rec.skip(`${prefix} aud`, `aud=${JSON.stringify(c.aud)}; give --client-id to compare`);
  }
  rec.skip(`${prefix} signature`, 'the IdP key comes from the JWKS; not checked here');
}
