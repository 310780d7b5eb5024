// Apple Managed Device Attestation of a registered key (extensions.md §4.6): decodes the certificate
// array attestKey returns (leaf first), reads Apple's OIDs from the leaf and verifies the chain to a
// trusted root, the attested key and the freshness code. Pure: the time and the roots are passed in.

import 'reflect-metadata';
import { createHash, X509Certificate } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { PssoError } from '../errors/psso-error.js';
import { x963FromPublicKey } from './ec-keys.js';

/** Apple's attestation OIDs. Each extnValue OCTET STRING holds the raw bytes, with no inner wrapper (§4.6 item 6). */
export const APPLE_ATTESTATION_OID = {
  freshness: '1.2.840.113635.100.8.11.1',
  serialNumber: '1.2.840.113635.100.8.9.1',
  udid: '1.2.840.113635.100.8.9.2',
  sepOsVersion: '1.2.840.113635.100.8.10.2',
} as const;

// Real chains are leaf + Apple intermediate (+ root at most); anything much longer is not attestKey's output.
const MAX_CERTIFICATES = 5;
const MAX_CERTIFICATE_BYTES = 16 * 1024;
const STD_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

export interface AttestationLeafFacts {
  /** The 32-byte freshness code (clientDataHash), or null when the leaf has none. */
  freshness: Buffer | null;
  serialNumber: string | null;
  udid: string | null;
  sepOsVersion: string | null;
}

export interface VerifiedAttestation extends AttestationLeafFacts {
  /** Lower-case hex SHA-256 of the DER of the trusted root the chain ends at. */
  rootFingerprint: string;
}

/** Decodes the wire form: a JSON array of standard-base64 DER certificates, leaf first. */
export function decodeAttestationArray(items: unknown): Buffer[] {
  if (!Array.isArray(items) || items.length === 0) throw new PssoError('attestation_malformed', 'not a non-empty array');
  if (items.length > MAX_CERTIFICATES) throw new PssoError('attestation_malformed', `more than ${MAX_CERTIFICATES} certificates`);
  return items.map((item, i) => {
    if (typeof item !== 'string' || item.length === 0 || !STD_BASE64.test(item)) {
      throw new PssoError('attestation_malformed', `certificate ${i} is not standard base64`);
    }
    return Buffer.from(item, 'base64');
  });
}

function utf8(v: ArrayBuffer | undefined): string | null {
  if (v === undefined || v.byteLength === 0) return null;
  return Buffer.from(v).toString('utf8');
}

/** Parses each DER certificate (node's parser for verification, @peculiar's for extensions) and reads the leaf's OIDs. */
export function parseAttestationChain(ders: Buffer[]): { certs: X509Certificate[]; leaf: AttestationLeafFacts } {
  if (ders.length === 0) throw new PssoError('attestation_malformed', 'empty chain');
  if (ders.length > MAX_CERTIFICATES) throw new PssoError('attestation_malformed', `more than ${MAX_CERTIFICATES} certificates`);
  const certs = ders.map((der, i) => {
    if (der.length === 0 || der.length > MAX_CERTIFICATE_BYTES) throw new PssoError('attestation_malformed', `certificate ${i} has no plausible size`);
    try { return new X509Certificate(der); } catch { throw new PssoError('attestation_malformed', `certificate ${i} is not DER X.509`); }
  });
  let leaf: x509.X509Certificate;
  try { leaf = new x509.X509Certificate(new Uint8Array(ders[0]!)); } catch { throw new PssoError('attestation_malformed', 'leaf certificate extensions do not parse'); }
  const ext = (oid: string) => leaf.getExtension(oid)?.value;
  const freshness = ext(APPLE_ATTESTATION_OID.freshness);
  return {
    certs,
    leaf: {
      freshness: freshness === undefined ? null : Buffer.from(freshness),
      serialNumber: utf8(ext(APPLE_ATTESTATION_OID.serialNumber)),
      udid: utf8(ext(APPLE_ATTESTATION_OID.udid)),
      sepOsVersion: utf8(ext(APPLE_ATTESTATION_OID.sepOsVersion)),
    },
  };
}

const within = (c: X509Certificate, now: number) => Date.parse(c.validFrom) <= now && now <= Date.parse(c.validTo);

/**
 * Builds the path leaf → … → trusted root, signature by signature (revocation is not checked: Apple
 * publishes none for these short-lived leaves). The chain may or may not include the root itself.
 * Signatures are checked before validity, so a forged chain is reported as untrusted, not as expired.
 */
export function verifyAttestationChain(certs: X509Certificate[], roots: readonly X509Certificate[], now: number): X509Certificate {
  if (roots.length === 0) throw new PssoError('attestation_untrusted', 'no attestation roots configured');
  const path: X509Certificate[] = [];
  let anchor: X509Certificate | undefined;
  for (let i = 0; i < certs.length && !anchor; i++) {
    const cert = certs[i]!;
    // A chain that carries the root itself ends there: the root is the anchor, not a link to verify.
    const same = roots.find((r) => r.fingerprint256 === cert.fingerprint256);
    if (same && i > 0) { anchor = same; break; }
    path.push(cert);
    anchor = roots.find((r) => cert.checkIssued(r) && safeVerify(cert, r));
    if (anchor) break;
    const next = certs[i + 1];
    if (!next || !cert.checkIssued(next) || !safeVerify(cert, next) || !next.ca) {
      throw new PssoError('attestation_untrusted', i === 0 ? 'leaf is not issued by the next certificate or a trusted root' : `link ${i} is broken`);
    }
  }
  if (!anchor) throw new PssoError('attestation_untrusted', 'chain does not end at a trusted root');
  for (const c of [...path, anchor]) {
    if (!within(c, now)) throw new PssoError('attestation_certificate_expired', `${c.subject.replace(/\n/g, ', ')} valid ${c.validFrom} to ${c.validTo}`);
  }
  return anchor;
}

function safeVerify(cert: X509Certificate, issuer: X509Certificate): boolean {
  try { return cert.verify(issuer.publicKey); } catch { return false; }
}

/** The X9.63 point of the leaf's key, or null when it is not a P-256 key. */
function leafPoint(leaf: X509Certificate): Buffer | null {
  try { return x963FromPublicKey(leaf.publicKey); } catch { return null; }
}

/** SHA-256 of the UTF-8 nonce exactly as sent: the clientDataHash the extension attested with. */
export function freshnessFor(nonce: string): Buffer {
  return createHash('sha256').update(nonce, 'utf8').digest();
}

export interface AttestationInput {
  chain: Buffer[];
  nonce: string;
  attestedKeyX963: Uint8Array;
  trustedRoots: readonly X509Certificate[];
  now: number;
}

/** Every check of §4.6 except consuming the nonce (the caller owns storage). Throws a 187x PssoError. */
export function verifyAttestation(input: AttestationInput): VerifiedAttestation {
  const { certs, leaf } = parseAttestationChain(input.chain);
  const root = verifyAttestationChain(certs, input.trustedRoots, input.now);
  const point = leafPoint(certs[0]!);
  if (!point || !point.equals(Buffer.from(input.attestedKeyX963))) throw new PssoError('attestation_key_mismatch');
  if (!leaf.freshness || !leaf.freshness.equals(freshnessFor(input.nonce))) {
    throw new PssoError('attestation_freshness_mismatch', leaf.freshness ? 'not SHA-256 of the nonce' : 'no freshness extension');
  }
  return { ...leaf, rootFingerprint: createHash('sha256').update(root.raw).digest('hex') };
}
