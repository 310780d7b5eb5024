// Identifiers, opaque tokens and their hashes: readable prefixes (dev_, usr_) and SHA-256 at rest.

import { randomBytes, createHash, randomUUID } from 'node:crypto';

export function newId(prefix: string): string {
  return `${prefix}_${randomBytes(12).toString('base64url')}`;
}

/** An opaque bearer secret: 256 random bits, base64url, with a prefix naming what it is. */
export function newSecret(prefix: string): string {
  return `${prefix}.${randomBytes(32).toString('base64url')}`;
}

export function sha256Hex(value: string | Uint8Array): string {
  return createHash('sha256').update(value).digest('hex');
}

export function newCorrelationId(): string {
  return randomUUID();
}
