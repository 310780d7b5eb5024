// PartyUInfo / PartyVInfo (apu / apv) as Apple builds them for ECDH-ES (psso-protocol.md §4.3, §4.4, §5.1; RFC 7518 §4.6.2).

import { PssoError } from '../errors/psso-error.js';

/** label, then each field, each as a 4-byte big-endian length followed by the bytes. */
export function buildPartyInfo(label: string, ...fields: Uint8Array[]): Buffer {
  const parts: Buffer[] = [];
  for (const f of [Buffer.from(label, 'utf8'), ...fields]) {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(f.length);
    parts.push(len, Buffer.from(f));
  }
  return Buffer.concat(parts);
}

/** Splits length-prefixed fields; throws apv_mismatch on truncation or trailing bytes. */
export function splitPartyInfo(b: Uint8Array): Buffer[] {
  const buf = Buffer.from(b);
  const fields: Buffer[] = [];
  let at = 0;
  while (at < buf.length) {
    if (at + 4 > buf.length) throw new PssoError('apv_mismatch', 'malformed apv');
    const len = buf.readUInt32BE(at);
    if (at + 4 + len > buf.length) throw new PssoError('apv_mismatch', 'malformed apv');
    fields.push(buf.subarray(at + 4, at + 4 + len));
    at += 4 + len;
  }
  return fields;
}

function decodeUtf8(b: Buffer): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(b);
  } catch {
    throw new PssoError('apv_mismatch', 'malformed apv');
  }
}

/** apv of a request: "Apple" (mixed case) || device ENCRYPTION key || the device nonce (UUID). */
export function buildApv(deviceEncX963: Uint8Array, nonce: string, label = 'Apple'): Buffer {
  return buildPartyInfo(label, deviceEncX963, Buffer.from(nonce, 'utf8'));
}

/** Reads label, key and nonce; the same three-field layout serves APPLEEMBEDDED apvs too. */
export function parseApv(b: Uint8Array): { label: string; key: Buffer; nonce: string } {
  const fields = splitPartyInfo(b);
  if (fields.length !== 3) throw new PssoError('apv_mismatch', 'malformed apv');
  return { label: decodeUtf8(fields[0]!), key: fields[1]!, nonce: decodeUtf8(fields[2]!) };
}

/** apu of a response: "APPLE" (upper case) || the ephemeral public key; no nonce. */
export function buildApu(epkX963: Uint8Array, label = 'APPLE'): Buffer {
  return buildPartyInfo(label, epkX963);
}

export function parseApu(b: Uint8Array): { label: string; key: Buffer } {
  const fields = splitPartyInfo(b);
  if (fields.length !== 2) throw new PssoError('apv_mismatch', 'malformed apu');
  return { label: decodeUtf8(fields[0]!), key: fields[1]! };
}
