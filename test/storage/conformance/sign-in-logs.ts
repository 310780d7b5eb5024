// Conformance cases for the sign-in log: JSON round trip, $filter translation checked against the
// reference matcher (matchesFilter), keyset paging newest first, limits, and retention purges.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { matchesFilter, parseSignInFilter } from '../../../src/policy/sign-in-filter.js';
import type { SignIn } from '../../../src/policy/sign-in.js';
import type { Store } from '../../../src/storage/ports.js';
import { makeOrg, rejectsWith, storeHook, T0, type MakeStore } from './fixtures.js';
import { iso, makeSignIn } from './fixtures-access.js';

const MIN = 60_000;
const PORTAL = 'b3a1c2d4-0000-4000-8000-00000000a11a';

/** Newest first, then id descending: the order every query returns. */
const newestFirst = (rows: SignIn[]): string[] =>
  [...rows].sort((a, b) => Date.parse(b.createdDateTime) - Date.parse(a.createdDateTime) || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0)).map((r) => r.id);

async function newOrg(store: Store): Promise<string> {
  const org = makeOrg();
  await store.organisations.create(org);
  return org.id;
}

/** 48 rows crossing users (with mixed-case UPNs), codes, apps, times (with ties) and flags. */
function corpus(): SignIn[] {
  const users = [['usr_alice', 'alice@example.com'], ['usr_bob', 'Bob@Example.com'], ['usr_carol', 'carol@example.com']] as const;
  const codes = [0, 50076, 50126, 53003];
  return Array.from({ length: 48 }, (_, i) => {
    const [userId, upn] = users[i % 3]!;
    const errorCode = codes[i % 4]!;
    return makeSignIn({
      createdDateTime: iso(T0 + Math.floor(i / 2) * MIN), // pairs share an instant: id breaks the tie
      userId,
      userPrincipalName: upn,
      appId: i % 5 === 0 ? PORTAL : makeSignIn().appId,
      appDisplayName: i % 5 === 0 ? 'Admin Portal' : 'OpenPSSO Platform SSO',
      ipAddress: i % 2 === 0 ? '203.0.113.5' : '2001:DB8::1',
      isInteractive: i % 3 === 1,
      status: { errorCode, failureReason: errorCode === 0 ? null : 'failed', additionalDetails: null },
      conditionalAccessStatus: (['success', 'failure', 'notApplied'] as const)[i % 3]!,
      authenticationRequirement: i % 4 === 1 ? 'multiFactorAuthentication' : 'singleFactorAuthentication',
    });
  });
}

export function signInLogCases(make: MakeStore): void {
  describe('sign-in logs', () => {
    const s = storeHook(make);

    it('round-trips the whole row as JSON, keyed per organisation; a duplicate id is a conflict', async () => {
      const orgA = await newOrg(s());
      const orgB = await newOrg(s());
      const row = makeSignIn({
        status: { errorCode: 53003, failureReason: 'Blocked by CA', additionalDetails: 'policy "x" ✓' },
        conditionalAccessStatus: 'failure',
        appliedConditionalAccessPolicies: [{ id: 'cap_1', displayName: 'Block', enforcedGrantControls: ['block'], enforcedSessionControls: [], result: 'failure' }],
        authenticationRequirementSource: 'conditionalAccess:cap_1',
      });
      await s().signInLogs.append(orgA, row);
      assert.deepEqual(await s().signInLogs.get(orgA, row.id), row);
      assert.equal(await s().signInLogs.get(orgB, row.id), null);
      await rejectsWith(s().signInLogs.append(orgA, { ...row, userId: 'other' }), 'conflict');
      // The same id in another organisation is a different row.
      await s().signInLogs.append(orgB, row);
      assert.deepEqual((await s().signInLogs.query(orgB, { top: 10 })).items, [row]);
      await rejectsWith(s().signInLogs.append(orgA, makeSignIn({ createdDateTime: 'yesterday' })), 'malformed_request');
    });

    it('a duplicate inside a transaction does not poison it', async () => {
      const org = await newOrg(s());
      const row = makeSignIn();
      const other = makeSignIn();
      await s().signInLogs.append(org, row);
      await s().transaction(async (tx) => {
        await rejectsWith(tx.signInLogs.append(org, row), 'conflict');
        await tx.signInLogs.append(org, other);
      });
      assert.ok(await s().signInLogs.get(org, other.id));
    });

    it('translates every filter kind to SQL with the same answers as matchesFilter', async () => {
      const org = await newOrg(s());
      const rows = corpus();
      await s().transaction(async (tx) => { for (const r of rows) await tx.signInLogs.append(org, r); });
      // Another organisation's rows match the same filters and must never show.
      const other = await newOrg(s());
      await s().signInLogs.append(other, makeSignIn({ userPrincipalName: 'bob@example.com', status: { errorCode: 50076, failureReason: null, additionalDetails: null } }));
      const some = rows[7]!;
      const filters: [string, number | null][] = [
        ['status/errorCode eq 50076', 12],
        ['status/errorCode ne 0', 36],
        ['status/errorCode ge 50100 and status/errorCode lt 53003', 12],
        ['status/errorCode gt 50076 or status/errorCode le 0', 36],
        [`createdDateTime ge ${iso(T0 + 5 * MIN)} and createdDateTime lt ${iso(T0 + 9 * MIN)}`, 8],
        [`createdDateTime gt ${iso(T0 + 20 * MIN)}`, 6],
        [`createdDateTime le ${iso(T0 + 2 * MIN)}`, 6],
        // The same instant written with an offset, and a bare date (midnight UTC).
        ['createdDateTime ge 2023-11-14T23:33:20+01:00', 8],
        ['createdDateTime lt 2023-11-14', 0],
        ["userPrincipalName eq 'BOB@example.COM'", 16],
        ["userPrincipalName ne 'alice@EXAMPLE.com'", 32],
        ["userId eq 'USR_CAROL' and status/errorCode eq 0", null],
        ['isInteractive eq true', 16],
        ['isInteractive eq false and status/errorCode ne 0', null],
        ["appDisplayName eq 'admin portal'", 10],
        [`appId eq '${PORTAL.toUpperCase()}'`, 10],
        ["ipAddress eq '2001:db8::1'", 24],
        [`correlationId eq '${some.correlationId.toUpperCase()}'`, 1],
        [`id eq '${some.id}' or id eq '${rows[8]!.id}'`, 2],
        ["conditionalAccessStatus eq 'failure'", 16],
        ["conditionalAccessStatus ne 'notApplied' and authenticationRequirement eq 'multiFactorAuthentication'", null],
        ["(status/errorCode eq 50076 or status/errorCode eq 53003) and (isInteractive eq false or userPrincipalName eq 'carol@example.com')", null],
        ["userPrincipalName eq 'nobody@example.com'", 0],
      ];
      for (const [text, count] of filters) {
        const ast = parseSignInFilter(text);
        const want = newestFirst(rows.filter((r) => matchesFilter(r, ast)));
        if (count !== null) assert.equal(want.length, count, `oracle count for ${text}`);
        else assert.ok(want.length > 0 && want.length < rows.length, `meaningful filter: ${text}`);
        const page = await s().signInLogs.query(org, { filter: ast, top: 1000 });
        assert.deepEqual(page.items.map((r) => r.id), want, text);
        assert.equal(page.next, null);
      }
      assert.equal((await s().signInLogs.query(org, { filter: null, top: 1000 })).items.length, rows.length);
    });

    it('pages through 250 rows newest first with opaque cursors: no duplicates, no gaps', async () => {
      const org = await newOrg(s());
      // Three rows per instant, appended out of order, so the id tie-break and the cursor both matter.
      const rows = Array.from({ length: 250 }, (_, i) => makeSignIn({
        createdDateTime: iso(T0 + Math.floor(i / 3) * 1000),
        status: { errorCode: i % 2 === 0 ? 0 : 50126, failureReason: null, additionalDetails: null },
      }));
      const shuffled = [...rows].sort((a, b) => (a.correlationId < b.correlationId ? -1 : 1));
      await s().transaction(async (tx) => { for (const r of shuffled) await tx.signInLogs.append(org, r); });
      for (const [filter, top] of [[null, 7], [parseSignInFilter('status/errorCode eq 50126'), 10], [null, 250], [null, 1000]] as const) {
        const seen: string[] = [];
        let cursor: string | null = null;
        let pages = 0;
        do {
          const page: Awaited<ReturnType<Store['signInLogs']['query']>> = await s().signInLogs.query(org, { filter, top, cursor });
          assert.ok(page.items.length <= top);
          if (page.next !== null) assert.equal(page.items.length, top);
          seen.push(...page.items.map((r) => r.id));
          cursor = page.next;
          pages += 1;
        } while (cursor !== null);
        const want = newestFirst(filter === null ? rows : rows.filter((r) => matchesFilter(r, filter)));
        assert.deepEqual(seen, want);
        assert.equal(new Set(seen).size, seen.length);
        assert.equal(pages, Math.max(1, Math.ceil(want.length / top)));
      }
    });

    it('caps top at 1000 and rejects a bad top or a cursor it did not issue', async () => {
      const org = await newOrg(s());
      const rows = Array.from({ length: 1003 }, (_, i) => makeSignIn({ createdDateTime: iso(T0 + i) }));
      await s().transaction(async (tx) => { for (const r of rows) await tx.signInLogs.append(org, r); });
      const first = await s().signInLogs.query(org, { top: 5000 });
      assert.equal(first.items.length, 1000);
      assert.ok(first.next);
      const rest = await s().signInLogs.query(org, { top: 5000, cursor: first.next });
      assert.deepEqual(rest.items.map((r) => r.id), newestFirst(rows).slice(1000));
      assert.equal(rest.next, null);
      await rejectsWith(s().signInLogs.query(org, { top: 0 }), 'malformed_request');
      await rejectsWith(s().signInLogs.query(org, { top: 10, cursor: 'not-a-cursor' }), 'malformed_request');
      await rejectsWith(s().signInLogs.query(org, { top: 10, cursor: Buffer.from('["x","y"]').toString('base64url') }), 'malformed_request');
    });

    it('purges rows created before the cutoff, across organisations, at most `limit` per call', async () => {
      const orgA = await newOrg(s());
      const orgB = await newOrg(s());
      const old1 = makeSignIn({ createdDateTime: iso(T0 - 2) });
      const old2 = makeSignIn({ createdDateTime: iso(T0 - 1) });
      const edge = makeSignIn({ createdDateTime: iso(T0) });
      const live = makeSignIn({ createdDateTime: iso(T0 + 1) });
      await s().signInLogs.append(orgA, old1);
      await s().signInLogs.append(orgB, old2);
      await s().signInLogs.append(orgA, edge);
      await s().signInLogs.append(orgB, live);
      assert.equal(await s().signInLogs.purgeBefore(T0, 1), 1);
      assert.equal(await s().signInLogs.purgeBefore(T0, 1000), 1);
      assert.equal(await s().signInLogs.purgeBefore(T0, 1000), 0);
      assert.equal(await s().signInLogs.get(orgA, old1.id), null);
      assert.equal(await s().signInLogs.get(orgB, old2.id), null);
      assert.deepEqual((await s().signInLogs.query(orgA, { top: 10 })).items, [edge]);
      assert.deepEqual((await s().signInLogs.query(orgB, { top: 10 })).items, [live]);
    });
  });
}
