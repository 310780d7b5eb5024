// The signed JWT a confidential client presents instead of a secret (RFC 7523 §2.2; Entra "certificate credentials"), signed with jose.

import { createHash, createPrivateKey, X509Certificate } from 'node:crypto';
import { SignJWT } from 'jose';

export interface CertificateCredential {
  /** PEM of the certificate registered on the app (its thumbprint goes in the header). */
  certificatePem: string;
  /** PEM of its private key (PKCS#8 or PKCS#1/SEC1). */
  privateKeyPem: string;
}

const b64u = (b: Buffer) => b.toString('base64url');

/** Entra identifies the certificate by its thumbprint: x5t (SHA-1, the long-standing header) and x5t#S256. */
export async function buildClientAssertion(cred: CertificateCredential, clientId: string, audience: string, jti: string, nowMs: number): Promise<string> {
  const cert = new X509Certificate(cred.certificatePem);
  const key = createPrivateKey(cred.privateKeyPem);
  if (!cert.checkPrivateKey(key)) throw new Error('the private key does not belong to the certificate');
  const alg = key.asymmetricKeyType === 'rsa' ? 'RS256' : key.asymmetricKeyType === 'ec' ? 'ES256' : null;
  if (alg === null) throw new Error(`unsupported key type ${key.asymmetricKeyType}; use RSA (Entra) or EC P-256`);
  const now = Math.floor(nowMs / 1000);
  return new SignJWT({})
    .setProtectedHeader({
      alg, typ: 'JWT',
      x5t: b64u(createHash('sha1').update(cert.raw).digest()),
      'x5t#S256': b64u(createHash('sha256').update(cert.raw).digest()),
    })
    .setIssuer(clientId).setSubject(clientId).setAudience(audience).setJti(jti)
    .setIssuedAt(now).setNotBefore(now).setExpirationTime(now + 600)
    .sign(key);
}
