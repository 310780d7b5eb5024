// Makes a throwaway smart card PKI for tests: a CA, a card certificate naming the user by UPN SAN,
// and an untrusted self-signed card.

import { generateKeyPairSync, webcrypto, type KeyObject } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { x509 } from '../../src/app/x509.js';

const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };

async function webKeys(k: { privateKey: KeyObject; publicKey: KeyObject }) {
  return {
    privateKey: await webcrypto.subtle.importKey('pkcs8', k.privateKey.export({ format: 'der', type: 'pkcs8' }), { name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign']),
    publicKey: await webcrypto.subtle.importKey('spki', k.publicKey.export({ format: 'der', type: 'spki' }), { name: 'ECDSA', namedCurve: 'P-256' }, true, ['verify']),
  };
}

export async function makeCardPki(dir: string, upn: string) {
  const caKeys = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const caWeb = await webKeys(caKeys);
  const notBefore = new Date(Date.now() - 86400_000);
  const notAfter = new Date(Date.now() + 365 * 86400_000);
  const ca = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '01', name: 'CN=OpenPSSO Test Card CA', notBefore, notAfter, signingAlgorithm: alg, keys: caWeb,
    extensions: [new x509.BasicConstraintsExtension(true, 0, true), new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign, true)],
  });
  const card = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const cardWeb = await webKeys(card);
  const cardCert = await x509.X509CertificateGenerator.create({
    serialNumber: '02', subject: 'CN=Card Holder', issuer: ca.subject, notBefore, notAfter, signingAlgorithm: alg,
    publicKey: cardWeb.publicKey, signingKey: caWeb.privateKey,
    extensions: [new x509.SubjectAlternativeNameExtension([{ type: 'upn', value: upn }])],
  });
  const rogue = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const rogueCert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '03', name: 'CN=Rogue', notBefore, notAfter, signingAlgorithm: alg, keys: await webKeys(rogue),
    extensions: [new x509.SubjectAlternativeNameExtension([{ type: 'upn', value: upn }])],
  });
  const caFile = join(dir, 'card-ca.pem');
  writeFileSync(caFile, ca.toString('pem'));
  const cardKeyFile = join(dir, 'card-key.pem');
  const cardCertFile = join(dir, 'card-cert.pem');
  writeFileSync(cardKeyFile, card.privateKey.export({ format: 'pem', type: 'pkcs8' }) as string);
  writeFileSync(cardCertFile, cardCert.toString('pem'));
  return {
    caFile, cardKeyFile, cardCertFile, cardKey: card.privateKey, cardCertDer: Buffer.from(cardCert.rawData),
    selfSignedKey: rogue.privateKey, selfSignedDer: Buffer.from(rogueCert.rawData),
  };
}
