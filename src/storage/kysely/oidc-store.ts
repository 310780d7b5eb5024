// The OpenID Provider's artefact store over Kysely (ports-oidc.ts): one row per (model, id), the
// same SQL on SQLite and PostgreSQL; consumption is a conditional UPDATE whose row count decides.
import type { Selectable } from 'kysely';
import type { OidcArtefact, OidcArtefactStore } from '../ports-oidc.js';
import type { OidcArtefactsTable } from './schema-oidc.js';
import { guardWrite, purgeLimit, type Db } from './support.js';

const toArtefact = (r: Selectable<OidcArtefactsTable>): OidcArtefact => ({
  model: r.model, id: r.id, payload: r.payload, grantId: r.grant_id, uid: r.uid, userCode: r.user_code,
  expiresAt: r.expires_at === null ? null : Number(r.expires_at), consumedAt: r.consumed_at === null ? null : Number(r.consumed_at),
});

export function oidcArtefactStore(db: Db): OidcArtefactStore {
  const live = (now: number) => db.selectFrom('oidc_artefacts').selectAll()
    .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]));
  return {
    async upsert(a) {
      const cols = { payload: a.payload, grant_id: a.grantId, uid: a.uid, user_code: a.userCode, expires_at: a.expiresAt };
      await guardWrite('oidc artefact', () => db.insertInto('oidc_artefacts')
        .values({ model: a.model, id: a.id, ...cols, consumed_at: null })
        .onConflict((oc) => oc.columns(['model', 'id']).doUpdateSet(cols)).execute());
    },
    async find(model, id, now) {
      const r = await live(now).where('model', '=', model).where('id', '=', id).executeTakeFirst();
      return r ? toArtefact(r) : null;
    },
    async findByUid(model, uid, now) {
      const r = await live(now).where('model', '=', model).where('uid', '=', uid).executeTakeFirst();
      return r ? toArtefact(r) : null;
    },
    async findByUserCode(model, userCode, now) {
      const r = await live(now).where('model', '=', model).where('user_code', '=', userCode).executeTakeFirst();
      return r ? toArtefact(r) : null;
    },
    async consume(model, id, now) {
      const res = await db.updateTable('oidc_artefacts').set({ consumed_at: now })
        .where('model', '=', model).where('id', '=', id).where('consumed_at', 'is', null)
        .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]))
        .executeTakeFirst();
      return Number(res.numUpdatedRows) === 1;
    },
    async destroy(model, id) {
      await db.deleteFrom('oidc_artefacts').where('model', '=', model).where('id', '=', id).execute();
    },
    async revokeByGrantId(grantId) {
      const res = await db.deleteFrom('oidc_artefacts').where('grant_id', '=', grantId).executeTakeFirst();
      return Number(res.numDeletedRows);
    },
    async purgeExpired(before, limit) {
      // (model, id) is the key: a row-value IN is not portable, so delete by a bounded batch of ids per model.
      const batch = await db.selectFrom('oidc_artefacts').select(['model', 'id'])
        .where('expires_at', 'is not', null).where('expires_at', '<', before).limit(purgeLimit(limit)).execute();
      let n = 0;
      for (const r of batch) {
        const res = await db.deleteFrom('oidc_artefacts').where('model', '=', r.model).where('id', '=', r.id)
          .where('expires_at', '<', before).executeTakeFirst();
        n += Number(res.numDeletedRows);
      }
      return n;
    },
    async countByModel() {
      const rows = await db.selectFrom('oidc_artefacts').select((eb) => ['model', eb.fn.countAll<string | number>().as('n')]).groupBy('model').execute();
      return Object.fromEntries(rows.map((r) => [r.model, Number(r.n)]));
    },
  };
}
