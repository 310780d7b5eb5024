// Conformance cases for the OpenID Provider's artefact store (ports-oidc.ts): upsert and lookups,
// expiry, consumption decided by one conditional update, grant-wide revocation and retention.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { newId, storeHook, T0, type MakeStore } from './fixtures.js';
import type { OidcArtefact } from '../../../src/storage/ports-oidc.js';

const artefact = (over: Partial<Omit<OidcArtefact, 'consumedAt'>> = {}): Omit<OidcArtefact, 'consumedAt'> => ({
  model: 'AuthorizationCode', id: newId('code'), payload: JSON.stringify({ kind: 'AuthorizationCode' }),
  grantId: null, uid: null, userCode: null, expiresAt: T0 + 60_000, ...over,
});

export function oidcArtefactCases(make: MakeStore): void {
  describe('oidc artefacts', () => {
    const s = storeHook(make);

    it('finds by (model, id), uid and user code, and replaces the payload on upsert', async () => {
      const a = artefact({ model: 'Session', uid: newId('uid'), grantId: null, expiresAt: null });
      await s().oidcArtefacts.upsert(a);
      assert.deepEqual(await s().oidcArtefacts.find('Session', a.id, T0), { ...a, consumedAt: null });
      assert.equal(await s().oidcArtefacts.find('Interaction', a.id, T0), null, 'the model is part of the key');
      assert.equal((await s().oidcArtefacts.findByUid('Session', a.uid!, T0))?.id, a.id);
      await s().oidcArtefacts.upsert({ ...a, payload: '{"v":2}' });
      assert.equal((await s().oidcArtefacts.find('Session', a.id, T0))?.payload, '{"v":2}');
      const d = artefact({ model: 'DeviceCode', userCode: 'ABCD-EFGH' });
      await s().oidcArtefacts.upsert(d);
      assert.equal((await s().oidcArtefacts.findByUserCode('DeviceCode', 'ABCD-EFGH', T0))?.id, d.id);
      assert.equal(await s().oidcArtefacts.findByUserCode('DeviceCode', 'ABCD-XXXX', T0), null);
    });

    it('does not return an expired row', async () => {
      const a = artefact({ uid: newId('uid') });
      await s().oidcArtefacts.upsert(a);
      assert.equal(await s().oidcArtefacts.find(a.model, a.id, a.expiresAt! + 1), null);
      assert.equal(await s().oidcArtefacts.findByUid(a.model, a.uid!, a.expiresAt!), null);
    });

    it('consumes once: concurrent consumers, exactly one wins; the mark survives an upsert', async () => {
      const a = artefact();
      await s().oidcArtefacts.upsert(a);
      const results = await Promise.all(Array.from({ length: 8 }, () => s().oidcArtefacts.consume(a.model, a.id, T0 + 5)));
      assert.equal(results.filter(Boolean).length, 1);
      assert.equal((await s().oidcArtefacts.find(a.model, a.id, T0))?.consumedAt, T0 + 5);
      await s().oidcArtefacts.upsert({ ...a, payload: '{}' });
      assert.equal((await s().oidcArtefacts.find(a.model, a.id, T0))?.consumedAt, T0 + 5);
      assert.equal(await s().oidcArtefacts.consume(a.model, 'no-such-id', T0), false);
      const expired = artefact();
      await s().oidcArtefacts.upsert(expired);
      assert.equal(await s().oidcArtefacts.consume(expired.model, expired.id, expired.expiresAt! + 1), false);
    });

    it('revokes every artefact of a grant and nothing else; destroys one row', async () => {
      const grantId = newId('grant');
      const rows = [artefact({ grantId }), artefact({ model: 'AccessToken', grantId }), artefact({ model: 'RefreshToken', grantId }), artefact({ model: 'Grant', id: grantId, grantId })];
      const other = artefact({ grantId: newId('grant') });
      for (const r of [...rows, other]) await s().oidcArtefacts.upsert(r);
      assert.equal(await s().oidcArtefacts.revokeByGrantId(grantId), 4);
      for (const r of rows) assert.equal(await s().oidcArtefacts.find(r.model, r.id, T0), null);
      assert.ok(await s().oidcArtefacts.find(other.model, other.id, T0));
      await s().oidcArtefacts.destroy(other.model, other.id);
      assert.equal(await s().oidcArtefacts.find(other.model, other.id, T0), null);
      assert.deepEqual(await s().oidcArtefacts.countByModel(), {});
    });

    it('purges only expired rows, bounded, and counts rows per model', async () => {
      for (let i = 0; i < 3; i++) await s().oidcArtefacts.upsert(artefact({ expiresAt: T0 + i }));
      await s().oidcArtefacts.upsert(artefact({ model: 'Session', expiresAt: null }));
      await s().oidcArtefacts.upsert(artefact({ model: 'AccessToken', expiresAt: T0 + 1_000_000 }));
      assert.deepEqual(await s().oidcArtefacts.countByModel(), { AuthorizationCode: 3, Session: 1, AccessToken: 1 });
      assert.equal(await s().oidcArtefacts.purgeExpired(T0 + 10, 2), 2);
      assert.equal(await s().oidcArtefacts.purgeExpired(T0 + 10, 100), 1);
      assert.deepEqual(await s().oidcArtefacts.countByModel(), { Session: 1, AccessToken: 1 });
    });
  });
}
