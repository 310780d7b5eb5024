// Nonce and refresh-token stores over Kysely: the one-time values, consumed or rotated by a single
// conditional UPDATE whose affected-row count decides the winner of any race.
import type { Selectable } from 'kysely';
import { PssoError } from '../../errors/psso-error.js';
import type { NonceStore, RefreshTokenRecord, RefreshTokenStore } from '../ports.js';
import type { Db } from './support.js';
import type { RefreshTokensTable } from './schema.js';
import { fromJsonList, guardWrite, inTx, purgeLimit, toJsonList } from './support.js';

export function nonceStore(db: Db): NonceStore {
  return {
    async create(n) {
      const res = await guardWrite('nonce', () =>
        db.insertInto('nonces').values({ value: n.value, expires_at: n.expiresAt, used_at: n.usedAt, created_at: n.createdAt })
          .onConflict((oc) => oc.doNothing()).executeTakeFirst());
      if (Number(res.numInsertedOrUpdatedRows ?? 0) === 0) throw new PssoError('conflict', 'nonce');
    },
    async consume(value, now) {
      const res = await db.updateTable('nonces').set({ used_at: now })
        .where('value', '=', value).where('used_at', 'is', null).where('expires_at', '>', now)
        .executeTakeFirst();
      if (Number(res.numUpdatedRows) === 1) return 'ok';
      // Only the loser looks at the row, and only to say why; the UPDATE alone decided.
      const row = await db.selectFrom('nonces').select(['used_at']).where('value', '=', value).executeTakeFirst();
      if (!row) return 'unknown';
      return row.used_at !== null ? 'replayed' : 'expired';
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
  };
}

export function refreshTokenStore(db: Db): RefreshTokenStore {
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
        // Concurrent rotations serialise on the row lock; the loser's WHERE no longer matches.
        const res = await trx.updateTable('refresh_tokens').set({ revoked_at: at, replaced_by_id: next.id })
          .where('id', '=', oldId).where('revoked_at', 'is', null).executeTakeFirst();
        if (Number(res.numUpdatedRows) !== 1) return false;
        await insert(trx, next);
        return true;
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
    async listActiveForDevice(deviceId, now) {
      const rows = await db.selectFrom('refresh_tokens').selectAll()
        .where('device_id', '=', deviceId).where('revoked_at', 'is', null).where('expires_at', '>', now)
        .orderBy('created_at').orderBy('id').execute();
      return rows.map(mapRefresh);
    },
  };
}
