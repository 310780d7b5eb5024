// Signs a profile as CMS SignedData with attached content (RFC 5652 §5), the form MDMs and macOS show
// as "Verified", and opens signed profiles for the linter: attached content, signer, signature check.
// ASN.1 is encoded and decoded by @peculiar/asn1-cms; node:crypto does certificates, hashing and signing.

import { createHash, createPublicKey, createPrivateKey, sign as cryptoSign, verify as cryptoVerify, X509Certificate, type KeyObject } from 'node:crypto';
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import {
  Attribute, CertificateChoices, CertificateSet, ContentInfo, DigestAlgorithmIdentifier, DigestAlgorithmIdentifiers,
  EncapsulatedContent, EncapsulatedContentInfo, IssuerAndSerialNumber, SignatureAlgorithmIdentifier, SignedData,
  SignerIdentifier, SignerInfo, SignerInfos, id_data, id_signedData,
} from '@peculiar/asn1-cms';
import { Certificate, SubjectKeyIdentifier, id_ce_subjectKeyIdentifier } from '@peculiar/asn1-x509';
import { ContentType, MessageDigest, SigningTime } from '@peculiar/asn1-pkcs9';

const OID = {
  sha256: '2.16.840.1.101.3.4.2.1',
  sha384: '2.16.840.1.101.3.4.2.2',
  sha512: '2.16.840.1.101.3.4.2.3',
  sha1: '1.3.14.3.2.26',
  rsaEncryption: '1.2.840.113549.1.1.1',
  sha1WithRSA: '1.2.840.113549.1.1.5',
  sha256WithRSA: '1.2.840.113549.1.1.11',
  sha384WithRSA: '1.2.840.113549.1.1.12',
  sha512WithRSA: '1.2.840.113549.1.1.13',
  ecdsaSha256: '1.2.840.10045.4.3.2',
  ecdsaSha384: '1.2.840.10045.4.3.3',
  ecdsaSha512: '1.2.840.10045.4.3.4',
  ecPublicKey: '1.2.840.10045.2.1',
  contentType: '1.2.840.113549.1.9.3',
  messageDigest: '1.2.840.113549.1.9.4',
  signingTime: '1.2.840.113549.1.9.5',
} as const;

const digestNames: Record<string, string> = { [OID.sha256]: 'sha256', [OID.sha384]: 'sha384', [OID.sha512]: 'sha512', [OID.sha1]: 'sha1' };

export interface SignOptions {
  /** PEM of the signer certificate. */
  certPem: string;
  /** PEM of the signer's private key (PKCS#8, PKCS#1 or SEC1; RSA or EC). */
  keyPem: string;
  /** PEM bundle of intermediate certificates to embed (optional). */
  chainPem?: string;
  /** Signing time attribute; defaults to now. */
  signingTime?: Date;
}

export class ProfileSigningError extends Error {
  constructor(message: string) { super(message); this.name = 'ProfileSigningError'; }
}

function pemBlocks(pem: string): string[] {
  return pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
}

function asnCert(pem: string): Certificate {
  return AsnConvert.parse(new X509Certificate(pem).raw, Certificate);
}

function derOf(x: unknown): Buffer {
  return Buffer.from(AsnConvert.serialize(x));
}

/** DER of `SET OF Attribute`: what the signature covers (RFC 5652 §5.4). */
function signedAttrsDer(attrs: Attribute[]): Buffer {
  const body = Buffer.concat(attrs.map(derOf));
  return Buffer.concat([Buffer.from([0x31]), derLength(body.length), body]);
}

function derLength(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

/** Returns the DER CMS SignedData (attached content) of `content`, signed with SHA-256. */
export function signProfile(content: Buffer | string, opts: SignOptions): Buffer {
  const data = Buffer.isBuffer(content) ? content : Buffer.from(content, 'utf8');
  let cert: Certificate;
  let key: KeyObject;
  try {
    cert = asnCert(opts.certPem);
  } catch (err) {
    throw new ProfileSigningError(`the signer certificate is not a readable PEM certificate: ${(err as Error).message}`);
  }
  try {
    key = createPrivateKey(opts.keyPem);
  } catch (err) {
    throw new ProfileSigningError(`the signer key is not a readable PEM private key: ${(err as Error).message}`);
  }
  if (!new X509Certificate(opts.certPem).checkPrivateKey(key)) {
    throw new ProfileSigningError('the private key does not belong to the signer certificate');
  }
  let sigAlg: SignatureAlgorithmIdentifier;
  if (key.asymmetricKeyType === 'rsa') sigAlg = new SignatureAlgorithmIdentifier({ algorithm: OID.rsaEncryption, parameters: null });
  else if (key.asymmetricKeyType === 'ec') sigAlg = new SignatureAlgorithmIdentifier({ algorithm: OID.ecdsaSha256 });
  else throw new ProfileSigningError(`unsupported key type ${key.asymmetricKeyType ?? 'unknown'}; use RSA or EC`);

  const digest = createHash('sha256').update(data).digest();
  // DER wants SET OF elements in encoded order; OpenSSL re-encodes signed attributes before verifying.
  const attrs = [
    new Attribute({ attrType: OID.contentType, attrValues: [AsnConvert.serialize(new ContentType(id_data))] }),
    new Attribute({ attrType: OID.signingTime, attrValues: [AsnConvert.serialize(new SigningTime(opts.signingTime ?? new Date()))] }),
    new Attribute({ attrType: OID.messageDigest, attrValues: [AsnConvert.serialize(new MessageDigest(digest))] }),
  ].sort((a, b) => Buffer.compare(derOf(a), derOf(b)));
  const toSign = signedAttrsDer(attrs);
  const signature = cryptoSign('sha256', toSign, key);

  const signerInfo = new SignerInfo({
    version: 1,
    sid: new SignerIdentifier({ issuerAndSerialNumber: new IssuerAndSerialNumber({ issuer: cert.tbsCertificate.issuer, serialNumber: cert.tbsCertificate.serialNumber }) }),
    digestAlgorithm: new DigestAlgorithmIdentifier({ algorithm: OID.sha256, parameters: null }),
    signedAttrs: attrs,
    signatureAlgorithm: sigAlg,
    signature: new OctetString(signature),
  });
  const certs = [cert, ...pemBlocks(opts.chainPem ?? '').map(asnCert)];
  const signedData = new SignedData({
    version: 1,
    digestAlgorithms: new DigestAlgorithmIdentifiers([new DigestAlgorithmIdentifier({ algorithm: OID.sha256, parameters: null })]),
    encapContentInfo: new EncapsulatedContentInfo({ eContentType: id_data, eContent: new EncapsulatedContent({ single: new OctetString(data) }) }),
    certificates: new CertificateSet(certs.map((c) => new CertificateChoices({ certificate: c }))),
    signerInfos: new SignerInfos([signerInfo]),
  });
  return derOf(new ContentInfo({ contentType: id_signedData, content: AsnConvert.serialize(signedData) }));
}


// ---------------------------------------------------------------- reading

export interface SignerReport {
  readonly subject: string;
  readonly issuer: string;
  readonly serialNumber: string;
  readonly notBefore?: Date;
  readonly notAfter?: Date;
  /** Content digest and signature check with the signer's own certificate (not the chain of trust). */
  readonly signatureValid: boolean;
  readonly problem?: string;
}

export interface OpenedSignedProfile {
  readonly content: Buffer;
  readonly signers: SignerReport[];
  readonly certificateCount: number;
}

export class SignedProfileError extends Error {
  constructor(message: string) { super(message); this.name = 'SignedProfileError'; }
}

/** True if the bytes look like a CMS ContentInfo (DER SEQUENCE) or a PEM-armoured one. */
export function looksSigned(bytes: Buffer): boolean {
  if (bytes[0] === 0x30 && bytes.length > 16) return true;
  const head = bytes.subarray(0, 64).toString('latin1');
  return /-----BEGIN (PKCS7|CMS)-----/.test(head);
}

function unarmour(bytes: Buffer): Buffer {
  const text = bytes.subarray(0, 64).toString('latin1');
  if (!text.includes('-----BEGIN')) return bytes;
  const m = /-----BEGIN (PKCS7|CMS)-----([\s\S]+?)-----END \1-----/.exec(bytes.toString('latin1'));
  if (!m) throw new SignedProfileError('PEM armour without a matching END line');
  return Buffer.from(m[2]!.replace(/\s+/g, ''), 'base64');
}

/** Extracts the attached content of a CMS SignedData profile and checks each signature. */
export function openSignedProfile(input: Buffer): OpenedSignedProfile {
  let signed: SignedData;
  try {
    const info = AsnConvert.parse(unarmour(input), ContentInfo);
    if (info.contentType !== id_signedData) {
      throw new SignedProfileError(`CMS content type is ${info.contentType}, not signedData; encrypted profiles cannot be linted`);
    }
    signed = AsnConvert.parse(info.content, SignedData);
  } catch (err) {
    if (err instanceof SignedProfileError) throw err;
    throw new SignedProfileError(`the file looks like a signed profile but its CMS structure is unreadable (${(err as Error).message})`);
  }
  const ec = signed.encapContentInfo.eContent;
  let content: Buffer;
  if (ec?.single) content = Buffer.from(ec.single.buffer);
  else if (ec?.any) content = constructedOctets(Buffer.from(ec.any));
  else throw new SignedProfileError('the signed profile has no attached content (detached signature); sign with the content attached');

  const certs = (signed.certificates ?? []).map((c) => c.certificate).filter((c): c is Certificate => c !== undefined);
  const signers = signed.signerInfos.map((si) => checkSigner(si, certs, content));
  return { content, signers, certificateCount: certs.length };
}

/** Concatenates the segments of a BER constructed OCTET STRING (streamed CMS output). */
function constructedOctets(der: Buffer): Buffer {
  const out: Buffer[] = [];
  const walk = (buf: Buffer, depth: number): void => {
    let i = 0;
    while (i < buf.length) {
      const tag = buf[i++]!;
      if (tag === 0x00 && buf[i] === 0x00) { i++; continue; } // end-of-contents
      let len = buf[i++]!;
      let indefinite = false;
      if (len === 0x80) indefinite = true;
      else if (len & 0x80) {
        const n = len & 0x7f;
        len = 0;
        for (let k = 0; k < n; k++) len = len * 256 + buf[i++]!;
      }
      if (tag === 0x04) { out.push(buf.subarray(i, i + len)); i += len; continue; }
      if (tag === 0x24 && depth < 8) {
        if (indefinite) { walk(buf.subarray(i), depth + 1); return; }
        walk(buf.subarray(i, i + len), depth + 1); i += len; continue;
      }
      throw new SignedProfileError('the attached content is not an OCTET STRING');
    }
  };
  walk(der, 0);
  return Buffer.concat(out);
}

/** Node prints names one RDN per line; profiles tools show them comma-separated. */
function nameString(multiline: string): string {
  return multiline.split('\n').filter(Boolean).join(', ');
}

function checkSigner(si: SignerInfo, certs: Certificate[], content: Buffer): SignerReport {
  const cert = certs.find((c) => {
    const ias = si.sid.issuerAndSerialNumber;
    if (ias) {
      return Buffer.from(c.tbsCertificate.serialNumber).equals(Buffer.from(ias.serialNumber))
        && Buffer.from(AsnConvert.serialize(c.tbsCertificate.issuer)).equals(Buffer.from(AsnConvert.serialize(ias.issuer)));
    }
    const ski = si.sid.subjectKeyIdentifier;
    const ext = c.tbsCertificate.extensions?.find((e) => e.extnID === id_ce_subjectKeyIdentifier);
    if (!ski || !ext) return false;
    return Buffer.from(AsnConvert.parse(ext.extnValue, SubjectKeyIdentifier).buffer).equals(Buffer.from(ski.buffer));
  });
  if (!cert) {
    return { subject: '(signer certificate not included)', issuer: '', serialNumber: '', signatureValid: false, problem: 'the signer certificate is not embedded in the profile' };
  }
  const x = new X509Certificate(Buffer.from(AsnConvert.serialize(cert)));
  const base = {
    subject: nameString(x.subject),
    issuer: nameString(x.issuer),
    serialNumber: Buffer.from(cert.tbsCertificate.serialNumber).toString('hex'),
    notBefore: cert.tbsCertificate.validity.notBefore.getTime(),
    notAfter: cert.tbsCertificate.validity.notAfter.getTime(),
  };
  const hash = digestNames[si.digestAlgorithm.algorithm];
  if (!hash) return { ...base, signatureValid: false, problem: `unsupported digest algorithm ${si.digestAlgorithm.algorithm}` };
  try {
    const pub = x.publicKey;
    let signedBytes = content;
    if (si.signedAttrs) {
      const md = si.signedAttrs.find((a) => a.attrType === OID.messageDigest)?.attrValues[0];
      const expected = md ? Buffer.from(AsnConvert.parse(md, MessageDigest).buffer) : undefined;
      if (!expected || !expected.equals(createHash(hash).update(content).digest())) {
        return { ...base, signatureValid: false, problem: 'the content does not match the signed message digest (the profile was changed after signing)' };
      }
      // The signature covers the DER SET OF the attributes; re-encoding canonicalises like OpenSSL does.
      signedBytes = si.signedAttrsRaw
        ? Buffer.concat([Buffer.from([0x31]), Buffer.from(si.signedAttrsRaw).subarray(1)])
        : signedAttrsDer([...si.signedAttrs].sort((a, b) => Buffer.compare(derOf(a), derOf(b))));
    }
    const ok = cryptoVerify(hash, signedBytes, pub, Buffer.from(si.signature.buffer));
    return ok ? { ...base, signatureValid: true } : { ...base, signatureValid: false, problem: 'the signature does not verify with the signer certificate' };
  } catch (err) {
    return { ...base, signatureValid: false, problem: `the signature could not be checked (${(err as Error).message})` };
  }
}
