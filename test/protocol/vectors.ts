// Test helper: loads the shared golden vectors (../shared/vectors beside the repository) and the Apple keys.

import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { KeyObject } from 'node:crypto';
import { privateKeyFromJwk } from '../../src/protocol/ec-keys.js';

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = any;

export function loadVector(file: 'apple-login-vector.json' | 'macos14-captures.json'): Json {
  return JSON.parse(readFileSync(join(repoRoot, '..', 'shared', 'vectors', file), 'utf8'));
}

export const apple: Json = loadVector('apple-login-vector.json');
export const mac14: Json = loadVector('macos14-captures.json');

export function appleKey(name: 'deviceSigning' | 'deviceEncryption' | 'serverEphemeral'): KeyObject {
  return privateKeyFromJwk(apple.keys[name].jwk);
}

export function hex(s: string): Buffer {
  return Buffer.from(s, 'hex');
}

/** Flips one bit of the character at `index` in a base64url string, keeping it in the alphabet. */
export function flipB64uChar(s: string, index: number): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  const i = alphabet.indexOf(s[index]!);
  return s.slice(0, index) + alphabet[i ^ 0b000100] + s.slice(index + 1);
}

/** Flips one bit of a decoded segment and re-encodes it (the bit-level tamper the checks ask for). */
export function flipSegmentBit(token: string, segment: number, byte = 0, bit = 0): string {
  const parts = token.split('.');
  const b = Buffer.from(parts[segment]!, 'base64url');
  b[byte] = b[byte]! ^ (1 << bit);
  parts[segment] = b.toString('base64url');
  return parts.join('.');
}
