// Bulk-registers synthetic devices straight into the SQLite file (one transaction, prepared statements),
// so the device-count test can reach 100,000 Macs in seconds. Each synthetic device gets what a real
// one accumulates: a Secure Enclave user registration and a live refresh token. Columns follow
// src/storage/kysely/migrations.ts (0001_initial).

import Database from 'better-sqlite3';
import { randomBytes, randomUUID } from 'node:crypto';
import { kidFromX963 } from '../protocol/ec-keys.js';

/** 65 bytes shaped like an uncompressed P-256 point; never parsed, since these devices never call. */
function fakeX963(): Buffer {
  const b = randomBytes(65);
  b[0] = 4;
  return b;
}

const id = (prefix: string) => `${prefix}_${randomBytes(12).toString('base64url')}`;

export interface BulkResult { before: number; after: number; inserted: number; seconds: number }

export function bulkInsertDevices(dbFile: string, orgId: string, target: number): BulkResult {
  const t0 = process.hrtime.bigint();
  const db = new Database(dbFile);
  try {
    db.pragma('busy_timeout = 10000');
    db.pragma('foreign_keys = ON');
    const count = () => (db.prepare('select count(*) as n from devices').get() as { n: number }).n;
    const before = count();
    const users = (db.prepare('select id from users where org_id = ?').all(orgId) as { id: string }[]).map((u) => u.id);
    if (users.length === 0) throw new Error('no users to register on the synthetic devices');
    const insDevice = db.prepare(`insert into devices (id, org_id, device_uuid, signing_key, signing_kid, encryption_key, encryption_kid,
      shared_device_keys, status, registered_via, registered_by_user_id, created_at, updated_at, revoked_at)
      values (?, ?, ?, ?, ?, ?, ?, 1, 'active', 'registration_token', null, ?, ?, null)`);
    const insReg = db.prepare(`insert into user_registrations (id, device_id, user_id, method, user_key, user_kid, certificate,
      certificate_thumbprint, mfa_verified, created_at, updated_at) values (?, ?, ?, 'secure_enclave', ?, ?, null, null, 0, ?, ?)`);
    const insRt = db.prepare(`insert into refresh_tokens (id, token_hash, user_id, device_id, auth_time, amr, created_at, expires_at,
      revoked_at, replaced_by_id) values (?, ?, ?, ?, ?, '["swk","hwk"]', ?, ?, null, null)`);
    const n = Math.max(0, target - before);
    const now = Date.now();
    const insertAll = db.transaction(() => {
      for (let i = 0; i < n; i++) {
        const deviceId = id('dev');
        const userId = users[i % users.length]!;
        const sig = fakeX963();
        const enc = fakeX963();
        const userKey = fakeX963();
        insDevice.run(deviceId, orgId, randomUUID().toUpperCase(), sig, kidFromX963(sig), enc, kidFromX963(enc), now, now);
        insReg.run(id('ureg'), deviceId, userId, userKey, kidFromX963(userKey), now, now);
        insRt.run(id('rt'), randomBytes(32).toString('hex'), userId, deviceId, now, now, now + 14 * 86400_000);
      }
    });
    insertAll();
    // Fold this bulk write into the database file now, so the server's next commit does not pay for
    // checkpointing it (that cost belongs to the set-up, not to the workload being measured).
    db.pragma('wal_checkpoint(TRUNCATE)');
    const after = count();
    return { before, after, inserted: after - before, seconds: Number(process.hrtime.bigint() - t0) / 1e9 };
  } finally {
    db.close();
  }
}
