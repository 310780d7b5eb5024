// A software smart card: the card's private key and certificate chain read from PEM files (psso-protocol.md §4.4 "Smart card").

import { X509Certificate, createHash, createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { kidFromX963, x963FromPublicKey } from '../protocol/ec-keys.js';
import { MacError } from './errors.js';
import type { UserCredential } from './psso-client.js';

/** Every CERTIFICATE block in a PEM file, as DER, in file order (leaf first). */
export function pemCertificates(pem: string): Buffer[] {
  const out: Buffer[] = [];
  for (const m of pem.matchAll(/-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/g)) {
    out.push(Buffer.from(m[1]!.replace(/\s+/g, ''), 'base64'));
  }
  return out;
}

export function readCard(keyPath: string, certPath: string): Extract<UserCredential, { kind: 'smart_card' }> {
  let keyPem: string;
  let certPem: string;
  try {
    keyPem = readFileSync(keyPath, 'utf8');
    certPem = readFileSync(certPath, 'utf8');
  } catch (e) {
    throw new MacError('state', `The smart card is not readable (is it inserted?): ${(e as Error).message}`);
  }
  const chain = pemCertificates(certPem);
  if (chain.length === 0) throw new MacError('usage', `${certPath} holds no PEM certificate.`);
  let key;
  try { key = createPrivateKey(keyPem); } catch { throw new MacError('usage', `${keyPath} is not a PEM private key.`); }
  const leaf = new X509Certificate(chain[0]!);
  if (!leaf.checkPrivateKey(key)) throw new MacError('usage', 'The smart card key does not belong to the card certificate.');
  if (key.asymmetricKeyType === 'ec') {
    if (key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') throw new MacError('usage', 'EC smart card keys must be P-256.');
    return { kind: 'smart_card', key, alg: 'ES256', kid: kidFromX963(x963FromPublicKey(key)), chain };
  }
  if (key.asymmetricKeyType === 'rsa') {
    // No X9.63 point for RSA: name the key by its certificate, the server maps the card through x5c anyway.
    return { kind: 'smart_card', key, alg: 'RS256', kid: createHash('sha256').update(chain[0]!).digest('base64'), chain };
  }
  throw new MacError('usage', 'Smart card keys must be P-256 EC or RSA.');
}
