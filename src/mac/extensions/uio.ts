// The UiO Weblogin SSO extension, as the virtual Mac performs it (extensions.md §4.2-§4.5), in both
// generations: WL-0 (first release: access token only, always refreshes, key URL BaseURL/psso/key
// that no server has) and WL-N (newer: registration token or access token, registrationMethod,
// refresh only with UseRefreshToken, key requests at the token URL). Shared device keys only.

import type { VirtualMac } from '../agent.js';
import { MacError } from '../errors.js';
import { newRequestId } from '../http.js';
import type { LoginConfig } from '../types.js';
import type { MacExtension, MacKey } from './types.js';
import { idpLogin } from './uio-idp-login.js';
import { attestKey, virtualMacIdentifiers, type AttestationAuthority } from '../attestation.js';

export type UioGeneration = 'wl0' | 'wln';


const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const trim = (u: string) => u.replace(/\/+$/, '');
const METHOD_NAME = { password: 'PASSWORD', secure_enclave: 'SECURE_ENCLAVE', openid: 'OPENID', smart_card: 'PASSWORD' } as const;

/** POST BaseURL/psso/nonce with a fresh client-request-id; the extension parses the value as a UUID. */
async function uioNonce(mac: VirtualMac, base: string, requestId: string): Promise<string> {
  const r = await mac.http.json<{ nonce?: unknown }>('nonce request', mac.http.postForm(`${base}/psso/nonce`, 'grant_type=srv_challenge', 'application/json', requestId));
  if (typeof r?.nonce !== 'string' || !UUID.test(r.nonce)) throw new MacError('verification', 'The nonce answer has no "nonce" UUID; the UiO extension cannot parse it.');
  return r.nonce.toLowerCase();
}

/**
 * The attestation array as loginManager.attestKey gives it: std-base64 DER, leaf first, freshness =
 * SHA-256 of the lower-case nonce (§4.5 step 4), serial and UDID included (the profile sets
 * AllowDeviceIdentifiersInAttestation). Empty without a test attestation root (`--attest`).
 */
async function attestation(mac: VirtualMac, authority: AttestationAuthority | undefined, key: MacKey, nonce: string, deviceUuid: string): Promise<string[]> {
  if (!authority) return [];
  const chain = await attestKey(authority, { attestedKeyX963: key.x963, nonce, ...virtualMacIdentifiers(deviceUuid), now: mac.clock.now() });
  return chain.map((c) => c.toString('base64'));
}

/** §4.3: the login configuration the extension saves. */
function loginConfig(base: string, gen: UioGeneration, o: { clientId: string; issuer: string; audience: string; useRefreshToken: boolean }, d: { signing: MacKey; encryption: MacKey }): Omit<LoginConfig, 'created'> {
  const token = `${base}/psso/token`;
  const kids = { signKeyId: d.signing.kid, encKeyId: d.encryption.kid };
  return {
    clientID: o.clientId, issuer: o.issuer, audience: o.audience, tokenEndpointURL: token,
    jwksEndpointURL: `${base}/protocol/openid-connect/certs`, nonceEndpointURL: `${base}/psso/nonce`, nonceResponseKeypath: 'nonce',
    serverNonceClaimName: 'request_nonce', additionalScopes: 'urn:apple:platformsso',
    // WL-0 points the key service at a path no server has; its key requests fail (§4.11).
    keyEndpointURL: gen === 'wl0' ? `${base}/psso/key` : token,
    ...(gen === 'wl0' || o.useRefreshToken ? { refreshEndpointURL: token } : {}),
    customLoginRequestValues: kids,
    ...(gen === 'wln' ? {
      customRefreshRequestValues: kids,
      // macOS 27: dynamic web login through the pre-authentication at BaseURL/psso/authurl.
      supportedGrantTypes: ['password', 'jwtBearer', 'tokenExchange'], federationType: 'dynamicOpenID',
      federationUserPreauthenticationURL: `${base}/psso/authurl`, authorizationURLKeypath: 'authorizationURL',
    } : {}),
    tokenToUserMapping: { AccountName: 'preferred_username', FullName: 'name' },
  };
}

export const uioExtension: MacExtension = {
  name: 'uio',
  methods: ['password', 'secure_enclave'],

  async registerDevice(mac, d) {
    const base = trim(d.baseUrl);
    const gen: UioGeneration = d.options.generation ?? 'wln';
    const clientId = d.options.compatLogin?.clientId ?? 'psso';
    const cfg = loginConfig(base, gen, {
      clientId, issuer: d.options.compatLogin?.issuer ?? base, audience: d.options.compatLogin?.audience ?? 'psso', useRefreshToken: d.options.useRefreshToken ?? false,
    }, d);
    // WL-N switches to silent registration with the profile's RegistrationToken; WL-0 always signs in.
    const registrationToken = gen === 'wln' ? d.options.token ?? d.profile.registrationToken : undefined;
    const carried: Record<string, string> = {};
    let credential: Record<string, string>;
    if (registrationToken) {
      credential = { registrationToken };
    } else {
      if (d.options.password === undefined) throw new MacError('usage', 'The UiO extension signs in on the web pages to register: give --password (or, for --generation wln, --token).');
      const t = await idpLogin(mac, { baseUrl: base, clientId, user: d.options.user, password: d.options.password, totpSecret: d.options.totpSecret, promptLogin: gen === 'wln' });
      credential = { accessToken: t.accessToken };
      carried.accessToken = t.accessToken;
    }
    const requestId = newRequestId();
    const nonce = await uioNonce(mac, base, requestId);
    const body = {
      DeviceSigningKey: d.signing.x963.toString('base64'), DeviceEncryptionKey: d.encryption.x963.toString('base64'),
      SignKeyID: d.signing.kid, EncKeyID: d.encryption.kid, nonce, attestation: await attestation(mac, d.options.attestation, d.signing, nonce, d.deviceUuid),
      ...(gen === 'wln' ? { registrationMethod: METHOD_NAME[d.options.method ?? d.profile.method ?? 'password'] } : {}),
      ...credential,
    };
    await mac.http.json('device enrolment', mac.http.postJson(`${base}/psso/enroll`, body, undefined, requestId));
    return { cfg, carried };
  },

  async registerUser(mac, u) {
    // Password (and OpenID): the extension only saves the login name; nothing goes to the server.
    if (u.method !== 'secure_enclave') return;
    const base = trim(u.baseUrl);
    const gen: UioGeneration = u.options.generation ?? 'wln';
    let accessToken = u.carried?.accessToken;
    if (!accessToken) {
      if (u.options.password === undefined) throw new MacError('usage', 'Secure Enclave user registration signs in on the web pages: give --password.');
      accessToken = (await idpLogin(mac, { baseUrl: base, clientId: u.cfg.clientID, user: u.options.user, password: u.options.password, totpSecret: u.options.totpSecret, promptLogin: gen === 'wln' })).accessToken;
    }
    const key = u.userKey!;
    const requestId = newRequestId();
    const nonce = await uioNonce(mac, base, requestId);
    await mac.http.json('user enrolment', mac.http.postJson(`${base}/psso/userenroll`, {
      userKey: key.x963.toString('base64'), userKeyId: key.kid, nonce, attestation: await attestation(mac, u.options.attestation, key, nonce, u.deviceUuid), accessToken,
    }, undefined, requestId));
  },
};
