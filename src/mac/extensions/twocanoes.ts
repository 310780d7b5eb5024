// The twocanoes Scissors extension as the virtual Mac plays it (extensions.md §2.4, §2.5): an
// unauthenticated JSON POST to BaseURL + `register` (SPKI PEM keys, padded standard base64 kids,
// under URLSession's default form content type), then the login configuration @0dd3952 saves.
// User registration makes no server call.

import { kidFromX963, pemFromX963 } from '../../protocol/ec-keys.js';
import { MacError, refusalError } from '../errors.js';
import type { MacExtension } from './types.js';

/** Scissors' hard-coded client id (@0dd3952). */
export const TWOCANOES_CLIENT_ID = 'psso';

/** Scissors concatenates base + endpoint, so the base it uses ends with exactly one slash (§2.2). */
export function twocanoesBase(baseUrl: string): string {
  return `${baseUrl.replace(/\/+$/, '')}/`;
}

export const twocanoesExtension: MacExtension = {
  name: 'twocanoes',
  methods: ['password'],
  async registerDevice(mac, d) {
    const base = twocanoesBase(d.baseUrl);
    const body = JSON.stringify({
      DeviceUUID: d.deviceUuid,
      DeviceSigningKey: pemFromX963(d.signing.x963),
      DeviceEncryptionKey: pemFromX963(d.encryption.x963),
      SignKeyID: kidFromX963(d.signing.x963),
      EncKeyID: kidFromX963(d.encryption.x963),
    });
    // The extension sets no Content-Type: URLSession sends its form default.
    const res = await mac.http.postRaw(`${base}register`, body, 'application/x-www-form-urlencoded');
    if (res.status < 200 || res.status > 299) {
      // Scissors itself reports success whatever the answer and fails at the first login; saying so here saves a puzzle.
      const e = refusalError('twocanoes registration', res.status, res.text);
      throw new MacError(e.kind, `${e.message} (The real extension would report success anyway and fail at the first login.)`, { status: res.status, ...(e.body ? { body: e.body } : {}) });
    }
    let serverDeviceId: string | undefined;
    try { serverDeviceId = (JSON.parse(res.text) as { device?: { id?: string } }).device?.id; } catch { /* the extension reads nothing */ }
    const tokenEndpointURL = `${base}token`;
    return {
      cfg: {
        clientID: TWOCANOES_CLIENT_ID,
        // @0dd3952 saves the base URL string as its issuer; audience matters only to key requests, which send none.
        issuer: base,
        audience: TWOCANOES_CLIENT_ID,
        tokenEndpointURL,
        nonceEndpointURL: `${base}nonce`,
        jwksEndpointURL: `${base}.well-known/jwks.json`,
        keyEndpointURL: tokenEndpointURL,
        nonceResponseKeypath: 'Nonce',
        serverNonceClaimName: 'request_nonce',
      },
      ...(serverDeviceId ? { serverDeviceId } : {}),
    };
  },
  // Saves loginUserName only (§2.4): nothing goes to the server.
  async registerUser() { /* no server call */ },
};
