// `openpsso user import`: plans a CSV of users against the directory (what would be created,
// updated or left alone), then applies the plan all or nothing in one transaction. Re-running the
// same file changes nothing: existing users keep their passwords, and memberships are only added.
// New users get a password from the file or, in temporary-pass mode, a temporary access pass each.

import { availableParallelism } from 'node:os';
import type { AppContext } from './context.js';
import { principalNameKey, type Group, type User } from '../storage/ports.js';
import { PssoError } from '../errors/psso-error.js';
import { checkNewUser, newUserRecord, userFieldProblems, type UserField } from './directory.js';
import { hashPassword } from './passwords.js';
import { newId } from './ids.js';
import { issueTemporaryAccessPass } from './interactive/admin.js';
import { parseImportCsv, type ImportColumn, type ImportRow, type RowError } from './user-import-rows.js';

export interface ImportOptions {
  /** Create groups the file names that do not exist yet (otherwise they are errors). */
  createGroups?: boolean;
  /** Issue each new user a temporary access pass instead of taking a password from the file. */
  temporaryAccessPass?: { minutes: number; oneTime: boolean } | null;
}

export type RowAction = 'create' | 'update' | 'unchanged';

export interface PlannedRow {
  line: number;
  action: RowAction;
  userPrincipalName: string;
  existing: User | null;
  /** Fields that differ from the stored user (update), e.g. ['displayName']. */
  changes: ('displayName' | 'mail')[];
  displayName?: string;
  mail?: string;
  password?: string;
  /** Group names the user is not yet a member of. */
  addGroups: string[];
  /** An existing user's password cell, which import never applies. */
  passwordIgnored: boolean;
}

export interface ImportPlan {
  orgId: string;
  rows: PlannedRow[];
  groupsToCreate: string[];
  counts: { create: number; update: number; unchanged: number; memberships: number; passwordsIgnored: number };
  options: ImportOptions;
}

export interface IssuedPass { userPrincipalName: string; code: string; expiresAt: number }

export interface ImportResult { created: number; updated: number; unchanged: number; membershipsAdded: number; groupsCreated: number; passes: IssuedPass[] }

const COLUMN_OF: Record<UserField, ImportColumn> = { userPrincipalName: 'userPrincipalName', displayName: 'displayName', mail: 'mail', password: 'password' };

function invalid(errors: RowError[]): PssoError {
  const sorted = [...errors].sort((a, b) => a.line - b.line);
  return new PssoError('import_invalid', `${sorted.length} problem${sorted.length === 1 ? '' : 's'}`, { errors: sorted });
}

/** The row errors an import_invalid error carries, for the CLI and tests. */
export function importErrors(e: unknown): RowError[] | null {
  return e instanceof PssoError && e.entry.name === 'import_invalid' ? (e.extra?.errors as RowError[]) : null;
}

async function allGroups(ctx: AppContext, orgId: string): Promise<Map<string, Group>> {
  const out = new Map<string, Group>();
  let cursor: string | null = null;
  do {
    const page = await ctx.store.groups.list(orgId, { limit: 1000, cursor });
    for (const g of page.items) out.set(g.displayName, g);
    cursor = page.next;
  } while (cursor);
  return out;
}

/** The directory as the plan needs it, read once: users by name and each user's group names. */
interface Directory { users: Map<string, User>; memberOf: Map<string, Set<string>>; groups: Map<string, Group> }

async function readDirectory(ctx: AppContext, orgId: string): Promise<Directory> {
  const groups = await allGroups(ctx, orgId);
  const memberOf = new Map<string, Set<string>>();
  for (const g of groups.values()) {
    for (const userId of await ctx.store.groups.listMembers(g.id)) {
      const set = memberOf.get(userId) ?? new Set<string>();
      set.add(g.displayName);
      memberOf.set(userId, set);
    }
  }
  const users = new Map<string, User>();
  let cursor: string | null = null;
  do {
    const page: { items: User[]; next: string | null } = await ctx.store.users.list(orgId, { limit: 1000, cursor });
    for (const u of page.items) users.set(principalNameKey(u.userPrincipalName), u);
    cursor = page.next;
  } while (cursor);
  return { users, memberOf, groups };
}

async function planRow(ctx: AppContext, orgId: string, row: ImportRow, dir: Directory, opts: ImportOptions, errors: RowError[]): Promise<PlannedRow | null> {
  const { groups } = dir;
  const existing = dir.users.get(principalNameKey(row.userPrincipalName)) ?? null;
  const fields = { ...(row.displayName !== undefined ? { displayName: row.displayName } : {}), ...(row.mail !== undefined ? { email: row.mail } : {}) };
  const tap = Boolean(opts.temporaryAccessPass);
  const problems = existing
    ? userFieldProblems(fields)
    : await checkNewUser(ctx, orgId, { userPrincipalName: row.userPrincipalName, ...fields, ...(row.password !== undefined && !tap ? { password: row.password } : {}) });
  const before = errors.length;
  for (const p of problems) errors.push({ line: row.line, column: COLUMN_OF[p.field], message: `${p.message}` });
  if (!existing && tap && row.password !== undefined) {
    errors.push({ line: row.line, column: 'password', message: 'a password is given, but --temporary-access-pass issues passes instead: leave the password empty or drop the option' });
  }
  if (!existing && !tap && row.password === undefined) {
    errors.push({ line: row.line, column: 'password', message: `no password for new user ${row.userPrincipalName}: fill the password column or use --temporary-access-pass` });
  }
  for (const name of row.groups) {
    if (!groups.has(name) && !opts.createGroups) errors.push({ line: row.line, column: 'groups', message: `unknown group ${JSON.stringify(name)} (create it first, or pass --create-groups)` });
  }
  if (errors.length > before) return null;

  const memberOf = (existing && dir.memberOf.get(existing.id)) || new Set<string>();
  const addGroups = row.groups.filter((g) => !memberOf.has(g));
  const changes: PlannedRow['changes'] = [];
  if (existing && row.displayName !== undefined && row.displayName !== existing.displayName) changes.push('displayName');
  if (existing && row.mail !== undefined && row.mail !== existing.email) changes.push('mail');
  const action: RowAction = !existing ? 'create' : changes.length > 0 || addGroups.length > 0 ? 'update' : 'unchanged';
  return {
    line: row.line, action, userPrincipalName: existing?.userPrincipalName ?? row.userPrincipalName, existing, changes,
    ...(row.displayName !== undefined ? { displayName: row.displayName } : {}), ...(row.mail !== undefined ? { mail: row.mail } : {}),
    ...(!existing && row.password !== undefined ? { password: row.password } : {}),
    addGroups, passwordIgnored: Boolean(existing && row.password !== undefined),
  };
}

/** Checks the whole file against the directory and says what --apply would do; writes nothing. Throws import_invalid listing every problem. */
export async function planUserImport(ctx: AppContext, orgId: string, csv: Buffer, opts: ImportOptions = {}): Promise<ImportPlan> {
  const parsed = parseImportCsv(csv);
  const errors = [...parsed.errors];
  const dir = await readDirectory(ctx, orgId);
  const groups = dir.groups;
  const rows: PlannedRow[] = [];
  for (const row of parsed.rows) {
    const planned = await planRow(ctx, orgId, row, dir, opts, errors);
    if (planned) rows.push(planned);
  }
  if (errors.length > 0) throw invalid(errors);
  const groupsToCreate = [...new Set(rows.flatMap((r) => r.addGroups))].filter((g) => !groups.has(g));
  const count = (a: RowAction) => rows.filter((r) => r.action === a).length;
  return {
    orgId, rows, groupsToCreate, options: opts,
    counts: {
      create: count('create'), update: count('update'), unchanged: count('unchanged'),
      memberships: rows.reduce((n, r) => n + r.addGroups.length, 0), passwordsIgnored: rows.filter((r) => r.passwordIgnored).length,
    },
  };
}

/** Runs `fn` over `items` with at most `limit` in flight (argon2 work runs on libuv's thread pool). */
async function mapBounded<T, R>(items: T[], limit: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return out;
}

/**
 * Applies a plan in one transaction. Passwords are hashed first, outside it, so the transaction
 * holds the database only for the writes. If anything changed since the plan (a user created
 * meanwhile), the transaction fails as a whole and nothing is written.
 */
export async function applyUserImport(ctx: AppContext, plan: ImportPlan): Promise<ImportResult> {
  const creating = plan.rows.filter((r) => r.action === 'create');
  // libuv runs four argon2 hashes at once by default; more in flight only queue there.
  const hashes = await mapBounded(creating, Math.min(4, availableParallelism()), (r) => (r.password !== undefined ? hashPassword(r.password) : Promise.resolve(null)));
  const tap = plan.options.temporaryAccessPass ?? null;
  return ctx.store.transaction(async (tx) => {
    const c = { ...ctx, store: tx };
    const now = ctx.clock.now();
    const groups = await allGroups(c, plan.orgId);
    for (const name of plan.groupsToCreate) {
      const g: Group = { id: newId('grp'), orgId: plan.orgId, displayName: name, description: null, createdAt: now };
      await tx.groups.create(g);
      groups.set(name, g);
    }
    const passes: IssuedPass[] = [];
    let membershipsAdded = 0;
    for (const [i, r] of creating.entries()) {
      const user = newUserRecord(plan.orgId, { userPrincipalName: r.userPrincipalName, ...(r.displayName !== undefined ? { displayName: r.displayName } : {}), ...(r.mail !== undefined ? { email: r.mail } : {}) }, hashes[i]!, now);
      await tx.users.create(user);
      for (const g of r.addGroups) { await tx.groups.addMember(groups.get(g)!.id, user.id); membershipsAdded++; }
      if (tap) {
        const { code, record } = await issueTemporaryAccessPass(c, user, { minutes: tap.minutes, oneTime: tap.oneTime });
        passes.push({ userPrincipalName: user.userPrincipalName, code, expiresAt: record.expiresAt });
      }
    }
    for (const r of plan.rows.filter((x) => x.action === 'update')) {
      const u = r.existing!;
      if (r.changes.length > 0) {
        await tx.users.update(u.id, { ...(r.changes.includes('displayName') ? { displayName: r.displayName! } : {}), ...(r.changes.includes('mail') ? { email: r.mail! } : {}), updatedAt: now });
      }
      for (const g of r.addGroups) { await tx.groups.addMember(groups.get(g)!.id, u.id); membershipsAdded++; }
    }
    return { created: creating.length, updated: plan.counts.update, unchanged: plan.counts.unchanged, membershipsAdded, groupsCreated: plan.groupsToCreate.length, passes };
  });
}
