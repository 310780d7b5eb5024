// Server key, registration token and bearer token stores over Kysely: tokens are looked up by hash,
// revocation keeps the first revocation time.
import type { Selectable } from 'kysely';
import type {
  BearerTokenRecord, BearerTokenStore, RegistrationTokenRecord, RegistrationTokenStore, ServerKeyRecord, ServerKeyStore,
} from '../ports.js';
import type { BearerTokensTable, RegistrationTokensTable, ServerKeysTable } from './schema.js';
import { fromBytes, fromJsonList, guardWrite, purgeLimit, toBytes, toJsonList, type Db } from './support.js';

const num = (n: number | null): number | null => (n === null ? null : Number(n));

function mapServerKey(r: Selectable<ServerKeysTable>): ServerKeyRecord {
  return {
    kid: r.kid,
    use: r.use as ServerKeyRecord['use'],
    alg: r.alg as ServerKeyRecord['alg'],
    publicJwk: r.public_jwk,
    sealedPrivateJwk: fromBytes(r.sealed_private_jwk),
    status: r.status as ServerKeyRecord['status'],
    createdAt: Number(r.created_at),
    retiredAt: num(r.retired_at),
  };
}

export function serverKeyStore(db: Db): ServerKeyStore {
  return {
    async create(k) {
      await guardWrite(`server key ${k.kid}`, () =>
        db.insertInto('server_keys').values({
          kid: k.kid, use: k.use, alg: k.alg, public_jwk: k.publicJwk, sealed_private_jwk: toBytes(k.sealedPrivateJwk),
          status: k.status, created_at: k.createdAt, retired_at: k.retiredAt,
        }).execute());
    },
    async list() {
      const rows = await db.selectFrom('server_keys').selectAll().orderBy('created_at').orderBy('kid').execute();
      return rows.map(mapServerKey);
    },
    async setStatus(kid, status, at) {
      // retiredAt records when a key left the JWKS; moving back (a mistaken retire) clears it.
      const res = await db.updateTable('server_keys')
        .set({ status, retired_at: status === 'retired' ? at : null })
        .where('kid', '=', kid).executeTakeFirst();
      return Number(res.numUpdatedRows) > 0;
    },
  };
}

function mapRegistrationToken(r: Selectable<RegistrationTokensTable>): RegistrationTokenRecord {
  return {
    id: r.id, orgId: r.org_id, tokenHash: r.token_hash, description: r.description,
    createdAt: Number(r.created_at), expiresAt: num(r.expires_at), revokedAt: num(r.revoked_at),
  };
}

export function registrationTokenStore(db: Db): RegistrationTokenStore {
  return {
    async create(t) {
      await guardWrite('registration token', () =>
        db.insertInto('registration_tokens').values({
          id: t.id, org_id: t.orgId, token_hash: t.tokenHash, description: t.description,
          created_at: t.createdAt, expires_at: t.expiresAt, revoked_at: t.revokedAt,
        }).execute());
    },
    async getByHash(tokenHash) {
      const r = await db.selectFrom('registration_tokens').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
      return r ? mapRegistrationToken(r) : null;
    },
    async list(orgId) {
      const rows = await db.selectFrom('registration_tokens').selectAll().where('org_id', '=', orgId)
        .orderBy('created_at').orderBy('id').execute();
      return rows.map(mapRegistrationToken);
    },
    async revoke(id, at) {
      const res = await db.updateTable('registration_tokens')
        .set((eb) => ({ revoked_at: eb.fn.coalesce('revoked_at', eb.val(at)) }))
        .where('id', '=', id).executeTakeFirst();
      return Number(res.numUpdatedRows) > 0;
    },
  };
}

function mapBearer(r: Selectable<BearerTokensTable>): BearerTokenRecord {
  return {
    id: r.id, tokenHash: r.token_hash, userId: r.user_id, scopes: fromJsonList(r.scopes), amr: fromJsonList(r.amr),
    createdAt: Number(r.created_at), expiresAt: Number(r.expires_at), revokedAt: num(r.revoked_at),
  };
}

export function bearerTokenStore(db: Db): BearerTokenStore {
  return {
    async create(t) {
      await guardWrite('bearer token', () =>
        db.insertInto('bearer_tokens').values({
          id: t.id, token_hash: t.tokenHash, user_id: t.userId, scopes: toJsonList(t.scopes), amr: toJsonList(t.amr),
          created_at: t.createdAt, expires_at: t.expiresAt, revoked_at: t.revokedAt,
        }).execute());
    },
    async getByHash(tokenHash) {
      const r = await db.selectFrom('bearer_tokens').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
      return r ? mapBearer(r) : null;
    },
    async revokeForUser(userId, at) {
      const res = await db.updateTable('bearer_tokens').set({ revoked_at: at })
        .where('user_id', '=', userId).where('revoked_at', 'is', null).executeTakeFirst();
      return Number(res.numUpdatedRows);
    },
    async deleteForUser(userId) {
      const res = await db.deleteFrom('bearer_tokens').where('user_id', '=', userId).executeTakeFirst();
      return Number(res.numDeletedRows);
    },
    async purgeEnded(before, limit) {
      const batch = db.selectFrom('bearer_tokens').select('id')
        .where((eb) => eb.or([eb('expires_at', '<', before), eb('revoked_at', '<', before)]))
        .limit(purgeLimit(limit));
      const res = await db.deleteFrom('bearer_tokens').where('id', 'in', batch).executeTakeFirst();
      return Number(res.numDeletedRows);
    },
  };
}
