// Lists and replaces the values sealed under the master key (server keys, unlock keys, TOTP secrets,
// app client secrets, sealed fields of sign-in sessions), for master key rotation; same SQL on SQLite and PostgreSQL.
import type { SealedValue, SealedValueStore } from '../ports.js';
import { fromBytes, toBytes, type Db } from './support.js';

// Sessions hold sealed strings in these JSON fields (app/interactive/session.ts).
const SESSION_MARKERS = ['%"pendingTotp"%', '%"sealedToken"%'];

export function sealedValueStore(db: Db): SealedValueStore {
  return {
    async list() {
      const out: SealedValue[] = [];
      for (const r of await db.selectFrom('server_keys').select(['kid', 'sealed_private_jwk']).orderBy('kid').execute()) {
        out.push({ kind: 'server_key', id: r.kid, sealed: fromBytes(r.sealed_private_jwk) });
      }
      for (const r of await db.selectFrom('unlock_keys').select(['id', 'user_id', 'device_id', 'purpose', 'sealed_private_key']).orderBy('id').execute()) {
        out.push({ kind: 'unlock_key', id: r.id, userId: r.user_id, deviceId: r.device_id, purpose: r.purpose, sealed: fromBytes(r.sealed_private_key) });
      }
      for (const r of await db.selectFrom('mfa_methods').select(['id', 'sealed_secret']).where('sealed_secret', 'is not', null).orderBy('id').execute()) {
        out.push({ kind: 'mfa_secret', id: r.id, sealed: fromBytes(r.sealed_secret!) });
      }
      for (const r of await db.selectFrom('applications').select(['id', 'sealed_secret']).where('sealed_secret', 'is not', null).orderBy('id').execute()) {
        out.push({ kind: 'app_secret', id: r.id, sealed: fromBytes(r.sealed_secret!) });
      }
      const sessions = await db.selectFrom('sign_in_sessions').select(['id', 'data'])
        .where((eb) => eb.or(SESSION_MARKERS.map((m) => eb('data', 'like', m)))).orderBy('id').execute();
      for (const r of sessions) out.push({ kind: 'sign_in_session', id: r.id, data: r.data });
      return out;
    },

    async replace(old, next) {
      if (old.kind !== next.kind || old.id !== next.id) throw new Error('replace: old and next must name the same row');
      let n: bigint;
      switch (next.kind) {
        case 'server_key':
          ({ numUpdatedRows: n } = await db.updateTable('server_keys').set({ sealed_private_jwk: toBytes(next.sealed) })
            .where('kid', '=', next.id).where('sealed_private_jwk', '=', toBytes((old as typeof next).sealed)).executeTakeFirst());
          break;
        case 'unlock_key':
          ({ numUpdatedRows: n } = await db.updateTable('unlock_keys').set({ sealed_private_key: toBytes(next.sealed) })
            .where('id', '=', next.id).where('sealed_private_key', '=', toBytes((old as typeof next).sealed)).executeTakeFirst());
          break;
        case 'mfa_secret':
          ({ numUpdatedRows: n } = await db.updateTable('mfa_methods').set({ sealed_secret: toBytes(next.sealed) })
            .where('id', '=', next.id).where('sealed_secret', '=', toBytes((old as typeof next).sealed)).executeTakeFirst());
          break;
        case 'app_secret':
          ({ numUpdatedRows: n } = await db.updateTable('applications').set({ sealed_secret: toBytes(next.sealed) })
            .where('id', '=', next.id).where('sealed_secret', '=', toBytes((old as typeof next).sealed)).executeTakeFirst());
          break;
        case 'sign_in_session':
          ({ numUpdatedRows: n } = await db.updateTable('sign_in_sessions').set({ data: next.data })
            .where('id', '=', next.id).where('data', '=', (old as typeof next).data).executeTakeFirst());
          break;
      }
      return n > 0n;
    },
  };
}
