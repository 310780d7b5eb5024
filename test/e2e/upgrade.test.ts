// Upgrade: a data directory made by a released version (test/fixtures/upgrade/<version>/, built by
// scripts/make-upgrade-fixture.sh with that release's own code) is opened by the current code, which
// migrates it at start; the data must survive and the Macs registered under the release must keep
// working: login, refresh, key exchange, a Secure Enclave login, and a new registration.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { loadConfig } from '../../src/config/load.js';
import { createAppContext } from '../../src/app/bootstrap.js';
import { buildServer } from '../../src/server/build-server.js';
import { ManualClock } from '../../src/app/clock.js';
import type { AppContext } from '../../src/app/context.js';
import { VirtualMac } from '../../src/mac/agent.js';
import { freePort } from '../helpers/ports.js';

interface Fixture {
  release: string;
  created: number;
  issuer: string;
  registrationToken: string;
  password: string;
  macs: Record<'password' | 'secure-enclave', { dir: string; user: string; method: string }>;
  users: string[];
  groups: string[];
  policies: string[];
  locations: string[];
}

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'upgrade');
const HOUR = 3600_000;


/**
 * The release served on a port that was free when the fixture was made; this run cannot count on
 * it being free now. So the copy of each Mac's state is pointed at this run's URL (issuer and every
 * endpoint in its login configuration, device record and JWKS cache), as if the release had served
 * there. The server keeps nothing that names its own URL: the issuer comes from configuration.
 */
function repointMacState(dir: string, from: string, to: string): number {
  let files = 0;
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) files += repointMacState(path, from, to);
    else if (name.endsWith('.json')) {
      const text = readFileSync(path, 'utf8');
      if (text.includes(from)) { writeFileSync(path, text.split(from).join(to)); files++; }
    }
  }
  return files;
}

for (const version of readdirSync(FIXTURES)) {
  describe(`upgrade from ${version}`, () => {
    const fixture = JSON.parse(readFileSync(join(FIXTURES, version, 'fixture.json'), 'utf8')) as Fixture;
    // The Macs' tokens were stored when the fixture was made: five hours later they are stale
    // (over 4 h), but the refresh tokens and the printed registration token are still live.
    const clock = new ManualClock(fixture.created + 5 * HOUR);
    let work: string;
    let ctx: AppContext;
    let app: FastifyInstance;
    let url: string;
    const mac = (which: 'password' | 'secure-enclave') => new VirtualMac({ dir: join(work, fixture.macs[which].dir), clock, scryptCost: 1024 });

    before(async () => {
      work = mkdtempSync(join(tmpdir(), `openpsso-upgrade-${version}-`));
      cpSync(join(FIXTURES, version), work, { recursive: true });
      const port = await freePort();
      url = `http://127.0.0.1:${port}`;
      assert.ok(repointMacState(join(work, 'macs'), fixture.issuer, url) > 0, 'the fixture Macs name the release URL');
      const config = loadConfig({ env: {}, overrides: { dataDir: join(work, 'data'), issuer: url, listen: { host: '127.0.0.1', port }, log: { level: 'silent' } } });
      ctx = await createAppContext(config, { clock }); // migrates at start, as `openpsso serve` does
      app = await buildServer(ctx, { logLevel: 'silent' });
      await app.listen({ host: '127.0.0.1', port });
    });
    after(async () => {
      await app?.close();
      await ctx?.signIns.flush?.();
      await ctx?.store.close();
      rmSync(work, { recursive: true, force: true });
    });

    it('migrations ran at start and the release data is all there', async () => {
      assert.deepEqual(await ctx.store.pendingMigrations(), []);
      const [org, ...others] = await ctx.store.organisations.list();
      assert.ok(org);
      assert.equal(others.length, 0);
      const users = (await ctx.store.users.list(org.id, { limit: 100 })).items.map((u) => u.userPrincipalName).sort();
      assert.deepEqual(users, [...fixture.users].sort());
      const groups = (await ctx.store.groups.list(org.id, { limit: 100 })).items.map((g) => g.displayName).sort();
      assert.deepEqual(groups, [...fixture.groups].sort());
      assert.deepEqual((await ctx.store.policies.list(org.id)).map((p) => p.displayName).sort(), [...fixture.policies].sort());
      assert.deepEqual((await ctx.store.namedLocations.list(org.id)).map((l) => l.displayName), fixture.locations);
      const devices = (await ctx.store.devices.list(org.id, { limit: 100 })).items;
      assert.equal(devices.filter((d) => d.status === 'active').length, 2);
      const readyz = await fetch(`${url}/readyz`);
      assert.equal(readyz.status, 200, await readyz.text());
    });

    it('the Password-method Mac registered under the release logs in, refreshes and runs a key exchange', async () => {
      const m = mac('password');
      const { user } = fixture.macs.password;
      const login = await m.login({ user, password: fixture.password });
      assert.equal(login.ok, true, login.messages.join('\n'));
      assert.notEqual(login.path, 'local', 'tokens five hours old: the login window goes to the server');
      assert.equal(login.unlockKeyVerified, true);
      const refresh = await m.refresh({ user, force: true });
      assert.equal(refresh.ok, true, refresh.messages.join('\n'));
      assert.equal(refresh.action, 'refresh', refresh.reason);
      const kx = await m.keyExchange({ user, count: 2 });
      assert.equal(kx.verified, true);
      assert.equal(kx.exchanges.length, 2);
    });

    it('the Secure Enclave Mac registered under the release logs in with its stored key', async () => {
      const m = mac('secure-enclave');
      const login = await m.login({ user: fixture.macs['secure-enclave'].user, password: fixture.password });
      assert.equal(login.ok, true, login.messages.join('\n'));
      assert.equal(login.path, 'full_login');
      assert.ok(login.tokens, 'fresh SSO tokens from the upgraded server');
    });

    it('a new Mac registers with the release registration token and logs in', async () => {
      const m = new VirtualMac({ dir: join(work, 'macs', 'new'), clock, scryptCost: 1024 });
      const reg = await m.register({ server: url, token: fixture.registrationToken, user: 'carol@demo.openpsso.test', method: 'secure_enclave', password: fixture.password });
      assert.equal(reg.method, 'secure_enclave');
      const org = (await ctx.store.organisations.list())[0]!;
      assert.equal((await ctx.store.devices.list(org.id, { limit: 100 })).items.filter((d) => d.status === 'active').length, 3);
      clock.advance(5 * HOUR);
      const login = await m.login({ user: 'carol@demo.openpsso.test', password: fixture.password });
      assert.equal(login.ok, true, login.messages.join('\n'));
    });
  });
}
