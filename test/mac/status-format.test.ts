// `status` output: the app-sso platform -s layout (Apple pretty JSON, ISO 8601 Z, (null), (Not Expired)/(Expired)), masking and the System Settings block.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatStatus, isoZ, maskLoginUserName, registrationState, statusJson, timeLine, tokensBlock } from '../../src/mac/status-format.js';
import type { DeviceConfig, LoginConfig, SsoTokens, UserConfig } from '../../src/mac/types.js';

const T0 = Date.UTC(2026, 3, 25, 9, 17, 44);
const NOW = Date.UTC(2026, 3, 25, 9, 41, 29, 512);

const device: DeviceConfig = {
  version: 1, deviceUuid: '36D3A40E-4A94-45BE-AC54-2FAF547FD95A', created: T0, signingKid: 'c2lnbmluZw==', encryptionKid: 'ZW5jcnlwdA==',
  sharedDeviceKeys: true, registrationCompleted: true, compat: false, extensionIdentifier: 'org.openpsso.mac.ssoextension',
  method: 'password', loginFrequency: 100, createUsersEnabled: false, encryptPassword: true,
  tokenToUserMapping: { AccountName: 'preferred_username', FullName: 'name' },
};
const login: LoginConfig = {
  clientID: 'openpsso-macos', issuer: 'https://idp.example.com', tokenEndpointURL: 'https://idp.example.com/psso/token',
  jwksEndpointURL: 'https://idp.example.com/.well-known/jwks.json', nonceResponseKeypath: 'Nonce', created: T0,
};
const user: UserConfig = { loginUserName: 'carol@example.com', method: 'secure_enclave', created: T0, registered: true, lastLoginDate: T0, uniqueIdentifier: 'usr_1' };
const tokens: SsoTokens = { idToken: 'x', refreshToken: 'y', received: T0, expiration: T0 + 14 * 86400_000 - 1000 };

test('masking, dates and the Time line', () => {
  assert.equal(maskLoginUserName('carol@example.com'), 'c***@example.com');
  assert.equal(maskLoginUserName('carol'), 'c***');
  assert.equal(isoZ(NOW), '2026-04-25T09:41:29Z');
  assert.equal(timeLine(NOW), '2026-04-25 09:41:29 +0000');
});

test('the full layout, section by section', () => {
  const text = formatStatus({ now: NOW, device, login, user, tokens, fullName: 'Carol Chen' });
  const expected = `Time: 2026-04-25 09:41:29 +0000

Device Configuration:
 {
  "_deviceEncryptionKeyData" : "ZW5jcnlwdA==",
  "_deviceSigningKeyData" : "c2lnbmluZw==",
  "authorizationEnabled" : false,
  "createUsersEnabled" : false,
  "created" : "2026-04-25T09:17:44Z",
  "deviceUUID" : "36D3A40E-4A94-45BE-AC54-2FAF547FD95A",
  "encryptionAlgorithm" : "ECDHE-A256GCM",
  "extensionIdentifier" : "org.openpsso.mac.ssoextension",
  "loginFrequency" : 3600,
  "loginType" : "POLoginTypePassword (1)",
  "protocolVersion" : 1,
  "registrationCompleted" : true,
  "sharedDeviceKeys" : true,
  "signingAlgorithm" : "ES256",
  "tokenToUserMapping" : {
    "AccountName" : "preferred_username",
    "FullName" : "name"
  },
  "version" : 1
}

Login Configuration:
 {
  "clientID" : "openpsso-macos",
  "created" : "2026-04-25T09:17:44Z",
  "issuer" : "https://idp.example.com",
  "jwksEndpointURL" : "https://idp.example.com/.well-known/jwks.json",
  "nonceResponseKeypath" : "Nonce",
  "tokenEndpointURL" : "https://idp.example.com/psso/token"
}

User Configuration:
 {
  "created" : "2026-04-25T09:17:44Z",
  "lastLoginDate" : "2026-04-25T09:17:44Z",
  "loginType" : "POLoginTypeUserSecureEnclaveKey (2)",
  "signingAlgorithm" : "ES256",
  "state" : "POUserStateNormal (0)",
  "uniqueIdentifier" : "usr_1",
  "userLoginConfiguration" : {
    "created" : "2026-04-25T09:17:44Z",
    "loginUserName" : "c***@example.com"
  },
  "version" : 1
}

SSO Tokens:
Received:
2026-04-25T09:17:44Z
Expiration:
2026-05-09T09:17:43Z (Not Expired)

System Settings > Users & Groups > Carol Chen > Platform Single Sign-On:
  Login name: carol@example.com
  Registration: Registered
  Method: Secure Enclave
  SSO tokens: Present (valid)
  Password: Local password is independent of the IdP password (Secure Enclave key method)
`;
  assert.equal(text, expected);
});

test('absent sections print (null), as scripts grep for', () => {
  const text = formatStatus({ now: NOW });
  assert.match(text, /Device Configuration:\n \(null\)\n/);
  assert.match(text, /Login Configuration:\n \(null\)\n/);
  assert.match(text, /User Configuration:\n \(null\)\n/);
  assert.match(text, /SSO Tokens:\n \(null\)\n/);
  assert.match(text, /Registration: Not registered/);
  assert.match(text, /SSO tokens: Not present/);
});

test('expired tokens and the password-method sync line', () => {
  assert.match(tokensBlock(tokens, T0 + 15 * 86400_000), /2026-05-09T09:17:43Z \(Expired\)$/);
  const text = formatStatus({ now: T0 + 15 * 86400_000, device, login, user: { ...user, method: 'password' }, tokens });
  assert.match(text, /SSO tokens: Present \(expired\)/);
  assert.match(text, /Method: Password/);
  assert.match(text, /Password: Local password is kept in sync with the IdP password/);
});

test('registration state: registered, not registered, needs repair', () => {
  assert.equal(registrationState(device, user), 'Registered');
  assert.equal(registrationState(undefined, user), 'Not registered');
  assert.equal(registrationState(device, { ...user, registered: false }), 'Not registered');
  assert.equal(registrationState({ ...device, needsRepair: 'OPSSO1102 revoked' }, user), 'Needs repair');
  const text = formatStatus({ now: NOW, device: { ...device, needsRepair: 'OPSSO1102 revoked' }, login, user });
  assert.match(text, /Registration: Needs repair \(OPSSO1102 revoked\)/);
  assert.match(text, /"state" : "POUserStateNormal \(0\)"/);
});

test('--json carries the same sections and the System Settings view', () => {
  const j = statusJson({ now: NOW, device, login, user, tokens });
  assert.equal(j.time, '2026-04-25T09:41:29Z');
  assert.deepEqual(j.ssoTokens, { received: '2026-04-25T09:17:44Z', expiration: '2026-05-09T09:17:43Z', expired: false });
  assert.equal((j.userConfiguration as { userLoginConfiguration: { loginUserName: string } }).userLoginConfiguration.loginUserName, 'c***@example.com');
  assert.equal((j.systemSettings as { registration: string }).registration, 'Registered');
  assert.equal(statusJson({ now: NOW }).deviceConfiguration, null);
});
