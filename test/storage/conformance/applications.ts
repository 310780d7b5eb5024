// Conformance cases for apps (migration 0008): OIDC clients per organisation, found by client_id
// case-insensitively across organisations, replaced whole, with the sealed secret kept as bytes.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import type { ApplicationRecord } from '../../../src/storage/ports-apps.js';
import { makeOrg, newId, rejectsWith, storeHook, T0, type MakeStore } from './fixtures.js';

export const makeApp = (orgId: string, o: Partial<ApplicationRecord> = {}): ApplicationRecord => ({
  id: newId('app'), orgId, appId: randomUUID(), displayName: 'Wiki', clientType: 'confidential',
  tokenEndpointAuthMethod: 'client_secret_basic', redirectUris: ['https://wiki.example.com/cb'], postLogoutRedirectUris: [],
  grantTypes: ['authorization_code', 'refresh_token'], jwks: null, sealedSecret: new Uint8Array([2, 1, 2, 3]),
  secretKeyId: randomUUID(), secretHint: 'abc', secretCreatedAt: T0, releasedClaims: ['email', 'profile'],
  enabled: true, createdAt: T0, modifiedAt: T0, ...o,
});

export function applicationCases(make: MakeStore): void {
  describe('applications', () => {
    const s = storeHook(make);

    it('stores an app and reads it back by id and by client_id, case-insensitively', async () => {
      const org = makeOrg();
      await s().organisations.create(org);
      const app = makeApp(org.id, { jwks: { keys: [{ kty: 'EC', crv: 'P-256', x: 'x', y: 'y', kid: 'k1' }] } });
      await s().applications.create(app);
      assert.deepEqual(await s().applications.get(org.id, app.id), app);
      assert.deepEqual(await s().applications.getByAppId(app.appId.toUpperCase()), app);
      assert.equal(await s().applications.get('org_other', app.id), null);
      assert.equal(await s().applications.getByAppId(randomUUID()), null);
    });

    it('refuses a duplicate id or client_id and an unknown organisation', async () => {
      const org = makeOrg();
      await s().organisations.create(org);
      const app = makeApp(org.id);
      await s().applications.create(app);
      await rejectsWith(s().applications.create(makeApp(org.id, { id: app.id })), 'conflict');
      await rejectsWith(s().applications.create(makeApp(org.id, { appId: app.appId.toUpperCase() })), 'conflict');
      await rejectsWith(s().applications.create(makeApp('org_missing')), 'resource_not_found');
      assert.equal((await s().applications.list(org.id)).length, 1);
    });

    it('lists an organisation\'s apps by name, replaces mutable fields only, and deletes', async () => {
      const a = makeOrg();
      const b = makeOrg();
      await s().organisations.create(a);
      await s().organisations.create(b);
      const wiki = makeApp(a.id, { displayName: 'Wiki' });
      const cli = makeApp(a.id, { displayName: 'CLI', clientType: 'public', tokenEndpointAuthMethod: 'none', sealedSecret: null, secretKeyId: null, secretHint: null, secretCreatedAt: null });
      await s().applications.create(wiki);
      await s().applications.create(cli);
      await s().applications.create(makeApp(b.id));
      assert.deepEqual((await s().applications.list(a.id)).map((x) => x.displayName), ['CLI', 'Wiki']);

      const changed: ApplicationRecord = { ...wiki, displayName: 'Wiki 2', redirectUris: ['https://w2.example.com/cb', 'https://w2.example.com/cb2'],
        sealedSecret: null, secretKeyId: null, secretHint: null, secretCreatedAt: null, enabled: false, releasedClaims: ['groups'], modifiedAt: T0 + 5,
        // Identity and creation time are not replaceable.
        appId: randomUUID(), createdAt: T0 + 9 };
      assert.equal(await s().applications.replace(changed), true);
      assert.deepEqual(await s().applications.get(a.id, wiki.id), { ...changed, appId: wiki.appId, createdAt: T0 });
      assert.equal(await s().applications.replace({ ...changed, orgId: b.id }), false);
      assert.equal(await s().applications.replace(makeApp(a.id)), false);

      assert.equal(await s().applications.delete(b.id, wiki.id), false);
      assert.equal(await s().applications.delete(a.id, wiki.id), true);
      assert.equal(await s().applications.delete(a.id, wiki.id), false);
      assert.equal(await s().applications.getByAppId(wiki.appId), null);
      assert.deepEqual((await s().applications.list(a.id)).map((x) => x.id), [cli.id]);
    });
  });
}
