// Lockout counter and interactive sign-in session stores over Kysely; a failure is counted by one
// upsert statement, so concurrent failures on several servers all count.
import { sql, type Selectable } from 'kysely';
import { PssoError } from '../../errors/psso-error.js';
import type { LockoutRecord, LockoutStore, SignInSessionRecord, SignInSessionStore } from '../ports-access.js';
import type { LockoutsTable, SignInSessionsTable } from './schema-access.js';
import { guardWrite, purgeLimit, type Db } from './support.js';

function mapLockout(r: Selectable<LockoutsTable>): LockoutRecord {
  return {
    key: r.lockout_key,
    failures: Number(r.failures),
    windowStart: Number(r.window_start),
    lockedUntil: r.locked_until === null ? null : Number(r.locked_until),
  };
}

export function lockoutStore(db: Db): LockoutStore {
  return {
    async get(key) {
      const r = await db.selectFrom('lockouts').selectAll().where('lockout_key', '=', key).executeTakeFirst();
      return r ? mapLockout(r) : null;
    },
    async recordFailure(key, now, { windowMs, threshold, lockMs }) {
      const until = now + lockMs;
      // A window that started at or before this instant has passed; arithmetic stays in JS so every
      // bound parameter sits next to a bigint column and PostgreSQL can type it.
      const windowPassedAt = now - windowMs;
      const restart = sql<boolean>`lockouts.window_start <= ${windowPassedAt}`;
      const failures = sql<number>`case when ${restart} then 1 else lockouts.failures + 1 end`;
      // INSERT ... ON CONFLICT DO UPDATE is atomic on both engines: concurrent first failures on a
      // new key do not race on the insert, and every SET expression reads the row before the update.
      const r = await db.insertInto('lockouts')
        .values({ lockout_key: key, failures: 1, window_start: now, locked_until: threshold <= 1 ? until : null })
        .onConflict((oc) => oc.column('lockout_key').doUpdateSet({
          failures,
          window_start: sql<number>`case when ${restart} then ${now} else lockouts.window_start end`,
          locked_until: sql<number | null>`case when ${failures} >= ${threshold} then ${until} else lockouts.locked_until end`,
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
    async purgeExpired(now, limit) {
      // The same edge as get(): a session is gone at its expiry instant.
      const batch = db.selectFrom('sign_in_sessions').select('id').where('expires_at', '<=', now).limit(purgeLimit(limit));
      const res = await db.deleteFrom('sign_in_sessions').where('id', 'in', batch).executeTakeFirst();
      return Number(res.numDeletedRows);
    },
  };
}
