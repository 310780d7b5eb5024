// Test helper: protocol re-exports for the inspector tests, plus a base64-to-hex reader.

export { TYP, buildEncryptedAssertion, buildLoginRequest, buildPssoForm, buildPssoResponse, generateP256 } from '../../src/protocol/index.js';

export function hexOr(v: unknown): string {
  return typeof v === 'string' ? Buffer.from(v, 'base64').toString('hex') : '';
}
