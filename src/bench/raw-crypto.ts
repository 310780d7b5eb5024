// Raw elliptic-curve cost of each PSSO operation: ops/s of each primitive with node:crypto in a tight
// loop, then the per-operation limit from the primitive counts the server performs (psso-protocol.md §4-§7).

import { createECDH, randomBytes, sign, verify } from 'node:crypto';
import { generateP256 } from '../protocol/ec-keys.js';
import { performance } from 'node:perf_hooks';
import { hashPassword, verifyPassword } from '../app/passwords.js';

export type Primitive = 'es256_verify' | 'es256_sign' | 'p256_keygen' | 'p256_ecdh' | 'argon2id_verify';

export const PRIMITIVE_LABEL: Record<Primitive, string> = {
  es256_verify: 'ES256 verify (P-256, SHA-256)',
  es256_sign: 'ES256 sign',
  p256_keygen: 'P-256 key generation',
  p256_ecdh: 'P-256 ECDH',
  argon2id_verify: 'argon2id verify (19 MiB, t=2, p=1)',
};

export type RawRates = Record<Primitive, number>;

export interface RawMeasurement {
  /** Operations per second of CPU time used (robust when other processes share the core). */
  cpu: RawRates;
  /** Operations per second of wall-clock time. */
  wall: RawRates;
}

interface Rate { cpu: number; wall: number }

const cpuMicros = () => { const u = process.cpuUsage(); return u.user + u.system; };

function loop(seconds: number, fn: () => void): Rate {
  // A short warm-up, then count operations until the time is up (clock read every 16 ops).
  for (let i = 0; i < 50; i++) fn();
  const start = performance.now();
  const c0 = cpuMicros();
  const end = start + seconds * 1000;
  let n = 0;
  let now = start;
  while (now < end) {
    for (let i = 0; i < 16; i++) fn();
    n += 16;
    now = performance.now();
  }
  return { wall: n / ((now - start) / 1000), cpu: n / ((cpuMicros() - c0) / 1e6) };
}

async function asyncLoop(seconds: number, fn: () => Promise<unknown>): Promise<Rate> {
  await fn();
  const start = performance.now();
  const c0 = cpuMicros();
  const end = start + seconds * 1000;
  let n = 0;
  let now = start;
  while (now < end || n < 3) {
    await fn();
    n++;
    now = performance.now();
  }
  return { wall: n / ((now - start) / 1000), cpu: n / ((cpuMicros() - c0) / 1e6) };
}

/**
 * Measures each primitive, one after another, on the calling thread (so on whatever core it is pinned
 * to), in wall-clock and in CPU time. argon2id runs on the libuv pool, which process.cpuUsage() counts too.
 */
export async function measurePrimitives(seconds: number, argon2 = true): Promise<RawMeasurement> {
  // Keys made the way the server makes them (see generateP256 on why not generateKeyPairSync).
  const a = generateP256();
  const b = generateP256();
  const ecdh = createECDH('prime256v1');
  ecdh.generateKeys();
  // About the size of a login request's signing input.
  const message = randomBytes(1200);
  const signature = sign('sha256', message, { key: a.privateKey, dsaEncoding: 'ieee-p1363' });
  const r: Partial<Record<Primitive, Rate>> = {};
  r.es256_verify = loop(seconds, () => {
    if (!verify('sha256', message, { key: a.publicKey, dsaEncoding: 'ieee-p1363' }, signature)) throw new Error('verify failed');
  });
  r.es256_sign = loop(seconds, () => { sign('sha256', message, { key: a.privateKey, dsaEncoding: 'ieee-p1363' }); });
  // The bare EC operations, as the JWE response and the key exchange run them.
  r.p256_keygen = loop(seconds, () => { createECDH('prime256v1').generateKeys(); });
  r.p256_ecdh = loop(seconds, () => { ecdh.computeSecret(b.x963); });
  if (argon2) {
    const hash = await hashPassword('bench-password');
    r.argon2id_verify = await asyncLoop(Math.max(seconds, 0.3), async () => {
      if (!(await verifyPassword(hash, 'bench-password'))) throw new Error('argon2 verify failed');
    });
  }
  const pick = (k: keyof Rate) => Object.fromEntries(Object.entries(r).map(([p, v]) => [p, v[k]])) as RawRates;
  return { cpu: pick('cpu'), wall: pick('wall') };
}

/** The mean of two measurements (start and end of the run), primitive by primitive. */
export function meanRates(a: RawRates, b: RawRates): RawRates {
  const out = {} as RawRates;
  for (const p of Object.keys(a) as Primitive[]) out[p] = b[p] !== undefined ? (a[p] + b[p]) / 2 : a[p];
  return out;
}

/** What the server computes per request of each kind (not counting the nonce request of a full flow). */
export const OPERATION_COST: Record<string, Partial<Record<Primitive, number>>> = {
  // Request signature, embedded assertion signature, response JWE (ephemeral key + ECDH), id_token.
  se_login: { es256_verify: 2, p256_keygen: 1, p256_ecdh: 1, es256_sign: 1 },
  // Request signature, argon2id of the password, response JWE, id_token.
  password_login: { es256_verify: 1, argon2id_verify: 1, p256_keygen: 1, p256_ecdh: 1, es256_sign: 1 },
  refresh: { es256_verify: 1, p256_keygen: 1, p256_ecdh: 1, es256_sign: 1 },
  // Request signature, ECDH with the Mac's ephemeral key, response JWE (ephemeral key + ECDH).
  key_exchange: { es256_verify: 1, p256_ecdh: 2, p256_keygen: 1 },
};

export function describeCost(op: string): string {
  const c = OPERATION_COST[op];
  if (!c) return 'none';
  const short: Record<Primitive, string> = { es256_verify: 'verify', es256_sign: 'sign', p256_keygen: 'keygen', p256_ecdh: 'ECDH', argon2id_verify: 'argon2id' };
  return Object.entries(c).map(([p, n]) => `${n}x${short[p as Primitive]}`).join(' + ');
}

/** Requests per second one core could serve if it did nothing but this operation's crypto. */
export function rawLimit(op: string, rates: RawRates): number | undefined {
  const c = OPERATION_COST[op];
  if (!c) return undefined;
  let seconds = 0;
  for (const [p, n] of Object.entries(c)) seconds += (n as number) / rates[p as Primitive];
  return 1 / seconds;
}
