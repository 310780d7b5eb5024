// The credential guard's shared state over Kysely: token buckets taken by one upsert (so every
// server on the database draws from the same bucket) and the addresses an account is familiar from.
import { sql } from 'kysely';
import type { CredentialGuardStore } from '../ports-access.js';
import type { Db } from './support.js';

export function credentialGuardStore(db: Db): CredentialGuardStore {
  return {
    async take(bucketKey, rule, now) {
      const perMs = rule.perSecond / 1000;
      // Tokens regained since the last take, capped at the burst; a clock stepped back mints none.
      const elapsed = sql<number>`(case when ${now} > throttle_buckets.updated_at then ${now} - throttle_buckets.updated_at else 0 end)`;
      const refilled = sql<number>`(throttle_buckets.tokens + ${elapsed} * cast(${perMs} as double precision))`;
      const available = sql<number>`(case when ${refilled} > cast(${rule.burst} as double precision) then cast(${rule.burst} as double precision) else ${refilled} end)`;
      const allowed = sql<boolean>`(${available} >= 1)`;
      const r = await db.insertInto('throttle_buckets')
        .values({ bucket_key: bucketKey, tokens: rule.burst - 1, updated_at: now, last_allowed: rule.burst >= 1 ? 1 : 0 })
        .onConflict((oc) => oc.column('bucket_key').doUpdateSet({
          tokens: sql<number>`case when ${allowed} then ${available} - 1 else ${available} end`,
          updated_at: sql<number>`case when ${now} > throttle_buckets.updated_at then cast(${now} as bigint) else throttle_buckets.updated_at end`,
          last_allowed: sql<number>`case when ${allowed} then 1 else 0 end`,
        }))
        .returning(['tokens', 'last_allowed'])
        .executeTakeFirstOrThrow();
      if (Number(r.last_allowed) === 1) return { allowed: true, retryAfterMs: 0 };
      const missing = 1 - Number(r.tokens);
      return { allowed: false, retryAfterMs: perMs > 0 ? Math.max(1, Math.ceil(missing / perMs)) : 3_600_000 };
    },
    async isFamiliar(accountKey, addressKey) {
      const r = await db.selectFrom('familiar_addresses').select('last_seen')
        .where('account_key', '=', accountKey).where('address_key', '=', addressKey).executeTakeFirst();
      return r !== undefined;
    },
    async markFamiliar(accountKey, addressKey, now) {
      await db.insertInto('familiar_addresses').values({ account_key: accountKey, address_key: addressKey, last_seen: now })
        .onConflict((oc) => oc.columns(['account_key', 'address_key']).doUpdateSet({ last_seen: now }))
        .execute();
    },
    async forgetAccount(accountKey) {
      const r = await db.deleteFrom('familiar_addresses').where('account_key', '=', accountKey).executeTakeFirst();
      return Number(r.numDeletedRows);
    },
    async purgeStale({ bucketsBefore, familiarBefore, lockoutsBefore }, limit) {
      // Batched by key so one purge never holds a long lock on a busy table.
      const buckets = await db.deleteFrom('throttle_buckets').where('bucket_key', 'in',
        db.selectFrom('throttle_buckets').select('bucket_key').where('updated_at', '<', bucketsBefore).limit(limit)).executeTakeFirst();
      const familiar = await db.deleteFrom('familiar_addresses').where(({ eb, refTuple, selectFrom }) => eb(
        refTuple('account_key', 'address_key'), 'in',
        selectFrom('familiar_addresses').select(['account_key', 'address_key']).where('last_seen', '<', familiarBefore).limit(limit) as never,
      )).executeTakeFirst();
      const lockouts = await db.deleteFrom('lockouts').where('lockout_key', 'in',
        db.selectFrom('lockouts').select('lockout_key').where('window_start', '<', lockoutsBefore)
          .where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<', lockoutsBefore)])).limit(limit)).executeTakeFirst();
      return [buckets, familiar, lockouts].reduce((n, r) => n + Number(r.numDeletedRows), 0);
    },
  };
}
