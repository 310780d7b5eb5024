// A software stand-in for the local account password (scrypt), which macOS keeps in its own directory service, not with Platform SSO.

import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

/** Work factor; the benchmark lowers it so that client-side hashing does not dominate the numbers. */
export const DEFAULT_SCRYPT_COST = 16384;

function derive(password: string, salt: Buffer, n: number): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(password.normalize('NFC'), salt, 32, { N: n, r: 8, p: 1, maxmem: 256 * n * 8 + 1024 * 1024 }, (err, key) => (err ? reject(err) : resolve(key))));
}

/** "scrypt$N$salt$hash" with base64 parts. */
export async function hashLocalPassword(password: string, cost = DEFAULT_SCRYPT_COST): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(password, salt, cost);
  return `scrypt$${cost}$${salt.toString('base64')}$${key.toString('base64')}`;
}

export async function verifyLocalPassword(password: string, stored: string): Promise<boolean> {
  const [tag, n, salt, hash] = stored.split('$');
  if (tag !== 'scrypt' || !n || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64');
  const got = await derive(password, Buffer.from(salt, 'base64'), Number(n));
  return got.length === expected.length && timingSafeEqual(got, expected);
}
