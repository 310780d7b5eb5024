// Lockout counter and interactive sign-in session stores over Kysely; a failure is counted by one
// upsert statement, so concurrent failures on several servers all count.
import { sql, type Selectable } from 'kysely';
import { PssoError } from '../../errors/psso-error.js';
import type { LockoutPolicy, LockoutRecord, LockoutStore, SignInSessionRecord, SignInSessionStore } from '../ports-access.js';
import type { LockoutsTable, SignInSessionsTable } from './schema-access.js';
import { guardWrite, purgeLimit, type Db } from './support.js';

function mapLockout(r: Selectable<LockoutsTable>): LockoutRecord {
  return {
    key: r.lockout_key,
    failures: Number(r.failures),
    windowStart: Number(r.window_start),
    lockedUntil: r.locked_until === null ? null : Number(r.locked_until),
    lockCount: Number(r.lock_count),
  };
}

/** Lock lengths by how many locks came before: lockMs, 2x, 4x ... up to maxLockMs (the last one repeats). */
function lockLengths({ lockMs, maxLockMs }: LockoutPolicy): number[] {
  const max = Math.max(lockMs, maxLockMs ?? lockMs);
  const out = [lockMs];
  while (out.length < 16 && out[out.length - 1]! < max) out.push(Math.min(max, out[out.length - 1]! * 2));
  return out;
}

export function lockoutStore(db: Db): LockoutStore {
  return {
    async get(key) {
      const r = await db.selectFrom('lockouts').selectAll().where('lockout_key', '=', key).executeTakeFirst();
      return r ? mapLockout(r) : null;
    },
    async getMany(keys) {
      if (keys.length === 0) return [];
      return (await db.selectFrom('lockouts').selectAll().where('lockout_key', 'in', keys).execute()).map(mapLockout);
    },
    async recordFailure(key, now, policy) {
      const { windowMs, threshold } = policy;
      const lengths = lockLengths(policy);
      // Arithmetic stays in JS where it can, so every bound parameter sits next to a bigint column
      // (or is cast) and PostgreSQL can type it.
      const windowPassedAt = now - windowMs;
      const restart = sql<boolean>`lockouts.window_start <= ${windowPassedAt}`;
      const failures = sql<number>`case when ${restart} then 1 else lockouts.failures + 1 end`;
      const stillLocked = sql<boolean>`(lockouts.locked_until is not null and lockouts.locked_until > ${now})`;
      // Smart lockout: a failure soon after a lock ended locks again, for longer.
      const recentLock = sql<boolean>`(lockouts.lock_count > 0 and lockouts.locked_until is not null and lockouts.locked_until > ${windowPassedAt})`;
      const lockNow = sql<boolean>`(not ${stillLocked} and (${failures} >= ${threshold} or ${recentLock}))`;
      const longest = sql<number>`cast(${now + lengths[lengths.length - 1]!} as bigint)`;
      const until = lengths.length === 1 ? longest
        : sql<number>`case ${sql.join(lengths.slice(0, -1).map((ms, i) => sql`when lockouts.lock_count = ${i} then cast(${now + ms} as bigint)`), sql` `)} else ${longest} end`;
      // INSERT ... ON CONFLICT DO UPDATE is atomic on both engines: concurrent first failures on a
      // new key do not race on the insert, and every SET expression reads the row before the update.
      const first = threshold <= 1;
      const r = await db.insertInto('lockouts')
        .values({ lockout_key: key, failures: 1, window_start: now, locked_until: first ? now + lengths[0]! : null, lock_count: first ? 1 : 0 })
        .onConflict((oc) => oc.column('lockout_key').doUpdateSet({
          failures,
          window_start: sql<number>`case when ${restart} then ${now} else lockouts.window_start end`,
          locked_until: sql<number | null>`case when ${lockNow} then ${until} else lockouts.locked_until end`,
          lock_count: sql<number>`case when ${lockNow} then lockouts.lock_count + 1 else lockouts.lock_count end`,
        }))
        .returningAll().executeTakeFirstOrThrow();
      return mapLockout(r);
    },
    async reset(key) {
      await db.deleteFrom('lockouts').where('lockout_key', '=', key).execute();
    },
  };
}

function mapSession(r: Selectable<SignInSessionsTable>): SignInSessionRecord {
  return { id: r.id, orgId: r.org_id, userId: r.user_id, data: r.data, createdAt: Number(r.created_at), expiresAt: Number(r.expires_at) };
}

export function signInSessionStore(db: Db): SignInSessionStore {
  return {
    async create(s) {
      const res = await guardWrite('sign-in session', () =>
        db.insertInto('sign_in_sessions').values({
          id: s.id, org_id: s.orgId, user_id: s.userId, data: s.data, created_at: s.createdAt, expires_at: s.expiresAt,
        }).onConflict((oc) => oc.doNothing()).executeTakeFirst());
      if (Number(res.numInsertedOrUpdatedRows ?? 0) === 0) throw new PssoError('conflict', 'sign-in session');
    },
    async get(id, now) {
      const r = await db.selectFrom('sign_in_sessions').selectAll().where('id', '=', id).where('expires_at', '>', now).executeTakeFirst();
      return r ? mapSession(r) : null;
    },
    async update(id, patch) {
      const res = await guardWrite('sign-in session', () =>
        db.updateTable('sign_in_sessions').set({ user_id: patch.userId, data: patch.data }).where('id', '=', id).executeTakeFirst());
      return Number(res.numUpdatedRows) > 0;
    },
    async delete(id) {
      const res = await db.deleteFrom('sign_in_sessions').where('id', '=', id).executeTakeFirst();
      return Number(res.numDeletedRows) > 0;
    },
    async deleteForUser(userId) {
      const res = await db.deleteFrom('sign_in_sessions').where('user_id', '=', userId).executeTakeFirst();
      return Number(res.numDeletedRows);
    },
    async purgeExpired(now, limit) {
      // The same edge as get(): a session is gone at its expiry instant.
      const batch = db.selectFrom('sign_in_sessions').select('id').where('expires_at', '<=', now).limit(purgeLimit(limit));
      const res = await db.deleteFrom('sign_in_sessions').where('id', 'in', batch).executeTakeFirst();
      return Number(res.numDeletedRows);
    },
  };
}
