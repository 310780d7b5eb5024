// The access CLI: logs flags become the Graph $filter, what-if decisions, and `openpsso doctor` / `logs` run as real processes on the local store.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { signInRow } from '../admin/helpers.js';
import { buildLogsFilter, formatSignInTable, parseSince } from '../../src/app/admin-api/logs-query.js';
import { whatIf } from '../../src/app/admin-api/what-if.js';
import { createPolicy } from '../../src/app/admin-api/graph-policies.js';
import { parseSignInFilter } from '../../src/policy/sign-in-filter.js';
import { DEVICE_REGISTRATION_APP_ID, PLATFORM_SSO_APP_ID } from '../../src/policy/app-ids.js';
import { CLI_ARGS } from '../helpers/cli.js';

const ALICE = 'alice@demo.openpsso.test';
const NOW = Date.parse('2027-01-15T08:00:00Z');

function cli(dataDir: string, ...args: string[]) {
  const r = spawnSync(process.execPath, [...CLI_ARGS, '--data-dir', dataDir, ...args], { encoding: 'utf8', env: { ...process.env, OPENPSSO_CONFIG: '' } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('access CLI', () => {
  let s: TestServer;
  before(async () => { s = await startTestServer(); });
  after(async () => { await s.close(); });

  it('builds a $filter the sign-in filter parser accepts', () => {
    const f = buildLogsFilter({ error: 'OPSSO1701', user: "o'brien@x.test", app: 'platform-sso', since: '7d', nonInteractive: true, caStatus: 'failure' }, NOW);
    assert.equal(f, `status/errorCode eq 50076 and userPrincipalName eq 'o''brien@x.test' and appId eq '${PLATFORM_SSO_APP_ID}' and ` +
      `createdDateTime ge 2027-01-08T08:00:00.000Z and isInteractive eq false and conditionalAccessStatus eq 'failure'`);
    assert.doesNotThrow(() => parseSignInFilter(f!));
    assert.equal(buildLogsFilter({ error: '50076' }, NOW), 'status/errorCode eq 50076');
    assert.equal(buildLogsFilter({ error: 'mfa_required' }, NOW), 'status/errorCode eq 50076');
    assert.equal(buildLogsFilter({}, NOW), null);
    assert.equal(parseSince('2027-01-01T00:00:00Z', NOW), '2027-01-01T00:00:00.000Z');
    assert.throws(() => parseSince('last week', NOW), /--since/);
    assert.throws(() => buildLogsFilter({ interactive: true, nonInteractive: true }, NOW));
  });

  it('renders rows with the requirement source', () => {
    const table = formatSignInTable([signInRow({ at: NOW, code: 50076 }), signInRow({ at: NOW, code: 0, status: { errorCode: 0, failureReason: null, additionalDetails: 'login (password)' } })]);
    assert.match(table, /alice@demo\.openpsso\.test +platform-sso +non-interactive +50076 MFA required +per-user MFA/);
    assert.match(table, /login +ok/);
  });

  it('what-if shows per-user MFA failing the login window, and a CA policy asking at interactive registration', async () => {
    await s.ctx.store.users.update((await s.ctx.store.users.getByPrincipalName(s.orgId, ALICE))!.id, { perUserMfaState: 'enforced' });
    const login = await whatIf(s.ctx, s.orgId, { user: ALICE, app: 'platform-sso', ip: '203.0.113.9' });
    assert.equal(login.result, 'interactionRequired');
    assert.equal(login.authenticationRequirementSource, 'perUserMfa');
    await s.ctx.store.users.update((await s.ctx.store.users.getByPrincipalName(s.orgId, ALICE))!.id, { perUserMfaState: 'disabled' });
    await createPolicy(s.ctx, s.orgId, {
      displayName: 'MFA at registration', state: 'enabled',
      conditions: { users: { includeUsers: ['All'] }, applications: { includeApplications: [DEVICE_REGISTRATION_APP_ID] } }, grantControls: { builtInControls: ['mfa'] },
    });
    assert.equal((await whatIf(s.ctx, s.orgId, { user: ALICE, app: 'platform-sso', ip: '203.0.113.9' })).result, 'allow');
    const reg = await whatIf(s.ctx, s.orgId, { user: ALICE, app: 'registration', ip: '203.0.113.9', interactive: true });
    assert.equal(reg.result, 'interactionRequired');
    assert.match(reg.authenticationRequirementSource ?? '', /^conditionalAccess:/);
    assert.equal((await whatIf(s.ctx, s.orgId, { user: ALICE, app: 'registration', ip: '203.0.113.9', interactive: true, mfa: true })).result, 'allow');
    await assert.rejects(whatIf(s.ctx, s.orgId, { user: ALICE, app: 'registration', ip: 'not-an-ip' }), /not an IPv4/);
  });

  it('runs `openpsso logs` and `openpsso doctor --json` on the local store', async () => {
    const bob = (await s.ctx.store.users.getByPrincipalName(s.orgId, 'bob@demo.openpsso.test'))!;
    await s.ctx.store.users.update(bob.id, { perUserMfaState: 'enforced' });
    await s.ctx.store.signInLogs.append(s.orgId, signInRow({ at: Date.now() - 60_000, code: 50076, userId: bob.id, userPrincipalName: bob.userPrincipalName }));
    const logs = cli(s.dataDir, 'logs', '--error', '50076', '--since', '1d', '--non-interactive');
    assert.equal(logs.code, 0, logs.err);
    assert.match(logs.out, /bob@demo\.openpsso\.test .* 50076 MFA required +per-user MFA/);
    const doctor = cli(s.dataDir, 'doctor', '--json', '--fix');
    assert.equal(doctor.code, 1, doctor.err);
    const json = JSON.parse(doctor.out);
    assert.deepEqual(json.plan.changes.map((c: { userPrincipalName: string }) => c.userPrincipalName), ['bob@demo.openpsso.test']);
    assert.equal(json.applied, undefined, 'no --apply and no terminal: nothing applied');
    assert.equal((await s.ctx.store.users.get(bob.id))!.perUserMfaState, 'enforced');
    const applied = cli(s.dataDir, 'doctor', '--fix', '--apply');
    assert.match(applied.out, /ok +bob@demo\.openpsso\.test/);
    assert.equal((await s.ctx.store.users.get(bob.id))!.perUserMfaState, 'disabled');
    const bad = cli(s.dataDir, 'doctor', '--apply');
    assert.equal(bad.code, 1);
    assert.match(bad.err, /--apply goes with --fix/);
  });
});
