// One UiO journey per generation, run on SQLite and on PostgreSQL: registration the extension's way,
// Secure Enclave and Password logins, refresh, the key service (WL-N; WL-0's key URL fails as on a
// real Mac), revocation, and sign-in rows that name the dialect.

import assert from 'node:assert/strict';
import type { TestServer } from '../helpers/test-server.js';
import { DEMO_PASSWORD } from '../../src/app/demo.js';
import { MacError } from '../../src/mac/errors.js';
import type { VirtualMac } from '../../src/mac/agent.js';
import { revokeDevice } from '../../src/app/directory.js';
import { PssoError } from '../../src/errors/psso-error.js';
import { ALICE, BOB, baseOf, newMac } from './uio-helpers.js';

export async function wlnJourney(s: TestServer): Promise<void> {
  const mac = newMac(s);
  const before = s.signIns.events.length;
  const reg = await mac.register({ server: baseOf(s), user: ALICE, password: DEMO_PASSWORD, method: 'secure_enclave', extension: 'uio', generation: 'wln', useRefreshToken: true });
  const device = await s.ctx.store.devices.getBySigningKid(reg.signingKid);
  assert.ok(device, 'the enrolled device is stored under its signing kid');
  assert.equal(device.sharedDeviceKeys, true);
  const cfg = (await mac.state.loginConfig())!;
  assert.equal(cfg.keyEndpointURL, `${baseOf(s)}/psso/token`);
  assert.equal(cfg.refreshEndpointURL, `${baseOf(s)}/psso/token`, 'UseRefreshToken sets the refresh URL');
  const rows = s.signIns.events.slice(before);
  for (const op of ['device_registration', 'user_registration', 'login'] as const) {
    const row = rows.find((e) => e.operation === op);
    assert.equal(row?.extension, 'uio', `${op} row names the dialect`);
    assert.equal(row?.error, undefined, `${op}: ${row?.error?.message}`);
  }
  assert.equal(rows.find((e) => e.operation === 'login')?.method, 'secure_enclave');
  assert.equal((await s.ctx.store.userRegistrations.listForDevice(device.id))[0]?.method, 'secure_enclave');

  // Refresh (no sub in the request, as macOS sends it), then the PSSO 2.0 key service at the token URL.
  const refreshed = await mac.refreshTokens(ALICE);
  assert.ok(refreshed.tokens.refreshToken);
  assert.equal(s.signIns.events.at(-1)?.operation, 'refresh');
  assert.equal(s.signIns.events.at(-1)?.extension, 'uio');
  await mac.keyRequest(ALICE);
  const kx = await mac.keyExchange({ user: ALICE });
  assert.equal(kx.verified, true);

  // Revocation ends it: the next login is refused with the device's code, and the row says so.
  await revokeDevice(s.ctx, device.id);
  await assert.rejects(mac.fullLogin(ALICE), (e: unknown) => e instanceof MacError && e.code === new PssoError('device_revoked').code);
  const last = s.signIns.events.at(-1)!;
  assert.equal(last.extension, 'uio');
  assert.equal(last.error?.entry.name, 'device_revoked');
}

export async function wl0Journey(s: TestServer): Promise<VirtualMac> {
  const mac = newMac(s);
  const reg = await mac.register({ server: baseOf(s), user: BOB, password: DEMO_PASSWORD, method: 'password', extension: 'uio', generation: 'wl0' });
  const cfg = (await mac.state.loginConfig())!;
  assert.equal(cfg.keyEndpointURL, `${baseOf(s)}/psso/key`);
  assert.equal(cfg.refreshEndpointURL, `${baseOf(s)}/psso/token`, 'WL-0 always refreshes');
  assert.equal(cfg.customRefreshRequestValues, undefined, 'WL-0 adds the kid claims to logins only');
  assert.match(reg.messages.join('\n'), /Key request failed: .*\/psso\/key does not exist/);
  // Password login (the kid claims ride along), then a refresh: the row of each names the dialect.
  const t = await mac.fullLogin(BOB, { password: DEMO_PASSWORD });
  assert.equal(t.result.claims.iss, baseOf(s), 'the id_token issuer is the BaseURL (the realm URL)');
  const login = s.signIns.events.at(-1)!;
  assert.deepEqual([login.operation, login.method, login.extension, login.error], ['login', 'password', 'uio', undefined]);
  const r = await mac.refresh({ user: BOB, force: true });
  assert.equal(r.action, 'refresh', r.messages.join('\n'));
  assert.deepEqual([s.signIns.events.at(-1)!.operation, s.signIns.events.at(-1)!.extension], ['refresh', 'uio']);
  return mac;
}
