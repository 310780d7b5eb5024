// Web-based login state and code stores over Kysely: each value is used once, decided by a
// conditional UPDATE whose affected-row count picks the single winner of any race.
import type { Kysely, Selectable } from 'kysely';
import { PssoError } from '../../errors/psso-error.js';
import type { OneTimeResult, WebLoginCodeRecord, WebLoginCodeStore, WebLoginStateRecord, WebLoginStateStore, WebLoginStores } from '../ports-web-login.js';
import type { WebLoginCodesTable, WebLoginStatesTable } from './schema-web-login.js';
import { fromJsonList, guardWrite, purgeLimit, toJsonList, type Db } from './support.js';

const nullableNumber = (v: number | null): number | null => (v === null ? null : Number(v));

function mapState(r: Selectable<WebLoginStatesTable>): WebLoginStateRecord {
  return {
    stateHash: r.state_hash, orgId: r.org_id, clientId: r.client_id, nonce: r.nonce, loginHint: r.login_hint,
    createdAt: Number(r.created_at), expiresAt: Number(r.expires_at), usedAt: nullableNumber(r.used_at),
  };
}

function mapCode(r: Selectable<WebLoginCodesTable>): WebLoginCodeRecord {
  return {
    codeHash: r.code_hash, orgId: r.org_id, userId: r.user_id, deviceId: r.device_id, state: r.state, nonce: r.nonce,
    scope: r.scope, clientId: r.client_id, amr: fromJsonList(r.amr), authTime: Number(r.auth_time),
    createdAt: Number(r.created_at), expiresAt: Number(r.expires_at), usedAt: nullableNumber(r.used_at),
  };
}

/** The UPDATE alone decides; only the loser reads the row, to say why. */
async function consumeOne(typed: Db, table: 'web_login_states' | 'web_login_codes', key: 'state_hash' | 'code_hash', value: string, now: number): Promise<OneTimeResult> {
  // The two tables share the one-time columns; the key column differs, so the builder is untyped here.
  const db = typed as unknown as Kysely<any>;
  const res = await db.updateTable(table).set({ used_at: now })
    .where(key, '=', value).where('used_at', 'is', null).where('expires_at', '>', now).executeTakeFirst();
  if (Number(res.numUpdatedRows) === 1) return 'ok';
  const row = await db.selectFrom(table).select(['used_at']).where(key, '=', value).executeTakeFirst();
  if (!row) return 'unknown';
  return row.used_at !== null ? 'replayed' : 'expired';
}

function webLoginStateStore(db: Db): WebLoginStateStore {
  return {
    async create(r) {
      const res = await guardWrite('web login state', () => db.insertInto('web_login_states').values({
        state_hash: r.stateHash, org_id: r.orgId, client_id: r.clientId, nonce: r.nonce, login_hint: r.loginHint,
        created_at: r.createdAt, expires_at: r.expiresAt, used_at: r.usedAt,
      }).onConflict((oc) => oc.doNothing()).executeTakeFirst());
      if (Number(res.numInsertedOrUpdatedRows ?? 0) === 0) throw new PssoError('conflict', 'web login state');
    },
    async get(stateHash) {
      const r = await db.selectFrom('web_login_states').selectAll().where('state_hash', '=', stateHash).executeTakeFirst();
      return r ? mapState(r) : null;
    },
    consume: (stateHash, now) => consumeOne(db, 'web_login_states', 'state_hash', stateHash, now),
    async purgeExpired(before, limit) {
      const batch = db.selectFrom('web_login_states').select('state_hash').where('expires_at', '<', before).limit(purgeLimit(limit));
      return Number((await db.deleteFrom('web_login_states').where('state_hash', 'in', batch).executeTakeFirst()).numDeletedRows);
    },
  };
}

function webLoginCodeStore(db: Db): WebLoginCodeStore {
  return {
    async create(r) {
      const res = await guardWrite('web login code', () => db.insertInto('web_login_codes').values({
        code_hash: r.codeHash, org_id: r.orgId, user_id: r.userId, device_id: r.deviceId, state: r.state, nonce: r.nonce,
        scope: r.scope, client_id: r.clientId, amr: toJsonList(r.amr), auth_time: r.authTime,
        created_at: r.createdAt, expires_at: r.expiresAt, used_at: r.usedAt,
      }).onConflict((oc) => oc.doNothing()).executeTakeFirst());
      if (Number(res.numInsertedOrUpdatedRows ?? 0) === 0) throw new PssoError('conflict', 'web login code');
    },
    async get(codeHash) {
      const r = await db.selectFrom('web_login_codes').selectAll().where('code_hash', '=', codeHash).executeTakeFirst();
      return r ? mapCode(r) : null;
    },
    consume: (codeHash, now) => consumeOne(db, 'web_login_codes', 'code_hash', codeHash, now),
    async deleteForDevice(deviceId) {
      return Number((await db.deleteFrom('web_login_codes').where('device_id', '=', deviceId).executeTakeFirst()).numDeletedRows);
    },
    async purgeExpired(before, limit) {
      const batch = db.selectFrom('web_login_codes').select('code_hash').where('expires_at', '<', before).limit(purgeLimit(limit));
      return Number((await db.deleteFrom('web_login_codes').where('code_hash', 'in', batch).executeTakeFirst()).numDeletedRows);
    },
  };
}

export function webLoginStores(db: Db): WebLoginStores {
  return { webLoginStates: webLoginStateStore(db), webLoginCodes: webLoginCodeStore(db) };
}
