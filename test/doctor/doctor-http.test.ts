// The doctor against OpenPSSO's Graph-shaped admin API over real HTTP: paging through 120+ users, per-user MFA findings, and --fix applying only covered users.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { call, clientWith, signInRow, tokenFor } from '../admin/helpers.js';
import { createUser, findGroup } from '../../src/app/directory.js';
import { addMember } from '../../src/app/membership.js';
import { DEVICE_REGISTRATION_APP_ID } from '../../src/policy/app-ids.js';
import { serverGraphClient } from '../../src/doctor/targets.js';
import { runDoctor } from '../../src/doctor/run-doctor.js';
import { withLocalGraphClient } from '../../src/doctor/local-target.js';

const D = '@demo.openpsso.test';

describe('doctor over the admin API', () => {
  let s: TestServer;
  let creds: { id: string; secret: string };
  const urls: string[] = [];
  const recordingFetch: typeof fetch = (input, init) => { urls.push(String(input)); return fetch(input, init); };
  const client = () => serverGraphClient({ server: s.url, clientId: creds.id, clientSecret: creds.secret }, recordingFetch);
  const now = () => Math.floor(s.ctx.clock.now() / 1000);
  const state = async (upn: string) => (await s.ctx.store.users.getByPrincipalName(s.orgId, upn))!.perUserMfaState;

  before(async () => {
    s = await startTestServer();
    creds = await clientWith(s, ['Directory.Read', 'Policy.ReadWrite', 'AuditLog.Read', 'UserAuthenticationMethod.ReadWrite']);
    for (let i = 0; i < 120; i++) await createUser(s.ctx, s.orgId, { userPrincipalName: `u${String(i).padStart(3, '0')}${D}` });
    const eng = await findGroup(s.ctx, s.orgId, 'engineering');
    const u007 = await s.ctx.store.users.getByPrincipalName(s.orgId, `u007${D}`);
    await addMember(s.ctx, eng.id, u007!.id);
    const set = async (upn: string, st: 'enabled' | 'enforced') => {
      const u = await s.ctx.store.users.getByPrincipalName(s.orgId, upn);
      await s.ctx.store.users.update(u!.id, { perUserMfaState: st });
    };
    await set(`alice${D}`, 'enforced');
    await set(`bob${D}`, 'enabled');
    await set(`carol${D}`, 'enforced');
    await set(`u005${D}`, 'enforced');
    await set(`u007${D}`, 'enforced');
  });
  after(async () => { await s.close(); });

  it('pages through every user and finds per-user MFA with no covering policy', async () => {
    urls.length = 0;
    const lines: string[] = [];
    const r = await runDoctor({ client: client(), target: 'openpsso', now: now(), pageSize: 50, out: (t) => lines.push(t) });
    const userPages = urls.filter((u) => u.includes('/v1.0/users?'));
    assert.equal(userPages.length, 3, '123 users at 50 a page');
    assert.ok(userPages.slice(1).every((u) => u.includes('$skiptoken=')));
    assert.equal(urls.filter((u) => u.includes('/authentication/requirements')).length, 123);
    assert.equal(r.exitCode, 1);
    const f = r.report.findings.find((x) => x.code === 'per-user-mfa-not-covered');
    assert.ok(f, r.report.findings.map((x) => x.code).join(', '));
    assert.deepEqual(f.affected.map((a) => a.displayName).sort(), [`alice${D}`, `bob${D}`, `carol${D}`, `u005${D}`, `u007${D}`]);
    assert.match(lines.join('\n'), /per-user MFA/);
    assert.deepEqual(r.warnings, []);
  });

  it('--fix plans exactly the users an enabled CA MFA policy covers, and --apply PATCHes them to disabled', async () => {
    const token = await tokenFor(s);
    const eng = await findGroup(s.ctx, s.orgId, 'engineering');
    const created = await call(s, token, 'POST', '/v1.0/identity/conditionalAccess/policies', {
      displayName: 'Require MFA for engineering at registration', state: 'enabled',
      conditions: { users: { includeGroups: [eng.id] }, applications: { includeApplications: [DEVICE_REGISTRATION_APP_ID] } },
      grantControls: { operator: 'OR', builtInControls: ['mfa'] },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));

    // Without --apply and without a terminal to ask, nothing changes.
    const dry = await runDoctor({ client: client(), target: 'openpsso', now: now(), pageSize: 50, fix: true, out: () => undefined });
    assert.deepEqual(dry.plan!.changes.map((c) => c.userPrincipalName).sort(), [`alice${D}`, `bob${D}`, `u007${D}`]);
    assert.deepEqual(dry.plan!.leftAlone.map((c) => c.userPrincipalName).sort(), [`carol${D}`, `u005${D}`]);
    assert.equal(dry.applied, undefined);
    assert.equal(await state(`alice${D}`), 'enforced');

    // Declining the interactive question applies nothing either.
    const declined = await runDoctor({ client: client(), target: 'openpsso', now: now(), pageSize: 50, fix: true, confirm: async () => false, out: () => undefined });
    assert.equal(declined.applied, undefined);

    const out: string[] = [];
    const applied = await runDoctor({ client: client(), target: 'openpsso', now: now(), pageSize: 50, fix: true, apply: true, json: true, out: (t) => out.push(t) });
    assert.deepEqual(applied.applied!.map((a) => [a.userPrincipalName, a.ok]).sort(), [[`alice${D}`, true], [`bob${D}`, true], [`u007${D}`, true]]);
    const json = JSON.parse(out.join('\n'));
    assert.equal(json.plan.changes.length, 3);
    assert.equal(json.report.findings.find((f: any) => f.code === 'per-user-mfa-covered-by-ca').affected.length, 3);

    for (const upn of [`alice${D}`, `bob${D}`, `u007${D}`]) {
      assert.equal((await call(s, token, 'GET', `/beta/users/${upn}/authentication/requirements`)).body.perUserMfaState, 'disabled');
    }
    for (const upn of [`carol${D}`, `u005${D}`]) assert.equal(await state(upn), 'enforced');

    const again = await runDoctor({ client: client(), target: 'openpsso', now: now(), pageSize: 50, fix: true, out: () => undefined });
    assert.equal(again.plan!.changes.length, 0);
    assert.ok(!again.report.findings.some((f) => f.code === 'per-user-mfa-covered-by-ca'));
  });

  it('reports recent non-interactive MFA failures from the sign-in log', async () => {
    const u = await s.ctx.store.users.getByPrincipalName(s.orgId, `carol${D}`);
    await s.ctx.store.signInLogs.append(s.orgId, signInRow({ at: s.ctx.clock.now() - 60_000, code: 50076, userId: u!.id, userPrincipalName: u!.userPrincipalName }));
    const r = await runDoctor({ client: client(), target: 'openpsso', now: now(), out: () => undefined });
    const f = r.report.findings.find((x) => x.code === 'non-interactive-sign-in-failures');
    assert.ok(f, r.report.findings.map((x) => x.code).join(', '));
    assert.equal(f.details?.errorCode, 50076);
  });

  it('runs in-process against the local store through the same routes, leaving no usable client behind', async () => {
    const before = (await s.ctx.store.adminClients.list(s.orgId)).filter((c) => c.revokedAt === null).length;
    const r = await withLocalGraphClient(s.ctx, (c) => runDoctor({ client: c, target: 'openpsso', now: now(), out: () => undefined }));
    assert.ok(r.report.findings.some((f) => f.code === 'per-user-mfa-not-covered'));
    assert.equal((await s.ctx.store.adminClients.list(s.orgId)).filter((c) => c.revokedAt === null).length, before);
  });
});
