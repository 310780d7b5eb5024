// Conformance cases for web-based login storage: states and codes used exactly once under
// concurrency, expiry, lookups by hash, and purges; codes go with their user.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hashOf, rejectsWith, seed, storeHook, T0, type MakeStore } from './fixtures.js';
import type { WebLoginCodeRecord, WebLoginStateRecord } from '../../../src/storage/ports-web-login.js';

const MIN = 60_000;

export function webLoginCases(make: MakeStore): void {
  describe('web login states and codes', () => {
    const s = storeHook(make);

    const state = (orgId: string, o: Partial<WebLoginStateRecord> = {}): WebLoginStateRecord => ({
      stateHash: hashOf(`state-${Math.random()}`), orgId, clientId: 'psso-client', nonce: 'N-1', loginHint: 'alice@example.com',
      createdAt: T0, expiresAt: T0 + 10 * MIN, usedAt: null, ...o,
    });
    const code = (orgId: string, userId: string, deviceId: string | null, o: Partial<WebLoginCodeRecord> = {}): WebLoginCodeRecord => ({
      codeHash: hashOf(`code-${Math.random()}`), orgId, userId, deviceId, state: 'st', nonce: 'N-1',
      scope: 'openid urn:apple:platformsso:auth:login', clientId: 'psso-client', amr: ['pwd', 'otp', 'mfa'], authTime: T0,
      createdAt: T0, expiresAt: T0 + 5 * MIN, usedAt: null, ...o,
    });

    it('a state is stored, read back and consumed once; a late or unknown one says why', async () => {
      const { org } = await seed(s());
      const st = state(org.id);
      await s().webLoginStates.create(st);
      assert.deepEqual(await s().webLoginStates.get(st.stateHash), st);
      await rejectsWith(s().webLoginStates.create(st), 'conflict');
      assert.equal(await s().webLoginStates.consume(st.stateHash, T0 + 1), 'ok');
      assert.equal(await s().webLoginStates.consume(st.stateHash, T0 + 2), 'replayed');
      assert.equal((await s().webLoginStates.get(st.stateHash))?.usedAt, T0 + 1);
      assert.equal(await s().webLoginStates.consume(hashOf('never'), T0), 'unknown');
      const late = state(org.id, { expiresAt: T0 + 1000 });
      await s().webLoginStates.create(late);
      assert.equal(await s().webLoginStates.consume(late.stateHash, T0 + 1000), 'expired');
    });

    it('one of many concurrent consumers wins a state or a code', async () => {
      const { org, user, device } = await seed(s());
      const st = state(org.id);
      await s().webLoginStates.create(st);
      const c = code(org.id, user.id, device.id);
      await s().webLoginCodes.create(c);
      const states = await Promise.all(Array.from({ length: 10 }, () => s().webLoginStates.consume(st.stateHash, T0 + 1)));
      const codes = await Promise.all(Array.from({ length: 10 }, () => s().webLoginCodes.consume(c.codeHash, T0 + 1)));
      assert.equal(states.filter((r) => r === 'ok').length, 1);
      assert.equal(codes.filter((r) => r === 'ok').length, 1);
      assert.ok([...states, ...codes].every((r) => r === 'ok' || r === 'replayed'));
    });

    it('a code keeps every binding, including no device (static mode), and expires', async () => {
      const { org, user, device } = await seed(s());
      const bound = code(org.id, user.id, device.id);
      const unbound = code(org.id, user.id, null, { nonce: null });
      await s().webLoginCodes.create(bound);
      await s().webLoginCodes.create(unbound);
      assert.deepEqual(await s().webLoginCodes.get(bound.codeHash), bound);
      assert.deepEqual(await s().webLoginCodes.get(unbound.codeHash), unbound);
      assert.equal(await s().webLoginCodes.get(hashOf('none')), null);
      assert.equal(await s().webLoginCodes.consume(bound.codeHash, T0 + 5 * MIN), 'expired');
      assert.equal(await s().webLoginCodes.consume(unbound.codeHash, T0 + 1), 'ok');
      assert.equal(await s().webLoginCodes.deleteForDevice(device.id), 1);
      assert.equal(await s().webLoginCodes.get(bound.codeHash), null);
    });

    it('purges only what expired before the cutoff, in bounded batches', async () => {
      const { org, user, device } = await seed(s());
      for (let i = 0; i < 3; i++) {
        await s().webLoginStates.create(state(org.id, { expiresAt: T0 + i }));
        await s().webLoginCodes.create(code(org.id, user.id, device.id, { expiresAt: T0 + i }));
      }
      const keep = state(org.id, { expiresAt: T0 + 10 * MIN });
      await s().webLoginStates.create(keep);
      assert.equal(await s().webLoginStates.purgeExpired(T0 + 100, 2), 2);
      assert.equal(await s().webLoginStates.purgeExpired(T0 + 100, 2), 1);
      assert.equal(await s().webLoginStates.purgeExpired(T0 + 100, 2), 0);
      assert.ok(await s().webLoginStates.get(keep.stateHash));
      assert.equal(await s().webLoginCodes.purgeExpired(T0 + 100, 10), 3);
    });
  });
}
