// Issue 4's whole story, end to end over loopback HTTP: per-user MFA 'enforced' blocks a Mac's
// registration visibly; the doctor finds the user; the admin adds a conditional access MFA policy
// and runs `doctor --fix`; the same registration then succeeds at once, and MFA is asked at the
// interactive sign-in (where it can be answered), not at the login window.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { ManualClock } from '../../src/app/clock.js';
import { DEMO_PASSWORD } from '../../src/app/demo.js';
import { VirtualMac } from '../../src/mac/agent.js';
import { MacError } from '../../src/mac/errors.js';
import { addTotp, setMfaState, user } from '../interactive/helpers.js';
import { call, clientWith, tokenFor } from '../admin/helpers.js';
import { serverGraphClient } from '../../src/doctor/targets.js';
import { runDoctor } from '../../src/doctor/run-doctor.js';
import { totpAt } from '../../src/policy/totp.js';

const ALICE = 'alice@demo.openpsso.test';

describe('per-user MFA → visible refusal → doctor --fix → registration works, MFA asked interactively', () => {
  const clock = new ManualClock(Date.UTC(2026, 10, 21, 9, 0, 0));
  let s: TestServer;
  let totpSecret: string;

  before(async () => {
    s = await startTestServer({ clock });
    await setMfaState(s, ALICE, 'enforced');
    totpSecret = await addTotp(s, ALICE);
  });
  after(async () => { await s.close(); });

  it('tells the user, the admin and the logs what happened, and the fix works at once', async () => {
    const mac = new VirtualMac({ dir: mkdtempSync(join(tmpdir(), 'vmac-story-')), clock, scryptCost: 1024 });
    const register = () => mac.register({ server: s.url, token: s.registrationToken, user: ALICE, method: 'password', password: DEMO_PASSWORD });

    // 1. Registration is refused visibly: a distinct code (not a 401), what to do, and why.
    await assert.rejects(register(), (e: unknown) => {
      assert.ok(e instanceof MacError);
      assert.equal(e.kind, 'refused', 'never a credential (401) failure');
      assert.equal(e.status, 400);
      assert.equal(e.code, 'OPSSO1701');
      assert.match(e.message, /Multi-factor authentication is required/);
      assert.match(e.message, /per-user MFA \(enforced\)/);
      assert.match(e.message, /What you can do: .*browser sign-in page/);
      assert.match(e.message, /For your IT admin: .*doctor --fix/);
      return true;
    });

    // 2. The sign-in log has the row, findable the way Entra admins search (status/errorCode eq 50076).
    const admin = await tokenFor(s);
    const rows = await call(s, admin, 'GET', `/v1.0/auditLogs/signIns?$filter=${encodeURIComponent(`status/errorCode eq 50076 and userPrincipalName eq '${ALICE}'`)}`);
    assert.equal(rows.status, 200);
    const row = rows.body.value[0];
    assert.ok(row, 'a 50076 row for alice');
    assert.equal(row.isInteractive, false);
    assert.equal(row.appDisplayName, 'OpenPSSO Device Registration');
    assert.equal(row.authenticationRequirement, 'multiFactorAuthentication');
    assert.equal(row.authenticationRequirementSource, 'perUserMfa');
    assert.match(row.status.additionalDetails, /OPSSO1701/);

    // 3. The doctor, over the Graph-shaped admin API, finds her.
    const creds = await clientWith(s, ['Directory.Read', 'Directory.ReadWrite', 'Policy.ReadWrite', 'AuditLog.Read', 'UserAuthenticationMethod.ReadWrite']);
    const graph = serverGraphClient({ server: s.url, clientId: creds.id, clientSecret: creds.secret });
    const out: string[] = [];
    const before = await runDoctor({ client: graph, target: 'openpsso', now: Math.floor(clock.now() / 1000), out: (t) => out.push(t) });
    assert.equal(before.exitCode, 1);
    const finding = before.report.findings.find((f) => f.code === 'per-user-mfa-not-covered');
    assert.ok(finding, out.join('\n'));
    assert.ok(finding.affected.some((a) => a.type === 'user' && a.id === row.userId), JSON.stringify(finding.affected));
    assert.ok(before.report.findings.some((f) => f.code === 'non-interactive-sign-in-failures'), 'recent 50076 failures reported');

    // 4. The admin adds a conditional access MFA policy (Graph shape) and runs doctor --fix --apply.
    const policy = await call(s, admin, 'POST', '/v1.0/identity/conditionalAccess/policies', {
      displayName: 'Require MFA for all users', state: 'enabled',
      conditions: {
        users: { includeUsers: ['All'], excludeUsers: [], includeGroups: [], excludeGroups: [] },
        applications: { includeApplications: ['All'], excludeApplications: [] },
      },
      grantControls: { operator: 'OR', builtInControls: ['mfa'] },
    });
    assert.equal(policy.status, 201, JSON.stringify(policy.body));
    const fixed = await runDoctor({ client: graph, target: 'openpsso', now: Math.floor(clock.now() / 1000), fix: true, apply: true, out: () => undefined });
    assert.deepEqual(fixed.plan?.changes.map((c) => c.userPrincipalName), [ALICE]);
    assert.deepEqual(fixed.applied?.map((a) => [a.userPrincipalName, a.ok]), [[ALICE, true]]);
    const req = await call(s, admin, 'GET', `/beta/users/${encodeURIComponent(ALICE)}/authentication/requirements`);
    assert.equal(req.body.perUserMfaState, 'disabled');

    // 5. The same registration succeeds at once (no cache to wait for), and the login window asks no MFA.
    const reg = await register();
    assert.equal(reg.method, 'password');
    const login = await mac.login({ user: ALICE, password: DEMO_PASSWORD });
    assert.equal(login.ok, true);
    clock.advance(5 * 3600_000);
    const refresh = await mac.refresh({ user: ALICE });
    assert.equal(refresh.ok, true, refresh.reason);

    // 6. MFA is asked where it can be answered: the interactive sign-in, under the new policy.
    const first = await fetch(`${s.url}/api/v1/signin`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: ALICE, password: DEMO_PASSWORD }) });
    const firstBody = await first.json() as Record<string, string>;
    assert.equal(first.status, 401);
    assert.equal(firstBody.error_code, 'OPSSO1706');
    assert.match(firstBody.mfa_reason!, /Require MFA for all users/);
    const second = await fetch(`${s.url}/api/v1/signin/mfa`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ sign_in_session: firstBody.sign_in_session, totp_code: totpAt(totpSecret, Math.floor(clock.now() / 1000)) }) });
    const secondBody = await second.json() as { access_token: string; amr: string[] };
    assert.equal(second.status, 200);
    assert.ok(secondBody.amr.includes('mfa'));

    // The log tells the whole story (a fresh admin token: the first expired during the 5 hours): the failure, then non-interactive successes, then MFA interactively.
    const after = await call(s, await tokenFor(s), 'GET', `/v1.0/auditLogs/signIns?$filter=${encodeURIComponent(`userPrincipalName eq '${ALICE}'`)}&$top=50`);
    assert.equal(after.status, 200, JSON.stringify(after.body));
    const story = (after.body.value as { isInteractive: boolean; status: { errorCode: number }; conditionalAccessStatus: string }[]).reverse();
    assert.ok(story.some((r) => !r.isInteractive && r.status.errorCode === 0), 'background sign-ins now succeed');
    assert.ok(story.some((r) => r.isInteractive && r.status.errorCode === 0 && r.conditionalAccessStatus === 'success'), 'interactive sign-in satisfied the policy');
  });

  it('the virtual Mac can answer the MFA step of an interactive registration', async () => {
    const mac = new VirtualMac({ dir: mkdtempSync(join(tmpdir(), 'vmac-story2-')), clock, scryptCost: 1024 });
    clock.advance(30_000); // the previous test used this 30-second step's code, and codes work once
    await assert.rejects(
      mac.register({ server: s.url, interactive: true, user: ALICE, method: 'secure_enclave', password: DEMO_PASSWORD }),
      (e: unknown) => e instanceof MacError && /--totp-secret/.test(e.message),
    );
    const reg = await mac.register({ server: s.url, interactive: true, totpSecret, user: ALICE, method: 'secure_enclave', password: DEMO_PASSWORD });
    const stored = await s.ctx.store.userRegistrations.get(reg.serverDeviceId!, (await user(s, ALICE)).id);
    assert.equal(stored?.mfaVerified, true, 'a key registered after MFA counts as multi-factor later');
    const login = await mac.login({ user: ALICE, password: DEMO_PASSWORD });
    assert.equal(login.ok, true);
  });

  it('at the login window the refusal is shown too, and the local password still opens the session', async () => {
    const BOB = 'bob@demo.openpsso.test';
    const mac = new VirtualMac({ dir: mkdtempSync(join(tmpdir(), 'vmac-story3-')), clock, scryptCost: 1024 });
    await mac.register({ server: s.url, token: s.registrationToken, user: BOB, method: 'password', password: DEMO_PASSWORD });
    await setMfaState(s, BOB, 'enforced');
    await addTotp(s, BOB);
    clock.advance(20 * 3600_000); // past LoginFrequency: the login window must do a full login
    const r = await mac.login({ user: BOB, password: DEMO_PASSWORD });
    assert.equal(r.ok, true, 'the local password still signs in, as on a real Mac');
    const text = r.messages.join('\n');
    assert.match(text, /OPSSO1701 Multi-factor authentication is required/);
    assert.match(text, /required by per-user MFA \(enforced\)/);
    assert.match(text, /SSO tokens were not renewed/);
  });
});
