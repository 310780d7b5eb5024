// MFA method and temporary access pass stores over Kysely: each use (TOTP step, passkey counter,
// one-time pass) is a single conditional UPDATE whose affected-row count decides any race.
import type { Selectable } from 'kysely';
import { PssoError } from '../../errors/psso-error.js';
import type { MfaMethodRecord, MfaMethodStore, TemporaryAccessPassRecord, TemporaryAccessPassStore } from '../ports-access.js';
import type { MfaMethodsTable, TemporaryAccessPassesTable } from './schema-access.js';
import { fromBool, fromBytesOrNull, fromJsonList, guardWrite, purgeLimit, toBool, toBytesOrNull, toJsonList, type Db } from './support.js';

const num = (n: number | null): number | null => (n === null ? null : Number(n));

function mapMethod(r: Selectable<MfaMethodsTable>): MfaMethodRecord {
  return {
    id: r.id,
    userId: r.user_id,
    kind: r.kind as MfaMethodRecord['kind'],
    displayName: r.display_name,
    sealedSecret: fromBytesOrNull(r.sealed_secret),
    lastUsedStep: num(r.last_used_step),
    credentialId: r.credential_id,
    publicKey: fromBytesOrNull(r.public_key),
    counter: num(r.counter),
    transports: fromJsonList(r.transports),
    createdAt: Number(r.created_at),
    lastUsedAt: num(r.last_used_at),
  };
}

export function mfaMethodStore(db: Db): MfaMethodStore {
  return {
    async create(m) {
      // DO NOTHING without a target covers both the id and the credential id: either is a conflict.
      const res = await guardWrite('MFA method', () =>
        db.insertInto('mfa_methods').values({
          id: m.id,
          user_id: m.userId,
          kind: m.kind,
          display_name: m.displayName,
          sealed_secret: toBytesOrNull(m.sealedSecret),
          last_used_step: m.lastUsedStep,
          credential_id: m.credentialId,
          public_key: toBytesOrNull(m.publicKey),
          counter: m.counter,
          transports: toJsonList(m.transports),
          created_at: m.createdAt,
          last_used_at: m.lastUsedAt,
        }).onConflict((oc) => oc.doNothing()).executeTakeFirst());
      if (Number(res.numInsertedOrUpdatedRows ?? 0) === 0) throw new PssoError('conflict', `MFA method ${m.id}`);
    },
    async listForUser(userId) {
      const rows = await db.selectFrom('mfa_methods').selectAll().where('user_id', '=', userId).orderBy('created_at').orderBy('id').execute();
      return rows.map(mapMethod);
    },
    async getByCredentialId(credentialId) {
      const r = await db.selectFrom('mfa_methods').selectAll().where('credential_id', '=', credentialId).executeTakeFirst();
      return r ? mapMethod(r) : null;
    },
    async useTotpStep(id, step, at) {
      // Concurrent uses of one code serialise on the row; the loser's WHERE no longer matches.
      const res = await db.updateTable('mfa_methods').set({ last_used_step: step, last_used_at: at })
        .where('id', '=', id).where('kind', '=', 'totp')
        .where((eb) => eb.or([eb('last_used_step', 'is', null), eb('last_used_step', '<', step)]))
        .executeTakeFirst();
      return Number(res.numUpdatedRows) === 1;
    },
    async usePasskey(id, counter, at) {
      // Authenticators without a counter always send 0 (WebAuthn §6.1.1): 0 after 0 is allowed,
      // anything else must rise. A NULL stored counter counts as 0.
      const res = await db.updateTable('mfa_methods').set({ counter, last_used_at: at })
        .where('id', '=', id).where('kind', '=', 'passkey')
        .where((eb) => eb(eb.fn.coalesce('counter', eb.lit(0)), counter === 0 ? '=' : '<', counter))
        .executeTakeFirst();
      return Number(res.numUpdatedRows) === 1;
    },
    async delete(id) {
      const res = await db.deleteFrom('mfa_methods').where('id', '=', id).executeTakeFirst();
      return Number(res.numDeletedRows) > 0;
    },
    async deleteForUser(userId) {
      const res = await db.deleteFrom('mfa_methods').where('user_id', '=', userId).executeTakeFirst();
      return Number(res.numDeletedRows);
    },
  };
}

function mapPass(r: Selectable<TemporaryAccessPassesTable>): TemporaryAccessPassRecord {
  return {
    id: r.id,
    userId: r.user_id,
    codeHash: r.code_hash,
    oneTimeUse: fromBool(r.one_time_use),
    createdAt: Number(r.created_at),
    expiresAt: Number(r.expires_at),
    usedAt: num(r.used_at),
    revokedAt: num(r.revoked_at),
  };
}

export function temporaryAccessPassStore(db: Db): TemporaryAccessPassStore {
  return {
    async create(t) {
      const res = await guardWrite('temporary access pass', () =>
        db.insertInto('temporary_access_passes').values({
          id: t.id, user_id: t.userId, code_hash: t.codeHash, one_time_use: toBool(t.oneTimeUse),
          created_at: t.createdAt, expires_at: t.expiresAt, used_at: t.usedAt, revoked_at: t.revokedAt,
        }).onConflict((oc) => oc.doNothing()).executeTakeFirst());
      if (Number(res.numInsertedOrUpdatedRows ?? 0) === 0) throw new PssoError('conflict', `temporary access pass ${t.id}`);
    },
    async listUsable(userId, now) {
      const rows = await db.selectFrom('temporary_access_passes').selectAll()
        .where('user_id', '=', userId).where('revoked_at', 'is', null).where('expires_at', '>', now)
        .where((eb) => eb.or([eb('one_time_use', '=', 0), eb('used_at', 'is', null)]))
        .orderBy('created_at').orderBy('id').execute();
      return rows.map(mapPass);
    },
    async use(id, now) {
      // One statement for both kinds: a one-time pass matches only while unused; a multi-use pass
      // keeps its first use time. The same usability test as listUsable, so the two never disagree.
      const res = await db.updateTable('temporary_access_passes')
        .set((eb) => ({ used_at: eb.fn.coalesce('used_at', eb.val(now)) }))
        .where('id', '=', id).where('revoked_at', 'is', null).where('expires_at', '>', now)
        .where((eb) => eb.or([eb('one_time_use', '=', 0), eb('used_at', 'is', null)]))
        .executeTakeFirst();
      return Number(res.numUpdatedRows) === 1;
    },
    async revokeForUser(userId, at) {
      const res = await db.updateTable('temporary_access_passes').set({ revoked_at: at })
        .where('user_id', '=', userId).where('revoked_at', 'is', null).executeTakeFirst();
      return Number(res.numUpdatedRows);
    },
    async deleteForUser(userId) {
      const res = await db.deleteFrom('temporary_access_passes').where('user_id', '=', userId).executeTakeFirst();
      return Number(res.numDeletedRows);
    },
    async purgeEnded(before, limit) {
      const batch = db.selectFrom('temporary_access_passes').select('id')
        .where((eb) => eb.or([
          eb('expires_at', '<', before),
          eb('revoked_at', '<', before),
          eb.and([eb('one_time_use', '=', 1), eb('used_at', '<', before)]),
        ]))
        .limit(purgeLimit(limit));
      const res = await db.deleteFrom('temporary_access_passes').where('id', 'in', batch).executeTakeFirst();
      return Number(res.numDeletedRows);
    },
  };
}
