// `openpsso user import|export|disable|delete` and `group add-members` as processes against the data
// directory of a running server: dry run writes nothing, --apply writes, a re-run and an exported
// file are unchanged, and delete and disable end a registered Mac's refresh token for that user.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { runCli } from '../helpers/cli.js';
import { RawDevice } from '../helpers/raw-device.js';
import { ManualClock } from '../../src/app/clock.js';
import { DEMO_PASSWORD } from '../../src/app/demo.js';

const D = '@demo.openpsso.test';

describe('openpsso user (processes)', () => {
  let s: TestServer;
  const clock = new ManualClock(Date.now());
  const now = () => Math.floor(clock.now() / 1000);
  before(async () => { s = await startTestServer({ clock }); });
  after(async () => { await s.close(); });
  const cli = (...args: string[]) => runCli(s.dataDir, ...args);
  const file = (name: string, text: string) => { const p = join(s.dataDir, name); writeFileSync(p, text); return p; };

  async function loggedIn(user: string, password = DEMO_PASSWORD): Promise<{ dev: RawDevice; refresh: string }> {
    const dev = new RawDevice(s.url);
    assert.equal((await dev.register(s.registrationToken)).status, 201);
    const built = dev.loginRequest(await dev.nonce(), now(), { username: user, password });
    const r = await dev.send(built.jwt);
    assert.equal(r.status, 200, r.text);
    return { dev, refresh: dev.open(r, built).refresh_token };
  }
  const refresh = async (dev: RawDevice, rt: string) => dev.send(dev.refreshRequest(await dev.nonce(), now(), rt).jwt);

  it('import: a dry run by default writes nothing; --apply writes; the same file again is unchanged; export then import is unchanged', async () => {
    const csv = file('users.csv', `userPrincipalName,displayName,groups,password\r\nimp1${D},"Imp, One",sales,Imp-Passw0rd\r\nimp2${D},Imp Two,Interns,Imp-Passw0rd\r\n`);
    const dry = await cli('user', 'import', csv, '--create-groups');
    assert.equal(dry.code, 0, dry.err);
    assert.match(dry.out, /2 rows checked, no problems \(dry run: nothing was written; add --apply to import\)/);
    assert.match(dry.out, /2 to create, 0 to update, 0 unchanged/);
    assert.match(dry.out, /1 group to create: Interns/);
    assert.equal(await s.ctx.store.users.getByPrincipalName(s.orgId, `imp1${D}`), null);
    assert.equal(await s.ctx.store.groups.getByName(s.orgId, 'Interns'), null);

    const bad = await cli('user', 'import', csv, '--apply');
    assert.equal(bad.code, 1);
    assert.match(bad.err, /OPSSO1620 .*\n {2}line 3, groups: unknown group "Interns"/);
    assert.equal(await s.ctx.store.users.getByPrincipalName(s.orgId, `imp1${D}`), null);

    const applied = await cli('user', 'import', csv, '--create-groups', '--apply');
    assert.equal(applied.code, 0, applied.err);
    assert.match(applied.out, /2 created, 0 updated, 0 unchanged/);
    assert.equal((await s.ctx.store.users.getByPrincipalName(s.orgId, `imp1${D}`))?.displayName, 'Imp, One');
    await loggedIn(`imp2${D}`, 'Imp-Passw0rd');

    const again = await cli('user', 'import', csv, '--create-groups', '--apply');
    assert.equal(again.code, 0, again.err);
    assert.match(again.out, /0 created, 0 updated, 2 unchanged/);

    const out = join(s.dataDir, 'export.csv');
    const exported = await cli('user', 'export', '--out', out);
    assert.equal(exported.code, 0, exported.err);
    const text = readFileSync(out, 'utf8');
    assert.match(text, /^userPrincipalName,displayName,mail,groups\n/);
    assert.match(text, new RegExp(`imp1${D},"Imp, One",imp1${D},sales\\n`));
    const round = await cli('user', 'import', out);
    assert.equal(round.code, 0, round.err);
    const users = (await s.ctx.store.users.list(s.orgId, { limit: 1000 })).items.length;
    assert.match(round.out, new RegExp(`0 to create, 0 to update, ${users} unchanged`));
  });

  it('import --temporary-access-pass writes the passes to a 0600 file, not the terminal', async () => {
    const csv = file('tap.csv', `userPrincipalName\ntap1${D}\n`);
    const passes = join(s.dataDir, 'passes.csv');
    const r = await cli('user', 'import', csv, '--temporary-access-pass', '--passes-out', passes, '--apply');
    assert.equal(r.code, 0, r.err);
    const [header, row] = readFileSync(passes, 'utf8').trim().split('\n');
    assert.equal(header, 'upn,pass,expires');
    const pass = row!.split(',')[1]!;
    assert.match(pass, /^[2-9A-Z]{4}-[2-9A-Z]{4}-[2-9A-Z]{4}$/);
    assert.ok(!r.out.includes(pass) && !r.err.includes(pass), 'the pass is not printed');
    assert.equal(statSync(passes).mode & 0o777, 0o600);
    const noFile = await cli('user', 'import', csv, '--temporary-access-pass', '--apply');
    assert.equal(noFile.code, 2);
    assert.match(noFile.err, /needs --passes-out FILE/);
  });

  it('disable ends the user’s refresh token on the Mac; delete removes the user and ends it too, keeping sign-in logs', async () => {
    const dis = await cli('user', 'add', `gone${D}`, '--password', 'Gone-Passw0rd');
    assert.equal(dis.code, 0, dis.err);
    const a = await loggedIn(`carol${D}`);
    const disabled = await cli('user', 'disable', `carol${D}`);
    assert.equal(disabled.code, 0, disabled.err);
    assert.match(disabled.out, /disabled; 1 refresh token and 0 registration tokens ended/);
    assert.equal((await refresh(a.dev, a.refresh)).json.error_code, 'OPSSO1301');
    assert.equal((await cli('user', 'enable', `carol${D}`)).code, 0);

    const b = await loggedIn(`gone${D}`, 'Gone-Passw0rd');
    const other = await loggedIn(`bob${D}`);
    const userId = (await s.ctx.store.users.getByPrincipalName(s.orgId, `gone${D}`))!.id;
    const refused = await cli('user', 'delete', `gone${D}`);
    assert.equal(refused.code, 2, 'without --yes and without a terminal nothing is deleted');
    assert.ok(await s.ctx.store.users.get(userId));
    const deleted = await cli('user', 'delete', `gone${D}`, '--yes');
    assert.equal(deleted.code, 0, deleted.err);
    assert.match(deleted.out, /deleted gone@demo\.openpsso\.test .*1 refresh token/);
    assert.equal(await s.ctx.store.users.get(userId), null);
    const after = await refresh(b.dev, b.refresh);
    assert.equal(after.status, 400);
    assert.equal(after.json.error_code, 'OPSSO1301', 'the refresh token is gone with the user');
    assert.equal((await refresh(other.dev, other.refresh)).status, 200, 'another user keeps their session');
    assert.equal((await s.ctx.store.userRegistrations.listForUser(userId)).length, 0);
    const missing = await cli('user', 'delete', `gone${D}`, '--yes');
    assert.equal(missing.code, 1);
    assert.match(missing.err, /OPSSO1602/);
  });

  it('group add-members and remove-members: all or nothing, unknown users with their line numbers', async () => {
    const list = file('members.txt', `# staff\ncarol${D}\n\nnobody${D}\nbob${D}\nghost${D}\n`);
    const bad = await cli('group', 'add-members', 'mac-admins', '--file', list);
    assert.equal(bad.code, 1);
    assert.match(bad.err, /line 4: unknown user "nobody@demo\.openpsso\.test"\n {2}line 6: unknown user "ghost@/);
    const g = (await s.ctx.store.groups.getByName(s.orgId, 'mac-admins'))!;
    const before = await s.ctx.store.groups.listMembers(g.id);
    const good = file('members2.txt', `carol${D}\r\nbob${D}\r\n`);
    const added = await cli('group', 'add-members', 'mac-admins', '--file', good);
    assert.equal(added.code, 0, added.err);
    assert.equal((await s.ctx.store.groups.listMembers(g.id)).length, new Set([...before, ...(await Promise.all([`carol${D}`, `bob${D}`].map(async (u) => (await s.ctx.store.users.getByPrincipalName(s.orgId, u))!.id)))]).size);
    const removed = await cli('group', 'remove-members', 'mac-admins', '--file', good);
    assert.equal(removed.code, 0, removed.err);
    assert.match(removed.out, /2 removed/);
  });
});
