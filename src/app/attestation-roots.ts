// The trusted roots for Apple Managed Device Attestation (extensions.md §4.6 item 1): Apple's Enterprise
// Attestation Root CA, built in as a constant so it survives `tsc` builds, unless
// attestation.trustedRootFiles names PEM files (tests and private PKIs).

import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { X509Certificate } from 'node:crypto';
import { PssoError } from '../errors/psso-error.js';

/** Apple's public root (P-384, 2022-02-16 to 2047-02-20), as Apple publishes it. */
export const APPLE_ENTERPRISE_ATTESTATION_ROOT_PEM = `
-----BEGIN CERTIFICATE-----
MIICJDCCAamgAwIBAgIUQsDCuyxyfFxeq/bxpm8frF15hzcwCgYIKoZIzj0EAwMw
UTEtMCsGA1UEAwwkQXBwbGUgRW50ZXJwcmlzZSBBdHRlc3RhdGlvbiBSb290IENB
MRMwEQYDVQQKDApBcHBsZSBJbmMuMQswCQYDVQQGEwJVUzAeFw0yMjAyMTYxOTAx
MjRaFw00NzAyMjAwMDAwMDBaMFExLTArBgNVBAMMJEFwcGxlIEVudGVycHJpc2Ug
QXR0ZXN0YXRpb24gUm9vdCBDQTETMBEGA1UECgwKQXBwbGUgSW5jLjELMAkGA1UE
BhMCVVMwdjAQBgcqhkjOPQIBBgUrgQQAIgNiAAT6Jigq+Ps9Q4CoT8t8q+UnOe2p
oT9nRaUfGhBTbgvqSGXPjVkbYlIWYO+1zPk2Sz9hQ5ozzmLrPmTBgEWRcHjA2/y7
7GEicps9wn2tj+G89l3INNDKETdxSPPIZpPj8VmjQjBAMA8GA1UdEwEB/wQFMAMB
Af8wHQYDVR0OBBYEFPNqTQGd8muBpV5du+UIbVbi+d66MA4GA1UdDwEB/wQEAwIB
BjAKBggqhkjOPQQDAwNpADBmAjEA1xpWmTLSpr1VH4f8Ypk8f3jMUKYz4QPG8mL5
8m9sX/b2+eXpTv2pH4RZgJjucnbcAjEA4ZSB6S45FlPuS/u4pTnzoz632rA+xW/T
ZwFEh9bhKjJ+5VQ9/Do1os0u3LEkgN/r
-----END CERTIFICATE-----
`.trim();

/** SHA-256 fingerprint of that root, as extensions.md §4.6 gives it; checked on load. */
export const APPLE_ENTERPRISE_ATTESTATION_ROOT_SHA256 =
  'CC:F5:9E:F8:FC:B3:01:7D:97:F8:B5:FA:6F:A9:0E:7A:3F:92:83:F7:6B:55:AC:6C:F6:ED:A8:B8:B9:49:F0:5B';

export function builtInAttestationRoot(): X509Certificate {
  const root = new X509Certificate(APPLE_ENTERPRISE_ATTESTATION_ROOT_PEM);
  // A corrupted constant must never silently become "trust this": refuse to start instead.
  if (root.fingerprint256 !== APPLE_ENTERPRISE_ATTESTATION_ROOT_SHA256) {
    throw new PssoError('invalid_configuration', 'built-in Apple attestation root has the wrong fingerprint');
  }
  return root;
}

/** Loads the configured roots at start; an unreadable file or a file with no certificate stops the start. */
export function loadAttestationRoots(files: readonly string[]): X509Certificate[] {
  if (files.length === 0) return [builtInAttestationRoot()];
  const out: X509Certificate[] = [];
  for (const f of files) {
    let text: string;
    try { text = readFileSync(resolve(f), 'utf8'); } catch (e) {
      throw new PssoError('invalid_configuration', `attestation.trustedRootFiles: cannot read ${f}: ${(e as Error).message}`);
    }
    const pems = text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
    if (pems.length === 0) throw new PssoError('invalid_configuration', `attestation.trustedRootFiles: ${f} holds no PEM certificate`);
    for (const pem of pems) {
      try { out.push(new X509Certificate(pem)); } catch {
        throw new PssoError('invalid_configuration', `attestation.trustedRootFiles: ${f} holds a certificate that does not parse`);
      }
    }
  }
  return out;
}
