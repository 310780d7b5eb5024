// Server side: the encrypted login or key response, a compact JWE to the device encryption key (Apple "Creating a JWE login response"; psso-protocol.md §5, §7 "Response").

import type { KeyObject } from 'node:crypto';
import { appleStringify } from './apple-json.js';
import { encryptCompactJwe } from './jwe.js';

export interface BuildResponseOptions {
  /** The token response (login) or certificate/key payload (key service). */
  payload: object;
  /** The device encryption key named in the request's apv (already checked): X9.63 point or imported key. */
  deviceEncryptionKey: Uint8Array | KeyObject;
  /** The request's jwe_crypto.apv, echoed byte for byte. */
  apv: Uint8Array;
  typ: 'platformsso-login-response+jwt' | 'platformsso-key-response+jwt';
  headerStyle?: 'compact' | 'apple';
}

/**
 * A fresh ephemeral key and a fresh 96-bit IV for every response; apu = "APPLE"||epk is what the
 * device recomputes and compares. apv goes into the header too, because some clients (FLEET's
 * notes) want it there even though Apple calls it optional.
 */
export function buildPssoResponse(opts: BuildResponseOptions): string {
  const plaintext = opts.headerStyle === 'apple' ? appleStringify(opts.payload) : JSON.stringify(opts.payload);
  return encryptCompactJwe({
    recipient: opts.deviceEncryptionKey,
    plaintext,
    typ: opts.typ,
    apv: opts.apv,
    headerStyle: opts.headerStyle ?? 'compact',
  });
}
