// UiO Weblogin's browser-SSO header (extensions.md §4.8-§4.9): `Platform-SSO-Authorization: Bearer
// <b64url(JSON envelope)>.<b64url(DER ECDSA signature over the ASCII of the first part)>`, in both
// extension generations' field sets (WL-0: refresh_token, kid, signed_at, username; WL-N adds token,
// token_type, nonce, client_id, secure_enclave, reauth_challenge). The virtual Mac's builder and the
// server's parser share this file. Not JOSE: the signature is DER, not r||s.

import { createHash, sign as cryptoSign, type KeyObject } from 'node:crypto';
import { PssoError } from '../errors/psso-error.js';
import { b64uDecode, b64uEncode, canonicaliseKid } from './base64.js';

export const UIO_ENVELOPE_SCHEME = 'Bearer';
/** KC checks signed_at within ±5 s; a web view replaying a page can take longer, so allow 30 s. */
export const UIO_ENVELOPE_WINDOW_SECONDS = 30;

export type UioGeneration = 'wl0' | 'wln';

export interface UioEnvelopeInput {
  generation: UioGeneration;
  deviceSigningKey: KeyObject;
  /** Device signing kid as the extension enrolled it (std base64, padded). */
  kid: string;
  username: string;
  refreshToken: string;
  /** Seconds since the epoch. */
  signedAt: number;
  /** WL-N: the server nonce (the extension sends it upper case) and the client-request-id that fetched it. */
  nonce?: string;
  clientRequestId?: string;
  secureEnclave?: boolean;
  reauthChallenge?: string;
}

/** The header value the extension sends (what the virtual Mac sends). */
export function buildUioEnvelope(i: UioEnvelopeInput): string {
  const body: Record<string, unknown> = i.generation === 'wl0'
    ? { refresh_token: i.refreshToken, kid: i.kid, signed_at: Math.floor(i.signedAt), username: i.username }
    : {
        token: i.refreshToken, token_type: 'refresh_token', kid: i.kid, signed_at: Math.floor(i.signedAt), username: i.username,
        nonce: i.nonce, client_id: i.clientRequestId, secure_enclave: i.secureEnclave ?? false,
        ...(i.reauthChallenge ? { reauth_challenge: i.reauthChallenge } : {}),
      };
  // Foundation escapes '/' in JSON (extensions.md §4.8); the parser must not care.
  const text = b64uEncode(Buffer.from(JSON.stringify(body).replace(/\//g, '\\/'), 'utf8'));
  const sig = cryptoSign('sha256', Buffer.from(text, 'ascii'), { key: i.deviceSigningKey, dsaEncoding: 'der' });
  return `${UIO_ENVELOPE_SCHEME} ${text}.${b64uEncode(sig)}`;
}

export interface ParsedUioEnvelope {
  generation: UioGeneration;
  /** Canonical device signing kid. */
  kid: string;
  /** The ASCII bytes that were signed, and the DER signature. */
  signedBytes: Buffer;
  signature: Buffer;
  signedAt: number;
  username: string;
  token: string;
  tokenType: 'refresh_token' | 'id_token';
  /** WL-N only. */
  nonce: string | null;
  clientId: string | null;
  secureEnclave: boolean;
  /** Optional in every generation (KC reads it; no extension sends it). */
  userKid: string | null;
}

const malformed = (why: string) => new PssoError('uio_envelope_malformed', why);

function str(o: Record<string, unknown>, name: string, max: number, required: boolean): string | null {
  const v = o[name];
  if (v === undefined || v === null) {
    if (required) throw malformed(`field ${name} missing`);
    return null;
  }
  if (typeof v !== 'string' || v.length === 0 || v.length > max) throw malformed(`field ${name} is not a string of 1-${max} characters`);
  return v;
}

/** True when the header value has the UiO shape (two base64url parts after Bearer), not OpenPSSO's SSO-Proof. */
export function looksLikeUioEnvelope(headerValue: string): boolean {
  return /^bearer +[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/i.test(headerValue.trim());
}

/** Reads the envelope; the signature, time, nonce and token are the caller's to check against its records. */
export function parseUioEnvelope(headerValue: string): ParsedUioEnvelope {
  const m = /^([A-Za-z]+) +([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)$/.exec(headerValue.trim());
  if (!m || m[1]!.toLowerCase() !== 'bearer') throw malformed('expected "Bearer <envelope>.<signature>"');
  let o: unknown;
  try {
    o = JSON.parse(b64uDecode(m[2]!).toString('utf8'));
  } catch {
    throw malformed('the envelope is not base64url JSON');
  }
  if (typeof o !== 'object' || o === null || Array.isArray(o)) throw malformed('the envelope is not a JSON object');
  const e = o as Record<string, unknown>;
  const kidText = str(e, 'kid', 100, true)!;
  const kid = canonicaliseKid(kidText);
  if (!kid) throw malformed('kid is not a base64 SHA-256');
  if (typeof e.signed_at !== 'number' || !Number.isInteger(e.signed_at)) throw malformed('signed_at is not an integer');
  const username = str(e, 'username', 256, true)!;
  // WL-N names its token and type; WL-0 sends refresh_token alone. A body with both is ambiguous.
  const wln = e.token !== undefined;
  if (wln && e.refresh_token !== undefined) throw malformed('both token and refresh_token');
  const token = wln ? str(e, 'token', 8192, true)! : str(e, 'refresh_token', 8192, true)!;
  const tokenType = wln ? str(e, 'token_type', 32, true)! : 'refresh_token';
  if (tokenType !== 'refresh_token' && tokenType !== 'id_token') throw malformed(`token_type ${tokenType.slice(0, 32)}`);
  const nonce = str(e, 'nonce', 256, wln);
  const clientId = str(e, 'client_id', 256, false);
  if (e.secure_enclave !== undefined && typeof e.secure_enclave !== 'boolean') throw malformed('secure_enclave is not a boolean');
  let signature: Buffer;
  try { signature = b64uDecode(m[3]!); } catch { throw malformed('the signature is not base64url'); }
  if (signature.length < 8 || signature.length > 80) throw malformed('the signature is not a DER ECDSA P-256 signature');
  return {
    generation: wln ? 'wln' : 'wl0', kid, signedBytes: Buffer.from(m[2]!, 'ascii'), signature, signedAt: e.signed_at, username,
    token, tokenType, nonce, clientId, secureEnclave: e.secure_enclave === true, userKid: str(e, 'user_kid', 100, false),
  };
}

/**
 * A single-use key for an envelope that carries no server nonce (WL-0): the hash of the signed text
 * only, since an ECDSA signature can be re-encoded (s or n-s) without the key.
 */
export function envelopeReplayKey(p: ParsedUioEnvelope): string {
  return `uio-envelope:${createHash('sha256').update(p.signedBytes).digest('base64url')}`;
}
