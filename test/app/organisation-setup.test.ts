// The organisation's domain rules and `init`'s use case, in process over an in-memory SQLite store:
// domain syntax, user names held to the domains, removal refused while in use, the first admin's
// role and MFA enrolment at the first interactive sign-in, and the issuer and proxy checks.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../../src/config/load.js';
import { createAppContext } from '../../src/app/bootstrap.js';
import type { AppContext } from '../../src/app/context.js';
import { createOrganisation, createUser } from '../../src/app/directory.js';
import { addDomain, normaliseDomain, removeDomain } from '../../src/app/organisation-domains.js';
import { initialiseOrganisation } from '../../src/app/initialise-organisation.js';
import { checkIssuer, checkProxies } from '../../src/app/deployment-settings.js';
import { passwordStep } from '../../src/app/interactive/flow.js';
import { PssoError } from '../../src/errors/psso-error.js';

const code = (name: string) => (e: unknown) => e instanceof PssoError && e.entry.name === name;

describe('organisation domains and init', () => {
  const dir = mkdtempSync(join(tmpdir(), 'openpsso-orgsetup-'));
  let ctx: AppContext;
  before(async () => {
    ctx = await createAppContext(loadConfig({ env: {}, overrides: { dataDir: dir, database: { kind: 'sqlite', file: ':memory:' }, log: { level: 'silent' } } }));
  });
  after(async () => { await ctx.store.close(); rmSync(dir, { recursive: true, force: true }); });

  it('normalises domain names and refuses what is not one', () => {
    assert.equal(normaliseDomain(' Example.COM. '), 'example.com');
    assert.equal(normaliseDomain('bücher.example'), 'xn--bcher-kva.example');
    assert.equal(normaliseDomain('a-b.c0.example'), 'a-b.c0.example');
    for (const bad of ['', 'localhost', 'a..b', '-a.example', 'a-.example', '10.0.0.1', 'a b.example', 'x@y.example', 'http://x.example', `${'a'.repeat(64)}.example`, 'a_b.example']) {
      assert.throws(() => normaliseDomain(bad), code('invalid_domain'), bad);
    }
  });

  it('holds new user names to the domains only once the organisation has some', async () => {
    const org = await createOrganisation(ctx, 'Permissive');
    await createUser(ctx, org.id, { userPrincipalName: 'anyone@anywhere.example' });
    await createUser(ctx, org.id, { userPrincipalName: 'barename' });
    await addDomain(ctx, org.id, 'Corp.Example');
    await createUser(ctx, org.id, { userPrincipalName: 'ann@CORP.example' });
    await assert.rejects(createUser(ctx, org.id, { userPrincipalName: 'ann@elsewhere.example' }), (e: unknown) => code('domain_not_verified')(e) && /@corp\.example/.test((e as Error).message));
    await assert.rejects(createUser(ctx, org.id, { userPrincipalName: 'nodomain' }), code('domain_not_verified'));
    // A sub-domain is another domain.
    await assert.rejects(createUser(ctx, org.id, { userPrincipalName: 'x@sub.corp.example' }), code('domain_not_verified'));
  });

  it('refuses to remove a domain users still use, with the count; a removed default passes on', async () => {
    const org = await createOrganisation(ctx, 'Two domains');
    assert.equal((await addDomain(ctx, org.id, 'one.example')).isDefault, true);
    assert.equal((await addDomain(ctx, org.id, 'two.example')).isDefault, false);
    await assert.rejects(addDomain(ctx, org.id, 'ONE.example'), code('conflict'));
    await createUser(ctx, org.id, { userPrincipalName: 'a@one.example' });
    await createUser(ctx, org.id, { userPrincipalName: 'b@One.Example' });
    await assert.rejects(removeDomain(ctx, org.id, 'one.example'), (e: unknown) => code('domain_in_use')(e) && /2 users/.test((e as Error).message));
    await assert.rejects(removeDomain(ctx, org.id, 'three.example'), code('resource_not_found'));
    const users = await ctx.store.users.list(org.id);
    for (const u of users.items) await ctx.store.users.update(u.id, { userPrincipalName: u.userPrincipalName.replace(/@.*/, '@two.example') });
    await removeDomain(ctx, org.id, 'one.example');
    assert.deepEqual((await ctx.store.organisationDomains.list(org.id)).map((d) => [d.name, d.isDefault]), [['two.example', true]]);
  });

  it('init makes the first admin a Global Administrator who must enrol MFA at the first interactive sign-in', async () => {
    const fresh = await createAppContext(loadConfig({ env: {}, overrides: { dataDir: dir, database: { kind: 'sqlite', file: ':memory:' }, log: { level: 'silent' } } }));
    try {
      const setup = { name: 'Acme', domains: ['acme.example', 'Acme.Example', 'acme-corp.example'], admin: { userPrincipalName: 'root@acme.example', displayName: 'Root', password: 'Root-Passw0rd' } };
      await assert.rejects(initialiseOrganisation(fresh, { ...setup, admin: { ...setup.admin, userPrincipalName: 'root@other.example' } }), code('domain_not_verified'));
      await assert.rejects(initialiseOrganisation(fresh, { ...setup, admin: { ...setup.admin, password: 'short' } }), code('setup_value_invalid'));
      // Both failures left nothing behind.
      assert.deepEqual(await fresh.store.organisations.list(), []);

      const r = await initialiseOrganisation(fresh, setup);
      assert.equal(r.created, true);
      assert.deepEqual(r.domains.map((d) => [d.name, d.isDefault]), [['acme.example', true], ['acme-corp.example', false]]);
      assert.equal(r.admin.perUserMfaState, 'enforced');
      assert.deepEqual((await fresh.store.directoryRoles.listForUser(r.admin.id)).map((a) => a.role), ['Global Administrator']);
      assert.match(r.registrationToken.token, /^rgt\./);

      // The sign-in page's password step: right password, then "set up a second factor" (50072).
      const p = await passwordStep(fresh, r.org.id, 'api', 'root@acme.example', 'Root-Passw0rd', { ipAddress: '127.0.0.1', correlationId: 'init-test' });
      assert.equal(p.next, 'enroll');
      assert.equal(p.decision.entraErrorCode, 50072);

      await assert.rejects(initialiseOrganisation(fresh, setup), code('organisation_exists'));
      const again = await initialiseOrganisation(fresh, { ...setup, name: 'Acme Corp', domains: ['acme-corp.example'], admin: { userPrincipalName: 'root@acme.example' }, force: true });
      assert.equal(again.created, false);
      assert.equal(again.adminCreated, false);
      assert.equal(again.org.id, r.org.id);
      assert.equal((await fresh.store.organisations.list()).length, 1);
      assert.equal((await fresh.store.organisations.get(r.org.id))?.name, 'Acme Corp');
      // --force adds and moves the default but deletes nothing.
      assert.deepEqual(again.domains.map((d) => [d.name, d.isDefault]), [['acme-corp.example', true], ['acme.example', false]]);
    } finally {
      await fresh.store.close();
    }
  });

  it('accepts https issuers, and http only with --insecure-local on loopback', () => {
    assert.equal(checkIssuer('https://sso.example.com/', false), 'https://sso.example.com');
    assert.equal(checkIssuer('http://127.0.0.1:9900', true), 'http://127.0.0.1:9900');
    assert.equal(checkIssuer('http://localhost:9900', true), 'http://localhost:9900');
    assert.equal(checkIssuer('http://[::1]:9900', true), 'http://[::1]:9900');
    assert.throws(() => checkIssuer('http://127.0.0.1:9900', false), code('issuer_not_https'));
    assert.throws(() => checkIssuer('http://sso.example.com', true), code('issuer_not_https'));
    assert.throws(() => checkIssuer('ftp://sso.example.com', true), code('issuer_not_https'));
    assert.throws(() => checkIssuer('sso.example.com', false), code('setup_value_invalid'));
    assert.throws(() => checkIssuer('https://sso.example.com/?x=1', false), code('setup_value_invalid'));
    assert.deepEqual(checkProxies(['10.0.0.0/8', '::1', '192.0.2.7']), ['10.0.0.0/8', '::1', '192.0.2.7']);
    assert.throws(() => checkProxies(['proxy.example']), code('setup_value_invalid'));
  });
});
