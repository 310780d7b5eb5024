// Reads and checks the TLS certificate and key files before the server starts, so a missing file,
// a file that is not PEM, or a key of another certificate is one clear error instead of a trace.

import { readFileSync } from 'node:fs';
import { X509Certificate, createPrivateKey, type KeyObject } from 'node:crypto';
import { PssoError } from '../errors/psso-error.js';

export interface TlsFiles { cert: Buffer; key: Buffer }

function readOne(setting: string, file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'is a directory' : (e as Error).message;
    throw new PssoError('startup_tls_file_unreadable', `${setting} ${file}: ${why}`);
  }
}

export function readTlsFiles(tls: { certFile: string; keyFile: string }): TlsFiles {
  const cert = readOne('tls.certFile', tls.certFile);
  const key = readOne('tls.keyFile', tls.keyFile);
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(cert);
  } catch {
    throw new PssoError('startup_tls_invalid', `tls.certFile ${tls.certFile} is not a PEM certificate`);
  }
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(key);
  } catch {
    throw new PssoError('startup_tls_invalid', `tls.keyFile ${tls.keyFile} is not an unencrypted PEM private key`);
  }
  if (!certificate.checkPrivateKey(privateKey)) {
    throw new PssoError('startup_tls_invalid', `tls.keyFile ${tls.keyFile} is not the key of the certificate in ${tls.certFile}`);
  }
  return { cert, key };
}
