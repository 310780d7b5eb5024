// Server-side verification of PSSO login, refresh and key requests: the checklist of psso-protocol.md §4.5, §6 and §7 (Apple "Creating and validating a login request").

import type { KeyObject } from 'node:crypto';
import { PssoError } from '../errors/psso-error.js';
import { b64Decode, b64uDecode, canonicaliseKid } from './base64.js';
import { GRANT_JWT_BEARER, REQUIRED_SCOPES, TYP, checkTimes, readString, requireString, scopeList, type RequestTimeLimits } from './claims.js';
import { publicKeyFromX963 } from './ec-keys.js';
import { parseCompactJws, verifyJwsSignature, type ParsedJws } from './jws.js';
import { parseApv } from './party-info.js';
import { GRANT_TOKEN_EXCHANGE, SUBJECT_TOKEN_TYPE_CODE_RESPONSE } from './web-login.js';

export * from './verify-assertion.js';

/** login_web: a macOS 27 web login, the token exchange of web-login-macos27.md §6. */
export type RequestKind = 'login_password' | 'login_assertion' | 'login_web' | 'refresh' | 'key_request' | 'key_exchange';

export interface VerifiedRequest {
  kind: RequestKind;
  version: '1.0' | '2.0';
  typ: string;
  kid: string;
  claims: Record<string, unknown>;
  nonce: string;
  requestNonce: string;
  username?: string;
  password?: string;
  assertion?: string;
  refreshToken?: string;
  /** login_web: the callback URL the web view was sent to. */
  subjectToken?: string;
  keyPurpose?: string;
  otherPublicKey?: Buffer;
  keyContext?: string;
  requestedGroups?: string[];
  scope: string[];
  apv: Buffer;
  iat: number;
  exp: number;
  /** The client id the request named (its client_id, else iss): an id_token's aud echoes it. */
  clientId: string;
}

export interface VerifyRequestOptions extends RequestTimeLimits {
  now: number;
  /** The extension's clientID; an extension dialect may accept several (extensions.md §2.5). */
  clientId: string | readonly string[];
  /** The token endpoint URL, exactly as configured on the Mac. */
  audience: string;
  nonceClaimName?: string;
  /** platform_sso_version from the form; key requests sent as 1.0 are refused when it is given. */
  version?: '1.0' | '2.0';
}

export function parsePssoForm(form: Record<string, string | undefined>): {
  version: '1.0' | '2.0'; jwt: string; field: 'assertion' | 'request'; jws: ParsedJws;
} {
  // The form grant_type is jwt-bearer even for password logins; the JWT's own grant_type says which.
  if (!form.grant_type) throw new PssoError('malformed_request', 'grant_type missing');
  if (form.grant_type !== GRANT_JWT_BEARER) throw new PssoError('unsupported_grant_type', form.grant_type);
  const { assertion, request } = form;
  if (assertion && request && assertion !== request) throw new PssoError('malformed_request', 'both assertion and request');
  const field = assertion ? 'assertion' : request ? 'request' : undefined;
  if (!field) throw new PssoError('malformed_request', 'assertion (or request) missing');
  const version = form.platform_sso_version ?? '1.0';
  if (version !== '1.0' && version !== '2.0') throw new PssoError('malformed_request', `platform_sso_version ${version}`);
  const jwt = (assertion || request) as string;
  return { version, jwt, field, jws: parseCompactJws(jwt) };
}

/** The canonical device kid. alg is checked first so that none/HS256 never reach a key lookup. */
export function requestSigningKid(p: ParsedJws): string {
  if (p.header.alg !== 'ES256') throw new PssoError('unsupported_algorithm', `alg ${String(p.header.alg)}`);
  const kid = typeof p.header.kid === 'string' ? canonicaliseKid(p.header.kid) : null;
  if (!kid) throw new PssoError('malformed_jws', 'header kid missing or not a base64 SHA-256');
  return kid;
}

const REQUEST_TYPS = new Set<string>([TYP.loginRequest, TYP.refreshRequest, TYP.keyRequest, TYP.legacy]);

function classifyRequest(typ: string, c: Record<string, unknown>): RequestKind {
  let kind: RequestKind;
  if (c.request_type !== undefined) {
    if (c.request_type !== 'key_request' && c.request_type !== 'key_exchange') {
      throw new PssoError('missing_claim', `request_type ${String(c.request_type)}`);
    }
    kind = c.request_type;
  } else {
    const grant = requireString(c, 'grant_type');
    if (grant === 'password') kind = 'login_password';
    else if (grant === GRANT_JWT_BEARER) kind = 'login_assertion';
    else if (grant === 'refresh_token') kind = 'refresh';
    else if (grant === GRANT_TOKEN_EXCHANGE) kind = 'login_web';
    else throw new PssoError('unsupported_grant_type', `grant_type claim ${grant}`);
  }
  // A specific typ must agree with the claims, so one kind of request is never read as another.
  const expected = kind.startsWith('key') ? TYP.keyRequest : kind === 'refresh' ? TYP.refreshRequest : TYP.loginRequest;
  if (typ !== TYP.legacy && typ !== expected) throw new PssoError('malformed_jws', `typ ${typ} does not fit a ${kind}`);
  return kind;
}

function readGroups(c: Record<string, unknown>): string[] | undefined {
  const values = (((c.claims as Record<string, unknown> | undefined)?.id_token as Record<string, unknown> | undefined)
    ?.groups as Record<string, unknown> | undefined)?.values;
  return Array.isArray(values) && values.every((v) => typeof v === 'string') ? (values as string[]) : undefined;
}

function checkClient(c: Record<string, unknown>, kind: RequestKind, legacy: boolean, clientId: string | readonly string[]): string {
  const accepted: readonly string[] = typeof clientId === 'string' ? [clientId] : clientId;
  const isKey = kind === 'key_request' || kind === 'key_exchange';
  // Key requests carry iss but may lack client_id; Apple's macOS 13 login vector lacks iss.
  if (c.iss === undefined && (isKey || !legacy)) throw new PssoError('missing_claim', 'iss');
  if (c.client_id === undefined && !isKey) throw new PssoError('missing_claim', 'client_id');
  for (const name of ['iss', 'client_id']) {
    if (c[name] !== undefined && !accepted.includes(c[name] as string)) throw new PssoError('wrong_client', `${name} ${String(c[name])}`);
  }
  // iss and client_id, when both present, must name the same client.
  if (c.iss !== undefined && c.client_id !== undefined && c.iss !== c.client_id) throw new PssoError('wrong_client', 'iss and client_id differ');
  return (c.client_id ?? c.iss ?? accepted[0]) as string;
}

/** jwe_crypto of a device request: ECDH-ES/A256GCM, apv = "Apple"‖this device's encryption key‖the nonce claim. */
export function checkApv(c: Record<string, unknown>, encryptionKey: Uint8Array, nonce: string): Buffer {
  const jc = c.jwe_crypto as Record<string, unknown> | undefined;
  if (typeof jc !== 'object' || jc === null) throw new PssoError('missing_claim', 'jwe_crypto');
  // macOS 27 can ask for an HPKE response; its JWE layout is undocumented, so say so plainly (web-login-macos27.md §12).
  if (typeof jc.alg === 'string' && jc.alg.toUpperCase().startsWith('HPKE')) throw new PssoError('hpke_not_supported', `jwe_crypto alg ${jc.alg}`);
  if (jc.alg !== 'ECDH-ES' || jc.enc !== 'A256GCM') {
    throw new PssoError('unsupported_jwe_crypto', `${String(jc.alg)}/${String(jc.enc)}`);
  }
  let apv: Buffer;
  try {
    apv = b64uDecode(jc.apv as string);
  } catch {
    throw new PssoError('apv_mismatch', 'malformed apv');
  }
  const f = parseApv(apv);
  if (f.label !== 'Apple') throw new PssoError('apv_mismatch', `apv label ${f.label}`);
  if (!f.key.equals(Buffer.from(encryptionKey))) throw new PssoError('apv_mismatch', 'apv names another encryption key');
  if (f.nonce !== nonce) throw new PssoError('apv_mismatch', 'apv nonce differs from the nonce claim');
  return apv;
}

function readOtherPublicKey(v: string): Buffer {
  let b: Buffer;
  try {
    b = b64Decode(v);
  } catch {
    throw new PssoError('bad_public_key', 'other_publickey is not standard base64');
  }
  publicKeyFromX963(b); // fail closed on a point that is not on P-256
  return b;
}

/** Checks everything but the server nonce, which the caller consumes atomically afterwards. */
export function verifyPssoRequest(
  p: ParsedJws,
  device: { signingKey: KeyObject; encryptionKey: Uint8Array },
  opts: VerifyRequestOptions,
): VerifiedRequest {
  const kid = requestSigningKid(p);
  if (!verifyJwsSignature(p, device.signingKey, 'ES256')) throw new PssoError('bad_signature');
  // No PSSO extension is critical; RFC 7515 §4.1.11 says unknown crit entries must be refused.
  if (p.header.crit !== undefined) throw new PssoError('malformed_jws', 'crit header not supported');
  const typ = p.header.typ === undefined ? TYP.legacy : String(p.header.typ);
  if (!REQUEST_TYPS.has(typ)) throw new PssoError('malformed_jws', `typ ${typ} is not a request`);
  const c = p.claims;
  const legacy = typ === TYP.legacy;
  // macOS 14 requests always carry exp; without it (macOS 13 flavour) checkTimes assumes iat+300.
  const { iat, exp } = checkTimes(c, opts.now, opts, !legacy);
  const kind = classifyRequest(typ, c);
  const isKey = kind === 'key_request' || kind === 'key_exchange';
  const nonce = requireString(c, 'nonce');
  const requestNonce = requireString(c, opts.nonceClaimName ?? 'request_nonce');
  if (c.jwe_crypto === undefined) throw new PssoError('missing_claim', 'jwe_crypto');
  const out: VerifiedRequest = {
    kind, version: opts.version ?? (isKey ? '2.0' : '1.0'), typ, kid, claims: c, nonce, requestNonce,
    scope: scopeList(c.scope), apv: Buffer.alloc(0), iat, exp, clientId: '',
  };
  if (kind !== 'refresh' || c.username !== undefined) out.username = requireString(c, 'username');
  if (kind === 'login_password') out.password = requireString(c, 'password');
  if (kind === 'login_assertion') out.assertion = requireString(c, 'assertion');
  if (kind === 'login_web') {
    out.subjectToken = requireString(c, 'subject_token');
    if (c.subject_token_type !== SUBJECT_TOKEN_TYPE_CODE_RESPONSE) throw new PssoError('subject_token_invalid', `subject_token_type ${String(c.subject_token_type)}`);
  }
  if (kind === 'refresh' || isKey) out.refreshToken = requireString(c, 'refresh_token');
  if (isKey) out.keyPurpose = requireString(c, 'key_purpose');
  if (kind === 'key_exchange') out.otherPublicKey = readOtherPublicKey(requireString(c, 'other_publickey'));
  if (isKey && c.key_context !== undefined) out.keyContext = requireString(c, 'key_context');
  if (c.sub !== undefined && out.username !== undefined && c.sub !== out.username) {
    throw new PssoError('missing_claim', 'sub must equal username');
  }
  const groups = readGroups(c);
  if (groups) out.requestedGroups = groups;
  if (!isKey && c.aud === undefined) throw new PssoError('missing_claim', 'aud');
  if (!isKey && readString(c, 'scope') === undefined) throw new PssoError('missing_scope', 'scope missing');
  out.clientId = checkClient(c, kind, legacy, opts.clientId);
  // Key requests from real Macs carry no aud (macOS 14 captures), so it is not looked at for them.
  if (!isKey) {
    const aud = c.aud;
    const ok = aud === opts.audience || (Array.isArray(aud) && aud.includes(opts.audience));
    if (!ok) throw new PssoError('wrong_audience', `aud ${JSON.stringify(aud)}`);
    if (!REQUIRED_SCOPES.every((s) => out.scope.includes(s))) throw new PssoError('missing_scope', String(c.scope));
  }
  out.apv = checkApv(c, device.encryptionKey, nonce);
  if (isKey && opts.version === '1.0') throw new PssoError('version_mismatch', 'key request sent as platform_sso_version 1.0');
  return out;
}
