// The UiO Weblogin dialect end to end with the virtual Mac acting as each extension generation
// (extensions.md §4), on SQLite; uio-postgres.test.ts runs the WL-N journey on PostgreSQL.

import { after, before, describe, it } from 'node:test';
import type { TestServer } from '../helpers/test-server.js';
import assert from 'node:assert/strict';
import { DEMO_PASSWORD } from '../../src/app/demo.js';
import { BOB, baseOf, newMac, uioServer } from './uio-helpers.js';
import { wl0Journey, wlnJourney } from './uio-journey.js';

describe('UiO dialect end to end (SQLite)', () => {
  let s: TestServer;
  before(async () => { s = await uioServer(); });
  after(async () => { await s.close(); });

  it('WL-N: OpenID registration, Secure Enclave login, refresh, key request and exchange, revocation', () => wlnJourney(s));
  it('WL-N on macOS 27: psso/authurl starts OpenPSSO\'s web login for client psso, and the token exchange at psso/token completes it', async () => {
    const mac = newMac(s);
    await mac.register({ server: baseOf(s), token: s.registrationToken, user: BOB, password: DEMO_PASSWORD, method: 'password', extension: 'uio', generation: 'wln' });
    const pre = await (await fetch(`${baseOf(s)}/psso/authurl?user=${encodeURIComponent(BOB)}`)).json() as { authorizationURL: string };
    assert.equal(new URL(pre.authorizationURL).searchParams.get('client_id'), 'psso');
    const before = s.signIns.events.length;
    const r = await mac.webLogin({ user: BOB, password: DEMO_PASSWORD });
    assert.equal(r.ok, true, r.messages.join('\n'));
    const login = s.signIns.events.slice(before).find((e) => e.operation === 'login');
    assert.deepEqual([login?.method, login?.extension, login?.error], ['web_login', 'uio', undefined]);
  });

  it('WL-0: OpenID registration, Password login and refresh; its key URL fails as on a real Mac', () => wl0Journey(s));
});
