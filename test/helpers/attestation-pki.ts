// A throwaway Apple-style attestation PKI for tests: a P-384 root like Apple's Enterprise Attestation
// Root CA, written as PEM for attestation.trustedRootFiles, and chains the virtual Mac's attestKey issues.

import { generateKeyPairSync, webcrypto } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { x509 } from '../../src/app/x509.js';
import { attestKey, type AttestationAuthority, type AttestKeyOptions } from '../../src/mac/attestation.js';

export interface AttestationPki {
  authority: AttestationAuthority;
  /** PEM file of the root, for attestation.trustedRootFiles. */
  rootFile: string;
  /** PEM files of the root key and certificate, for `mac register --attest`. */
  keyFile: string;
  certFile: string;
  chain(o: Omit<AttestKeyOptions, 'now'> & { now?: number }): Promise<Buffer[]>;
}

export async function makeAttestationRoot(name = 'OpenPSSO Test Enterprise Attestation Root CA', validity?: { notBefore: Date; notAfter: Date }): Promise<AttestationAuthority> {
  const keys = generateKeyPairSync('ec', { namedCurve: 'P-384' });
  const alg = { name: 'ECDSA', namedCurve: 'P-384', hash: 'SHA-384' };
  const web = {
    privateKey: await webcrypto.subtle.importKey('pkcs8', keys.privateKey.export({ format: 'der', type: 'pkcs8' }), alg, false, ['sign']),
    publicKey: await webcrypto.subtle.importKey('spki', keys.publicKey.export({ format: 'der', type: 'spki' }), alg, true, ['verify']),
  } as CryptoKeyPair;
  const root = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '01', name: `CN=${name}, O=OpenPSSO test, C=NO`,
    notBefore: validity?.notBefore ?? new Date(Date.now() - 86400_000), notAfter: validity?.notAfter ?? new Date(Date.now() + 3650 * 86400_000),
    signingAlgorithm: alg, keys: web,
    extensions: [new x509.BasicConstraintsExtension(true, undefined, true), new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true)],
  });
  return { key: keys.privateKey, certDer: Buffer.from(root.rawData) };
}

export async function makeAttestationPki(dir: string): Promise<AttestationPki> {
  const authority = await makeAttestationRoot();
  const pem = new x509.X509Certificate(new Uint8Array(authority.certDer)).toString('pem');
  const rootFile = join(dir, 'attestation-root.pem');
  const keyFile = join(dir, 'attestation-root-key.pem');
  writeFileSync(rootFile, pem);
  writeFileSync(keyFile, authority.key.export({ format: 'pem', type: 'pkcs8' }) as string);
  return { authority, rootFile, keyFile, certFile: rootFile, chain: (o) => attestKey(authority, { now: Date.now(), ...o }) };
}
