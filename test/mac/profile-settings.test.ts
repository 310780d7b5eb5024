// Profile-derived settings: method spellings and the groups a Mac asks for.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { normaliseMethod, profileDefaults } from '../../src/mac/profile-settings.js';

test('method names from profiles and the command line', () => {
  assert.equal(normaliseMethod('Password'), 'password');
  assert.equal(normaliseMethod('UserSecureEnclaveKey'), 'secure_enclave');
  assert.equal(normaliseMethod('secure_enclave'), 'secure_enclave');
  assert.equal(normaliseMethod('SmartCard'), 'smart_card');
  // The command line's canonical kebab-case spellings, and any case or separator as aliases.
  assert.equal(normaliseMethod('secure-enclave'), 'secure_enclave');
  assert.equal(normaliseMethod('SecureEnclave'), 'secure_enclave');
  assert.equal(normaliseMethod('SECURE_ENCLAVE'), 'secure_enclave');
  assert.equal(normaliseMethod('smart-card'), 'smart_card');
  assert.equal(normaliseMethod('smartcard'), 'smart_card');
  // macOS 27's OpenID method (web-based login).
  assert.equal(normaliseMethod('OpenID'), 'openid');
  assert.equal(normaliseMethod('Kerberos'), undefined);
});

test('profile defaults: create-user flag, groups from all three group keys', () => {
  const p = profileDefaults({
    method: 'UserSecureEnclaveKey', loginFrequency: 7200, sharedDeviceKeys: true, createUserAtLogin: true, registrationToken: 'rgt.x',
    tokenToUserMapping: { accountName: 'preferred_username', fullName: 'name' },
    administratorGroups: ['mac-admins'], additionalGroups: ['engineering', 'mac-admins'], authorizationGroups: { 'system.preferences': 'it' },
  });
  assert.deepEqual(p, {
    method: 'secure_enclave', loginFrequency: 7200, sharedDeviceKeys: true, createUsersEnabled: true, registrationToken: 'rgt.x',
    groups: ['mac-admins', 'engineering', 'it'], tokenToUserMapping: { AccountName: 'preferred_username', FullName: 'name' },
  });
  assert.deepEqual(profileDefaults(undefined), {});
});
