// The UiO Weblogin dialect end to end with the virtual Mac acting as each extension generation
// (extensions.md §4), on SQLite; uio-postgres.test.ts runs the WL-N journey on PostgreSQL.

import { after, before, describe, it } from 'node:test';
import type { TestServer } from '../helpers/test-server.js';
import { uioServer } from './uio-helpers.js';
import { wl0Journey, wlnJourney } from './uio-journey.js';

describe('UiO dialect end to end (SQLite)', () => {
  let s: TestServer;
  before(async () => { s = await uioServer(); });
  after(async () => { await s.close(); });

  it('WL-N: OpenID registration, Secure Enclave login, refresh, key request and exchange, revocation', () => wlnJourney(s));
  it('WL-0: OpenID registration, Password login and refresh; its key URL fails as on a real Mac', () => wl0Journey(s));
});
