// Nonce and refresh-token stores over Kysely: the one-time values, consumed, rotated or re-issued in
// grace by conditional UPDATEs whose affected-row counts decide the winner of any race.
import { sql, type Selectable } from 'kysely';
import { PssoError } from '../../errors/psso-error.js';
import type { GraceReissueResult, NonceStore, RefreshTokenRecord, RefreshTokenStore } from '../ports.js';
import type { Db } from './support.js';
import type { RefreshTokensTable } from './schema.js';
import type { StoreKind } from './migrations.js';
import { fromJsonList, guardWrite, inTx, purgeLimit, toJsonList } from './support.js';

export function nonceStore(db: Db): NonceStore {
  return {
    async create(n) {
      const res = await guardWrite('nonce', () =>
        db.insertInto('nonces').values({ value: n.value, expires_at: n.expiresAt, used_at: n.usedAt, created_at: n.createdAt, bound_to: n.boundTo ?? null })
          .onConflict((oc) => oc.doNothing()).executeTakeFirst());
      if (Number(res.numInsertedOrUpdatedRows ?? 0) === 0) throw new PssoError('conflict', 'nonce');
    },
    async consume(value, now, clientRequestId) {
      const res = await db.updateTable('nonces').set({ used_at: now })
        .where('value', '=', value).where('used_at', 'is', null).where('expires_at', '>', now)
        .where((eb) => clientRequestId === undefined ? eb('bound_to', 'is', null) : eb.or([eb('bound_to', 'is', null), eb('bound_to', '=', clientRequestId)]))
        .executeTakeFirst();
      if (Number(res.numUpdatedRows) === 1) return 'ok';
      // Only the loser looks at the row, and only to say why; the UPDATE alone decided.
      const row = await db.selectFrom('nonces').select(['used_at', 'expires_at', 'bound_to']).where('value', '=', value).executeTakeFirst();
      if (!row) return 'unknown';
      if (row.used_at !== null) return 'replayed';
      if (Number(row.expires_at) <= now) return 'expired';
      return 'wrong_binding';
    },
    async purgeExpired(before, limit) {
      const batch = db.selectFrom('nonces').select('value').where('expires_at', '<', before).limit(purgeLimit(limit));
      const res = await db.deleteFrom('nonces').where('value', 'in', batch).executeTakeFirst();
      return Number(res.numDeletedRows);
    },
  };
}

function mapRefresh(r: Selectable<RefreshTokensTable>): RefreshTokenRecord {
  return {
    id: r.id,
    tokenHash: r.token_hash,
    userId: r.user_id,
    deviceId: r.device_id,
    authTime: Number(r.auth_time),
    amr: fromJsonList(r.amr),
    createdAt: Number(r.created_at),
    expiresAt: Number(r.expires_at),
    revokedAt: r.revoked_at === null ? null : Number(r.revoked_at),
    replacedById: r.replaced_by_id,
    familyId: r.family_id ?? r.id,
    graceUsedAt: r.grace_used_at === null ? null : Number(r.grace_used_at),
  };
}

/**
 * Serialises every change to one family (rotation, grace re-issue, family revocation) for the rest
 * of the transaction. PostgreSQL needs it: under READ COMMITTED a family revocation's UPDATE cannot
 * see a successor that a concurrent rotation inserts, so the successor would stay live. SQLite
 * runs one transaction at a time on its single connection already. An advisory lock needs no row,
 * so it holds even after old rows of the family were purged.
 */
async function lockFamily(trx: Db, kind: StoreKind, familyId: string): Promise<void> {
  if (kind === 'postgres') await sql`select pg_advisory_xact_lock(hashtext(${`refresh-family:${familyId}`}))`.execute(trx);
}

export function refreshTokenStore(db: Db, kind: StoreKind): RefreshTokenStore {
  const insert = (trx: Db, t: RefreshTokenRecord) =>
    guardWrite('refresh token', () =>
      trx.insertInto('refresh_tokens').values({
        id: t.id,
        token_hash: t.tokenHash,
        user_id: t.userId,
        device_id: t.deviceId,
        auth_time: t.authTime,
        amr: toJsonList(t.amr),
        created_at: t.createdAt,
        expires_at: t.expiresAt,
        revoked_at: t.revokedAt,
        replaced_by_id: t.replacedById,
        family_id: t.familyId,
        grace_used_at: t.graceUsedAt,
      }).execute());
  return {
    async create(t) {
      await insert(db, t);
    },
    async getByHash(tokenHash) {
      const r = await db.selectFrom('refresh_tokens').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
      return r ? mapRefresh(r) : null;
    },
    async rotate(oldId, next, at) {
      return inTx(db, async (trx) => {
        await lockFamily(trx, kind, next.familyId);
        // Concurrent rotations serialise on the row lock; the loser's WHERE no longer matches.
        const res = await trx.updateTable('refresh_tokens').set({ revoked_at: at, replaced_by_id: next.id })
          .where('id', '=', oldId).where('revoked_at', 'is', null).executeTakeFirst();
        if (Number(res.numUpdatedRows) !== 1) return false;
        await insert(trx, next);
        return true;
      });
    },
    async reissueInGrace(previousId, successorId, next, at, rotatedSince) {
      const outcome = await inTx(db, async (trx): Promise<GraceReissueResult> => {
        await lockFamily(trx, kind, next.familyId);
        // Claiming the previous token first serialises concurrent re-issues on its row: the loser's
        // WHERE no longer matches once the winner has spent the grace.
        const claimed = await trx.updateTable('refresh_tokens').set({ replaced_by_id: next.id, grace_used_at: at })
          .where('id', '=', previousId).where('replaced_by_id', '=', successorId).where('grace_used_at', 'is', null)
          .where('revoked_at', '>=', rotatedSince).executeTakeFirst();
        if (Number(claimed.numUpdatedRows) !== 1) return 'grace_spent';
        // The successor may have been used meanwhile; a rotation of it races on its row here.
        const displaced = await trx.updateTable('refresh_tokens').set({ revoked_at: at, replaced_by_id: next.id, grace_used_at: at })
          .where('id', '=', successorId).where('revoked_at', 'is', null).executeTakeFirst();
        if (Number(displaced.numUpdatedRows) !== 1) {
          // Undo the claim inside the same transaction (this works whether or not the caller's
          // transaction is the one we are in); its row lock is still ours, so no one saw it.
          await trx.updateTable('refresh_tokens').set({ replaced_by_id: successorId, grace_used_at: null })
            .where('id', '=', previousId).execute();
          return 'successor_used';
        }
        await insert(trx, next);
        return 'reissued';
      });
      if (outcome === 'reissued') return outcome;
      // Only a loser looks at the rows, and only to say why; the UPDATEs alone decided.
      if (outcome === 'grace_spent') {
        const prev = await db.selectFrom('refresh_tokens').select(['grace_used_at', 'replaced_by_id', 'revoked_at'])
          .where('id', '=', previousId).executeTakeFirst();
        const spent = !prev || prev.grace_used_at !== null || prev.replaced_by_id !== successorId || prev.revoked_at === null;
        return spent ? 'grace_spent' : 'window_closed';
      }
      const succ = await db.selectFrom('refresh_tokens').select(['replaced_by_id']).where('id', '=', successorId).executeTakeFirst();
      return succ?.replaced_by_id ? 'successor_used' : 'successor_revoked';
    },
    async revokeFamily(familyId, at) {
      return inTx(db, async (trx) => {
        // With the family locked, every rotation that committed before is visible to this UPDATE,
        // and every later one finds its token revoked and inserts nothing.
        await lockFamily(trx, kind, familyId);
        // `id = familyId` covers a root that a server from before migration 0004 wrote without family_id.
        const res = await trx.updateTable('refresh_tokens').set({ revoked_at: at })
          .where((eb) => eb.or([eb('family_id', '=', familyId), eb('id', '=', familyId)]))
          .where('revoked_at', 'is', null).executeTakeFirst();
        return Number(res.numUpdatedRows);
      });
    },
    async revokeForDevice(deviceId, at) {
      const res = await db.updateTable('refresh_tokens').set({ revoked_at: at })
        .where('device_id', '=', deviceId).where('revoked_at', 'is', null).executeTakeFirst();
      return Number(res.numUpdatedRows);
    },
    async revokeForUser(userId, at) {
      const res = await db.updateTable('refresh_tokens').set({ revoked_at: at })
        .where('user_id', '=', userId).where('revoked_at', 'is', null).executeTakeFirst();
      return Number(res.numUpdatedRows);
    },
    async purgeEnded({ expiredBefore, revokedBefore }, limit) {
      const batch = db.selectFrom('refresh_tokens').select('id')
        .where((eb) => eb.or([
          eb('expires_at', '<', expiredBefore),
          eb.and([eb('revoked_at', '<', revokedBefore), eb('replaced_by_id', 'is', null)]),
        ]))
        .limit(purgeLimit(limit));
      const res = await db.deleteFrom('refresh_tokens').where('id', 'in', batch).executeTakeFirst();
      return Number(res.numDeletedRows);
    },
    async deleteForDevice(deviceId) {
      const res = await db.deleteFrom('refresh_tokens').where('device_id', '=', deviceId).executeTakeFirst();
      return Number(res.numDeletedRows);
    },
    async deleteForUser(userId) {
      const res = await db.deleteFrom('refresh_tokens').where('user_id', '=', userId).executeTakeFirst();
      return Number(res.numDeletedRows);
    },
    async listActiveForDevice(deviceId, now) {
      const rows = await db.selectFrom('refresh_tokens').selectAll()
        .where('device_id', '=', deviceId).where('revoked_at', 'is', null).where('expires_at', '>', now)
        .orderBy('created_at').orderBy('id').execute();
      return rows.map(mapRefresh);
    },
  };
}
