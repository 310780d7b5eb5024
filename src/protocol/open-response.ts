// Virtual Mac side: decrypts and checks a login or key response JWE as macOS does (Apple "Processing the JWE login response"; psso-protocol.md §5.4).

import type { KeyObject } from 'node:crypto';
import { PssoError } from '../errors/psso-error.js';
import { decryptCompactJwe } from './jwe.js';

export interface OpenedResponse {
  header: Record<string, unknown>;
  payload: Record<string, unknown>;
  plaintext: string;
}

/**
 * decryptCompactJwe already pins ECDH-ES/A256GCM, checks apu against the epk and the GCM tag. The
 * device derives the key with its own copy of apv, so a header apv, when present, must equal it.
 */
export function openPssoResponse(jwe: string, deviceEncryptionPrivateKey: KeyObject, expectedApv: Uint8Array): OpenedResponse {
  const expected = Buffer.from(expectedApv);
  const d = decryptCompactJwe(jwe, deviceEncryptionPrivateKey, { apv: expected });
  if (d.apv && !d.apv.equals(expected)) throw new PssoError('apv_mismatch', 'response apv is not the one this request sent');
  const plaintext = d.plaintext.toString('utf8');
  let payload: unknown;
  try {
    payload = JSON.parse(plaintext);
  } catch {
    throw new PssoError('malformed_jws', 'response plaintext is not JSON');
  }
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
    throw new PssoError('malformed_jws', 'response plaintext is not a JSON object');
  }
  return { header: d.header, payload: payload as Record<string, unknown>, plaintext };
}
