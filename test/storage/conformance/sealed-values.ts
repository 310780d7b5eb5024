// Conformance cases for the sealed-value port master key rotation uses: every kind is listed with
// the fields its AAD needs, and a replace only lands on a row still holding what was read.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { makeUnlockKey, newId, seed, storeHook, T0, type MakeStore } from './fixtures.js';
import { makePasskey, makeSession, makeTotp } from './fixtures-access.js';
import type { SealedValue } from '../../../src/storage/ports.js';
import { makeApp } from './applications.js';

export function sealedValueCases(make: MakeStore): void {
  describe('sealed values', () => {
    const s = storeHook(make);

    it('lists server keys, unlock keys, TOTP secrets, app secrets and sessions with sealed fields, and replaces each only if unchanged', async () => {
      const { org, user, device } = await seed(s());
      const kid = newId('kid');
      await s().serverKeys.create({ kid, use: 'sig', alg: 'ES256', publicJwk: '{}', sealedPrivateJwk: new Uint8Array([1, 2, 3]), status: 'active', createdAt: T0, retiredAt: null });
      const uk = makeUnlockKey(user.id, device.id);
      await s().unlockKeys.getOrCreate(uk);
      const totp = makeTotp(user.id);
      await s().mfaMethods.create(totp);
      await s().mfaMethods.create(makePasskey(user.id)); // no secret: not listed
      const sealedSession = makeSession(org.id, { data: JSON.stringify({ v: 1, pendingTotp: 'AQID' }) });
      await s().signInSessions.create(sealedSession);
      await s().signInSessions.create(makeSession(org.id)); // nothing sealed: not listed

      const app = makeApp(org.id);
      await s().applications.create(app);
      await s().applications.create(makeApp(org.id, { sealedSecret: null })); // a public client: not listed

      const listed = await s().sealedValues.list();
      const byKind = (k: SealedValue['kind']) => listed.filter((v) => v.kind === k);
      assert.deepEqual(byKind('server_key'), [{ kind: 'server_key', id: kid, sealed: new Uint8Array([1, 2, 3]) }]);
      assert.deepEqual(byKind('unlock_key'), [{ kind: 'unlock_key', id: uk.id, userId: user.id, deviceId: device.id, purpose: 'user_unlock', sealed: uk.sealedPrivateKey }]);
      assert.deepEqual(byKind('mfa_secret'), [{ kind: 'mfa_secret', id: totp.id, sealed: totp.sealedSecret }]);
      assert.deepEqual(byKind('sign_in_session'), [{ kind: 'sign_in_session', id: sealedSession.id, data: sealedSession.data }]);
      assert.deepEqual(byKind('app_secret'), [{ kind: 'app_secret', id: app.id, sealed: app.sealedSecret }]);
      assert.equal(listed.length, 5);

      for (const v of listed) {
        const next: SealedValue = v.kind === 'sign_in_session' ? { ...v, data: JSON.stringify({ v: 1, pendingTotp: 'BAUG' }) } : { ...v, sealed: new Uint8Array([9, 9, v.id.length]) };
        assert.equal(await s().sealedValues.replace(v, next), true, v.kind);
        // The row no longer holds what was read: a second replace from the same read does nothing.
        assert.equal(await s().sealedValues.replace(v, v), false, `${v.kind} twice`);
      }
      assert.deepEqual((await s().serverKeys.list())[0]!.sealedPrivateJwk, new Uint8Array([9, 9, kid.length]));
      assert.deepEqual((await s().unlockKeys.get(user.id, device.id, 'user_unlock'))!.sealedPrivateKey, new Uint8Array([9, 9, uk.id.length]));
      assert.deepEqual((await s().applications.get(org.id, app.id))!.sealedSecret, new Uint8Array([9, 9, app.id.length]));
      assert.equal((await s().signInSessions.get(sealedSession.id, T0))!.data, JSON.stringify({ v: 1, pendingTotp: 'BAUG' }));
    });
  });
}
