// Fleet's FleetPSSOExtension as the virtual Mac plays it (extensions.md §3.2, §3.4): the JWKS first
// (it must hold a P-256 `use: enc` key with 32-byte coordinates), then the form registration with
// PEM-wrapped raw points, unpadded base64url kids and the profile's RegistrationToken; the saved
// login configuration; and, for an interactive user registration, the extension's own credential check.

import { b64Encode, b64uEncode } from '../../protocol/base64.js';
import { x963FromJwk } from '../../protocol/ec-keys.js';
import { buildCredentialCheck } from '../../protocol/build-credential-check.js';
import { decodeAnyBase64 } from '../../protocol/base64.js';
import { MacError, refusalError } from '../errors.js';
import type { VirtualMac } from '../agent.js';
import type { MacExtension } from './types.js';

/** Fleet's extension uses its bundle id as clientID. */
export const FLEET_BUNDLE_ID = 'com.fleetdm.fleet-desktop.pssoextension';
const PATH = 'api/mdm/apple/psso';
const FORM = 'application/x-www-form-urlencoded';

/** appendingPathComponent tolerates a trailing slash on BaseURL. */
const endpoint = (baseUrl: string, name: string) => `${baseUrl.replace(/\/+$/, '')}/${PATH}/${name}`;

/** The PEM label around base64 of the raw X9.63 point (not SPKI), 64-character lines, no final newline. */
export function fleetPem(x963: Uint8Array): string {
  const b64 = b64Encode(x963);
  const lines = b64.match(/.{1,64}/g) ?? [];
  return ['-----BEGIN PUBLIC KEY-----', ...lines, '-----END PUBLIC KEY-----'].join('\n');
}

/** Percent-encodes every byte outside A-Z a-z 0-9 - . _ ~, as the extension's form encoder does. */
export function fleetForm(fields: Record<string, string>): string {
  const enc = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return Object.entries(fields).map(([k, v]) => `${enc(k)}=${enc(v)}`).join('&');
}

/** base64url without padding of the standard base64 kid. */
const urlKid = (kid: string) => b64uEncode(decodeAnyBase64(kid.replace(/=+$/, '')));

/** The JWKS's `use: enc` P-256 key, required by the newest extension; its absence fails registration. */
async function serverEncryptionKey(mac: VirtualMac, baseUrl: string): Promise<Buffer> {
  const jwks = await mac.http.json<{ keys?: Record<string, unknown>[] }>('JWKS request', mac.http.getJson(endpoint(baseUrl, 'jwks')));
  const key = jwks?.keys?.find((k) => k.kty === 'EC' && k.crv === 'P-256' && k.use === 'enc');
  if (!key) throw new MacError('verification', `The JWKS at ${endpoint(baseUrl, 'jwks')} has no EC P-256 key with "use": "enc"; Fleet's extension needs one to encrypt the password.`);
  try {
    return x963FromJwk(key);
  } catch {
    throw new MacError('verification', 'The JWKS enc key\'s x and y are not 32 bytes of base64url each.');
  }
}

export const fleetExtension: MacExtension = {
  name: 'fleet',
  methods: ['password'],
  async registerDevice(mac, d) {
    const token = d.options.token ?? d.profile.registrationToken;
    if (!token) throw new MacError('usage', 'Fleet\'s extension requires the profile\'s RegistrationToken: pass --token (an OpenPSSO registration token) or a profile that has one.');
    const serverKey = await serverEncryptionKey(mac, d.baseUrl);
    const res = await mac.http.postRaw(endpoint(d.baseUrl, 'registration'), fleetForm({
      device_uuid: d.deviceUuid,
      device_signing_key: fleetPem(d.signing.x963),
      device_encryption_key: fleetPem(d.encryption.x963),
      signing_key_id: urlKid(d.signing.kid),
      encryption_key_id: urlKid(d.encryption.kid),
      registration_token: token,
    }), FORM);
    // Success only after a 2xx, so Setup Assistant cannot go on with an unregistered key.
    if (res.status < 200 || res.status > 299) throw refusalError('Fleet device registration', res.status, res.text);
    const host = new URL(d.baseUrl).hostname;
    const tokenEndpointURL = endpoint(d.baseUrl, 'token');
    return {
      cfg: {
        clientID: FLEET_BUNDLE_ID,
        issuer: host,
        audience: host,
        tokenEndpointURL,
        keyEndpointURL: tokenEndpointURL,
        jwksEndpointURL: endpoint(d.baseUrl, 'jwks'),
        nonceEndpointURL: endpoint(d.baseUrl, 'nonce'),
        nonceResponseKeypath: 'Nonce',
        serverNonceClaimName: 'request_nonce',
        loginRequestEncryptionPublicKey: b64Encode(serverKey),
      },
    };
  },

  /**
   * Setup Assistant hands over a user macOS already logged in (no call); the interactive path, taken
   * here whenever a password is given, checks it with the extension's own request before saving.
   */
  async registerUser(mac, u) {
    if (u.options.password === undefined) return;
    const serverKey = await serverEncryptionKey(mac, u.baseUrl);
    const nonceRes = await mac.http.postRaw(endpoint(u.baseUrl, 'nonce'), 'grant_type=srv_challenge', FORM);
    const nonce = (await mac.http.json<{ Nonce?: unknown }>('nonce request', Promise.resolve(nonceRes)))?.Nonce;
    if (typeof nonce !== 'string' || nonce.length === 0) throw new MacError('verification', 'The nonce answer has no "Nonce" string.');
    const keys = await mac.deviceKeys();
    const check = buildCredentialCheck({
      signingKey: keys.signing, signingKid: keys.signingKid, encryptionKey: keys.encryptionX963, serverKey,
      clientId: u.cfg.clientID, username: u.options.user, password: u.options.password, requestNonce: nonce, now: Math.floor(mac.clock.now() / 1000),
    });
    const res = await mac.http.postRaw(endpoint(u.baseUrl, 'token'), fleetForm({ assertion: check.jwt }), FORM);
    if (res.status === 401) throw refusalError('credential check', 401, res.text);
    if (res.status < 200 || res.status > 299) throw new MacError('refused', `Couldn't verify the credentials (HTTP ${res.status}). ${refusalError('credential check', res.status, res.text).message}`, { status: res.status });
  },
};
