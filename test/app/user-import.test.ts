// The CSV import catalogue (issue 8): every bad file gets its message and its physical line, and
// nothing is written; good files (byte-order mark, CRLF, quoted commas and quotes, 10,000 rows)
// import all or nothing and re-run as unchanged.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/load.js';
import { createAppContext } from '../../src/app/bootstrap.js';
import { seedDemo, DEMO_PASSWORD } from '../../src/app/demo.js';
import type { AppContext } from '../../src/app/context.js';
import { ManualClock } from '../../src/app/clock.js';
import { applyUserImport, importErrors, planUserImport, type ImportOptions } from '../../src/app/user-import.js';
import { exportUsersCsv } from '../../src/app/user-export.js';
import { MAX_IMPORT_ROWS } from '../../src/app/user-import-rows.js';
import { verifyPassword } from '../../src/app/passwords.js';
import { isPssoError } from '../../src/errors/psso-error.js';

const D = '@demo.openpsso.test';
const HEADER = 'userPrincipalName,displayName,mail,groups,password';
const PW = 'Import-Passw0rd';

describe('user import', () => {
  let ctx: AppContext;
  let orgId: string;
  let dir: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'openpsso-import-'));
    ctx = await createAppContext(loadConfig({ env: {}, overrides: { dataDir: dir, log: { level: 'silent' } } }), { clock: new ManualClock(Date.now()) });
    orgId = (await seedDemo(ctx)).orgId;
  });
  after(async () => { await ctx.store.close(); rmSync(dir, { recursive: true, force: true }); });

  const allUsers = async () => {
    let n = 0; let cursor: string | null = null;
    do { const p = await ctx.store.users.list(orgId, { limit: 1000, cursor }); n += p.items.length; cursor = p.next; } while (cursor);
    return n;
  };
  const groupCount = async () => (await ctx.store.groups.list(orgId, { limit: 1000 })).items.length;
  const run = async (csv: string | Buffer, opts: ImportOptions = {}) => {
    const plan = await planUserImport(ctx, orgId, Buffer.isBuffer(csv) ? csv : Buffer.from(csv), opts);
    return { plan, result: await applyUserImport(ctx, plan) };
  };

  /** Plans (and would apply) the file; it must fail with exactly these (line, column, message pattern) rows, and store nothing. */
  async function refused(csv: string | Buffer, expected: [number, string | null, RegExp][], opts: ImportOptions = {}): Promise<void> {
    const [users, groups] = [await allUsers(), await groupCount()];
    const err = await run(csv, opts).then(() => null, (e: unknown) => e);
    const rows = importErrors(err);
    assert.ok(rows, `expected import_invalid, got ${String(err)}`);
    assert.equal(isPssoError(err) && err.code, 'OPSSO1620');
    assert.equal(rows.length, expected.length, JSON.stringify(rows));
    for (const [i, [line, column, message]] of expected.entries()) {
      assert.equal(rows[i]!.line, line, JSON.stringify(rows[i]));
      assert.equal(rows[i]!.column, column, JSON.stringify(rows[i]));
      assert.match(rows[i]!.message, message);
    }
    assert.equal(await allUsers(), users, 'no user written');
    assert.equal(await groupCount(), groups, 'no group written');
  }

  it('refuses a duplicate user, citing both lines, also when only the case differs; every problem is reported', async () => {
    await refused(`${HEADER}\nd1${D},,,,${PW}\nd2${D},,,,${PW}\nd1${D},,,,${PW}\nD2${D.toUpperCase()},,,,${PW}\n`, [
      [4, 'userPrincipalName', /d1@demo\.openpsso\.test is already on line 2/],
      [5, 'userPrincipalName', /D2@DEMO\.OPENPSSO\.TEST is already on line 3 \(d2@demo\.openpsso\.test; user names compare case-insensitively\)/],
    ]);
  });

  it('refuses an unknown group unless --create-groups', async () => {
    await refused(`${HEADER}\ng1${D},,,engineering;Nope,${PW}\n`, [[2, 'groups', /unknown group "Nope" \(create it first, or pass --create-groups\)/]]);
  });

  it('refuses a bad mail and a short password, with their columns', async () => {
    await refused(`${HEADER}\nm1${D},,not-a-mail,,${PW}\nm2${D},,,,short\n`, [
      [2, 'mail', /"not-a-mail" is not a mail address/],
      [3, 'password', /needs at least 8 characters/],
    ]);
  });

  it('refuses a new user with neither a password nor --temporary-access-pass, saying which line', async () => {
    await refused(`userPrincipalName\nnopw${D}\n`, [[2, 'password', /no password for new user nopw@demo\.openpsso\.test/]]);
  });

  it('refuses a header without userPrincipalName, and an unknown column with a did-you-mean, on line 1', async () => {
    await refused(`displayName,mail\nX,x${D}\n`, [[1, 'userPrincipalName', /missing required column userPrincipalName/]]);
    await refused(`userPrincipalName,emial,password\nx${D},x${D},${PW}\n`, [[1, null, /unknown column "emial"; did you mean "mail"\?/]]);
  });

  it('refuses an empty file, a header alone, a ragged row and an unclosed quote', async () => {
    await refused('', [[1, null, /the file is empty/]]);
    await refused('\uFEFF\r\n', [[1, null, /the file is empty/]]);
    await refused(`${HEADER}\r\n`, [[2, null, /no rows after the header/]]);
    await refused(`${HEADER}\nr1${D},A,,,${PW},extra\n`, [[2, null, /has 6 fields, the header has 5/]]);
    await refused(`${HEADER}\nq1${D},"open,,,${PW}\n`, [[2, null, /not valid CSV: Quote Not Closed/]]);
  });

  it('counts physical lines through a byte-order mark, CRLF, blank lines and quoted multi-line values', async () => {
    const csv = `\uFEFF${HEADER}\r\nok1${D},"Line\r\nBreak",,,${PW}\r\n\r\nok2${D},,,,${PW}\r\nbad${D},,bad mail,,${PW}\r\n`;
    await refused(csv, [[6, 'mail', /is not a mail address/]]);
  });

  it('imports a byte-order mark, CRLF, quoted commas and quoted quotes exactly; a re-run is unchanged', async () => {
    const before = await allUsers();
    const csv = `\uFEFFUserPrincipalName,DISPLAYNAME,Mail,groups,Password\r\nq.one${D},"Smith, Jane ""JJ""",jane${D},engineering;sales,${PW}\r\nq.two${D},Two,,,${PW}\r\n`;
    const { plan, result } = await run(csv);
    assert.deepEqual(plan.counts, { create: 2, update: 0, unchanged: 0, memberships: 2, passwordsIgnored: 0 });
    assert.equal(result.created, 2);
    assert.equal(await allUsers(), before + 2);
    const one = (await ctx.store.users.getByPrincipalName(orgId, `q.one${D}`))!;
    assert.equal(one.displayName, 'Smith, Jane "JJ"');
    assert.equal(one.email, `jane${D}`);
    assert.ok(await verifyPassword(one.passwordHash, PW));
    assert.deepEqual((await ctx.store.groups.groupsOfUser(one.id)).map((g) => g.displayName).sort(), ['engineering', 'sales']);
    // Same file again: nothing to do, and the password column never overwrites a password.
    const again = await planUserImport(ctx, orgId, Buffer.from(csv.replace(PW, 'Other-Passw0rd')));
    assert.deepEqual(again.counts, { create: 0, update: 0, unchanged: 2, memberships: 0, passwordsIgnored: 2 });
  });

  it('updates displayName and mail of existing users and adds memberships, never removing one', async () => {
    const alice = (await ctx.store.users.getByPrincipalName(orgId, `alice${D}`))!;
    const groupsBefore = (await ctx.store.groups.groupsOfUser(alice.id)).map((g) => g.displayName);
    const { plan } = await run(`userPrincipalName,displayName,mail,groups\nALICE${D},Alice Renamed,alice.new${D},sales\n`);
    assert.deepEqual(plan.rows[0]!.changes, ['displayName', 'mail']);
    assert.equal(plan.rows[0]!.action, 'update');
    const after = (await ctx.store.users.get(alice.id))!;
    assert.equal(after.displayName, 'Alice Renamed');
    assert.equal(after.email, `alice.new${D}`);
    assert.equal(after.passwordHash, alice.passwordHash);
    assert.ok(await verifyPassword(after.passwordHash, DEMO_PASSWORD));
    assert.deepEqual((await ctx.store.groups.groupsOfUser(alice.id)).map((g) => g.displayName).sort(), [...new Set([...groupsBefore, 'sales'])].sort());
  });

  it('creates named groups with --create-groups, in the same transaction', async () => {
    const { plan, result } = await run(`${HEADER}\ncg${D},,,Brand New,${PW}\n`, { createGroups: true });
    assert.deepEqual(plan.groupsToCreate, ['Brand New']);
    assert.equal(result.groupsCreated, 1);
    const g = (await ctx.store.groups.getByName(orgId, 'Brand New'))!;
    assert.equal((await ctx.store.groups.listMembers(g.id)).length, 1);
  });

  it('writes nothing when the transaction fails part-way (a user created after the plan)', async () => {
    const plan = await planUserImport(ctx, orgId, Buffer.from(`${HEADER}\nrace1${D},,,,${PW}\nrace2${D},,,,${PW}\n`));
    await run(`${HEADER}\nrace2${D},,,,${PW}\n`);
    const before = await allUsers();
    await assert.rejects(applyUserImport(ctx, plan), (e: unknown) => isPssoError(e) && e.entry.name === 'conflict');
    assert.equal(await allUsers(), before);
    assert.equal(await ctx.store.users.getByPrincipalName(orgId, `race1${D}`), null);
  });

  it('refuses a password in temporary-pass mode, and more than the row limit with import_too_large', async () => {
    await refused(`${HEADER}\ntp${D},,,,${PW}\n`, [[2, 'password', /--temporary-access-pass issues passes instead/]], { temporaryAccessPass: { minutes: 60, oneTime: false } });
    const big = Buffer.from(`userPrincipalName\n${'x\n'.repeat(MAX_IMPORT_ROWS + 1)}`);
    const before = await allUsers();
    await assert.rejects(planUserImport(ctx, orgId, big), (e: unknown) => isPssoError(e) && e.code === 'OPSSO1621' && /100001 rows; at most 100000/.test(e.message));
    assert.equal(await allUsers(), before);
  });

  it('imports 10,000 users in temporary-pass mode, one usable pass each; an error on the last line writes none of them', async () => {
    const lines = Array.from({ length: 10_000 }, (_, i) => `bulk${String(i).padStart(5, '0')}${D},Bulk ${i},,sales`);
    const before = await allUsers();
    await refused(`userPrincipalName,displayName,mail,groups\n${lines.join('\n')}\nbulk00042${D},Again,,\n`,
      [[10_002, 'userPrincipalName', /bulk00042@demo\.openpsso\.test is already on line 44/]], { temporaryAccessPass: { minutes: 60, oneTime: true } });
    const { plan, result } = await run(`userPrincipalName,displayName,mail,groups\n${lines.join('\n')}\n`, { temporaryAccessPass: { minutes: 60, oneTime: true } });
    assert.equal(plan.counts.create, 10_000);
    assert.equal(result.passes.length, 10_000);
    assert.equal(await allUsers(), before + 10_000);
    const last = (await ctx.store.users.getByPrincipalName(orgId, `bulk09999${D}`))!;
    assert.equal(last.passwordHash, null);
    assert.equal((await ctx.store.temporaryAccessPasses.listUsable(last.id, ctx.clock.now())).length, 1);
    assert.match(result.passes[9999]!.code, /^[2-9A-Z]{4}-[2-9A-Z]{4}-[2-9A-Z]{4}$/);
    // Export, then import the export: every row unchanged.
    const exported = await exportUsersCsv(ctx, orgId);
    const rt = await planUserImport(ctx, orgId, Buffer.from(exported));
    assert.equal(rt.counts.unchanged, await allUsers());
    assert.deepEqual([rt.counts.create, rt.counts.update, rt.counts.memberships], [0, 0, 0]);
  });
});
