// The virtual Mac's stand-in for loginManager.attestKey (extensions.md §4.5 step 4, §4.6): given an
// attestation root (key + certificate; a test root, since only Apple holds the real one) it issues a
// chain, leaf first, whose leaf holds the attested key and Apple's OIDs encoded as Apple encodes them.

import { createHash, createPrivateKey, webcrypto, X509Certificate, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { x509 } from '../app/x509.js';
import { APPLE_ATTESTATION_OID } from '../protocol/device-attestation.js';
import { publicKeyFromX963 } from '../protocol/ec-keys.js';
import { MacError } from './errors.js';

export interface AttestationAuthority {
  /** The root's private key (P-384 like Apple's, or P-256). */
  key: KeyObject;
  /** The root certificate, DER. */
  certDer: Buffer;
}

export interface AttestKeyOptions {
  /** The attested public key, 65-byte X9.63 (the device signing key). */
  attestedKeyX963: Buffer;
  /** The server nonce as it will be sent; the freshness code is SHA-256 of its UTF-8 bytes (clientDataHash). */
  nonce: string;
  /** Tests: a freshness code other than SHA-256(nonce); null leaves the extension out. */
  freshness?: Buffer | null;
  /** Present only with AllowDeviceIdentifiersInAttestation; null leaves the OID out. */
  serialNumber?: string | null;
  udid?: string | null;
  sepOsVersion?: string | null;
  /** Leaf validity (Apple's leaves live days); defaults to now - 1 h … now + 1 day. */
  notBefore?: Date;
  notAfter?: Date;
  /** Issue the leaf from an intermediate, as Apple's chain does (default true). */
  intermediate?: boolean;
  /** The Mac's clock, for the default validity. */
  now: number;
}

const curveOf = (k: KeyObject) => (k.asymmetricKeyDetails?.namedCurve === 'secp384r1' ? 'P-384' : 'P-256');
const algFor = (curve: string) => ({ name: 'ECDSA', namedCurve: curve, hash: curve === 'P-384' ? 'SHA-384' : 'SHA-256' });

async function signingKey(k: KeyObject): Promise<CryptoKey> {
  return webcrypto.subtle.importKey('pkcs8', k.export({ format: 'der', type: 'pkcs8' }), { name: 'ECDSA', namedCurve: curveOf(k) }, false, ['sign']) as Promise<CryptoKey>;
}

async function publicCryptoKey(x963: Buffer): Promise<CryptoKey> {
  const spki = publicKeyFromX963(x963).export({ format: 'der', type: 'spki' });
  return webcrypto.subtle.importKey('spki', spki, { name: 'ECDSA', namedCurve: 'P-256' }, true, ['verify']) as Promise<CryptoKey>;
}

const serial = () => createHash('sha256').update(String(Math.random())).digest('hex').slice(0, 16);

/** Issues [leaf, intermediate?] for the attested key; the root itself is not sent, as attestKey does not. */
export async function attestKey(ca: AttestationAuthority, o: AttestKeyOptions): Promise<Buffer[]> {
  const root = new x509.X509Certificate(new Uint8Array(ca.certDer));
  const rootSigner = await signingKey(ca.key);
  const rootAlg = algFor(curveOf(ca.key));
  const notBefore = o.notBefore ?? new Date(o.now - 3600_000);
  const notAfter = o.notAfter ?? new Date(o.now + 86400_000);
  let issuerName = root.subject;
  let issuerKey = rootSigner;
  let issuerAlg = rootAlg;
  const chain: Buffer[] = [];
  if (o.intermediate !== false) {
    const keys = await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign', 'verify']) as CryptoKeyPair;
    const sub = await x509.X509CertificateGenerator.create({
      serialNumber: serial(), subject: 'CN=Virtual Mac Enterprise Attestation Sub CA, O=OpenPSSO test', issuer: root.subject,
      notBefore: new Date(o.now - 86400_000), notAfter: new Date(o.now + 30 * 86400_000), signingAlgorithm: rootAlg,
      publicKey: keys.publicKey, signingKey: rootSigner,
      extensions: [new x509.BasicConstraintsExtension(true, 0, true), new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign, true)],
    });
    chain.push(Buffer.from(sub.rawData));
    issuerName = sub.subject;
    issuerKey = keys.privateKey;
    issuerAlg = algFor('P-256');
  }
  // Apple puts the raw bytes straight into extnValue's OCTET STRING, with no inner ASN.1 (§4.6 item 6).
  const raw = (oid: string, value: Buffer) => new x509.Extension(oid, false, new Uint8Array(value));
  const extensions: x509.Extension[] = [];
  const freshness = o.freshness === undefined ? createHash('sha256').update(o.nonce, 'utf8').digest() : o.freshness;
  if (freshness !== null) extensions.push(raw(APPLE_ATTESTATION_OID.freshness, freshness));
  if (o.serialNumber) extensions.push(raw(APPLE_ATTESTATION_OID.serialNumber, Buffer.from(o.serialNumber, 'utf8')));
  if (o.udid) extensions.push(raw(APPLE_ATTESTATION_OID.udid, Buffer.from(o.udid, 'utf8')));
  if (o.sepOsVersion) extensions.push(raw(APPLE_ATTESTATION_OID.sepOsVersion, Buffer.from(o.sepOsVersion, 'utf8')));
  const leaf = await x509.X509CertificateGenerator.create({
    serialNumber: serial(), subject: `CN=${createHash('sha256').update(o.attestedKeyX963).digest('hex').slice(0, 32)}`, issuer: issuerName,
    notBefore, notAfter, signingAlgorithm: issuerAlg, publicKey: await publicCryptoKey(o.attestedKeyX963), signingKey: issuerKey, extensions,
  });
  return [Buffer.from(leaf.rawData), ...chain];
}

/** Reads a root key and certificate from PEM files (`mac register --attest`). */
export function loadAttestationAuthority(keyFile: string, certFile: string): AttestationAuthority {
  try {
    const key = createPrivateKey(readFileSync(keyFile, 'utf8'));
    const cert = new X509Certificate(readFileSync(certFile, 'utf8'));
    return { key, certDer: cert.raw };
  } catch (e) {
    throw new MacError('usage', `Cannot read the attestation root (${keyFile}, ${certFile}): ${(e as Error).message}`);
  }
}

/** The serial number and UDID this virtual Mac reports, derived from its hardware UUID so they stay put. */
export function virtualMacIdentifiers(hardwareUuid: string): { serialNumber: string; udid: string } {
  const h = createHash('sha256').update(hardwareUuid).digest('hex').toUpperCase();
  return { serialNumber: `V${h.slice(0, 11)}`, udid: `00008103-${h.slice(11, 27)}` };
}
