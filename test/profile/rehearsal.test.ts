// A rollout rehearsal end to end: generate the profile for each method, lint it clean, load it into
// a virtual Mac (readMacSettings), then register and log in against a running OpenPSSO on loopback.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { makeCardPki } from '../helpers/card-pki.js';
import { ManualClock } from '../../src/app/clock.js';
import { DEMO_PASSWORD } from '../../src/app/demo.js';
import { VirtualMac } from '../../src/mac/agent.js';
import { generateProfile } from '../../src/profile/generate.js';
import { lintProfile } from '../../src/profile/lint.js';
import { readMacSettings } from '../../src/profile/mac-settings.js';

const users = { Password: 'alice@demo.openpsso.test', UserSecureEnclaveKey: 'bob@demo.openpsso.test', SmartCard: 'carol@demo.openpsso.test' } as const;

describe('profile → virtual Mac → OpenPSSO', () => {
  const clock = new ManualClock(Date.now());
  let s: TestServer;
  let pki: Awaited<ReturnType<typeof makeCardPki>>;

  before(async () => {
    pki = await makeCardPki(mkdtempSync(join(tmpdir(), 'pki-')), users.SmartCard);
    s = await startTestServer({ clock, overrides: { smartCard: { trustedCaFiles: [pki.caFile], userMapping: 'upn-san' } } });
  });
  after(async () => { await s?.close(); });

  for (const method of ['Password', 'UserSecureEnclaveKey', 'SmartCard'] as const) {
    it(`${method}: generated profile lints clean and drives registration and login`, async () => {
      const xml = generateProfile({
        issuer: s.url, extensionIdentifier: 'org.openpsso.mac.ssoextension', teamIdentifier: 'ABCDE12345', method,
        registrationToken: s.registrationToken, accountDisplayName: 'OpenPSSO rehearsal', loginFrequency: 7200,
        enableCreateUserAtLogin: method !== 'UserSecureEnclaveKey', tokenToUserMapping: { accountName: 'preferred_username', fullName: 'name' },
      });
      const bytes = Buffer.from(xml);
      assert.equal(lintProfile(bytes, { virtualMac: true }).counts.error, 0);
      // The placeholder extension id is for the virtual Mac only: for a real Mac it is an error.
      assert.ok(lintProfile(bytes).findings.some((f) => f.code === 'PSSO-L039' && f.severity === 'error'));
      const settings = readMacSettings(bytes);
      const mac = new VirtualMac({ dir: mkdtempSync(join(tmpdir(), 'vmac-')), clock, scryptCost: 1024 });
      const reg = await mac.register({
        user: users[method], password: DEMO_PASSWORD, profile: settings,
        ...(method === 'SmartCard' ? { cardKeyPath: pki.cardKeyFile, cardCertPath: pki.cardCertFile } : {}),
      });
      assert.equal(reg.method, settings.method);
      assert.equal(reg.sharedDeviceKeys, true);
      const login = await mac.login({ user: users[method], ...(method === 'SmartCard' ? {} : { password: DEMO_PASSWORD }) });
      assert.equal(login.ok, true, login.messages.join('\n'));
    });
  }
});
