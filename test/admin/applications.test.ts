// Graph /applications over real HTTP: register confidential and public apps, the secret shown once
// (on create and addPassword) and never listed, PATCH and removePassword, roles, admin action rows,
// policies that name registered apps, and deletion refused while a policy names the app.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { call, tokenFor } from './helpers.js';
import { clientSecretOf } from '../../src/app/applications.js';

const policyFor = (name: string, include: string[], exclude: string[] = []) => ({
  displayName: name, state: 'enabled', grantControls: { operator: 'OR', builtInControls: ['mfa'] },
  conditions: { users: { includeUsers: ['All'] }, applications: { includeApplications: include, excludeApplications: exclude } },
});

describe('admin API applications', () => {
  let s: TestServer;
  let token: string;
  before(async () => {
    s = await startTestServer();
    token = await tokenFor(s);
  });
  after(async () => { await s.close(); });

  it('registers a confidential app whose secret appears once, in the create response only', async () => {
    const r = await call(s, token, 'POST', '/v1.0/applications', { displayName: 'Team Wiki', web: { redirectUris: ['https://wiki.example.com/oidc/cb'] }, openpsso: { releasedClaims: ['email', 'groups'] } });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.match(r.body['@odata.context'], /\$metadata#applications\/\$entity$/);
    assert.match(r.body.appId, /^[0-9a-f-]{36}$/);
    assert.deepEqual([r.body.signInAudience, r.body.isFallbackPublicClient, r.body.web.redirectUris, r.body.publicClient.redirectUris], ['AzureADMyOrg', false, ['https://wiki.example.com/oidc/cb'], []]);
    assert.deepEqual(r.body.openpsso.releasedClaims, ['email', 'groups']);
    assert.equal(r.body.openpsso.tokenEndpointAuthMethod, 'client_secret_basic');
    const [cred] = r.body.passwordCredentials;
    assert.match(cred.secretText, /^[A-Za-z0-9_-]{43}$/);
    assert.equal(cred.hint, cred.secretText.slice(0, 3));
    const stored = await s.ctx.store.applications.getByAppId(r.body.appId);
    assert.equal(clientSecretOf(s.ctx, stored!), cred.secretText);

    for (const path of [`/v1.0/applications/${r.body.id}`, `/beta/applications/${r.body.appId}`]) {
      const got = await call(s, token, 'GET', path);
      assert.equal(got.status, 200, path);
      assert.equal(got.body.passwordCredentials[0].secretText, null, 'never shown again');
      assert.equal(got.body.passwordCredentials[0].keyId, cred.keyId);
      assert.ok(!JSON.stringify(got.body).includes(cred.secretText));
    }
    const list = await call(s, token, 'GET', '/v1.0/applications?$select=id,displayName');
    assert.equal(list.status, 200);
    assert.deepEqual(list.body.value.find((a: { id: string }) => a.id === r.body.id), { id: r.body.id, displayName: 'Team Wiki' });
    assert.ok(!JSON.stringify(list.body).includes(cred.secretText));
  });

  it('registers a public client without a secret; PATCH changes it, and making it confidential shows the new secret once', async () => {
    const r = await call(s, token, 'POST', '/v1.0/applications', { displayName: 'Mac tool', isFallbackPublicClient: true, publicClient: { redirectUris: ['com.example.tool:/cb', 'http://127.0.0.1/cb'] } });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.deepEqual([r.body.passwordCredentials, r.body.openpsso.tokenEndpointAuthMethod, r.body.web.redirectUris], [[], 'none', []]);

    const rename = await call(s, token, 'PATCH', `/v1.0/applications/${r.body.id}`, { displayName: 'Mac tool 2', openpsso: { grantTypes: ['authorization_code'] } });
    assert.equal(rename.status, 204, JSON.stringify(rename.body));
    const got = (await call(s, token, 'GET', `/v1.0/applications/${r.body.id}`)).body;
    assert.deepEqual([got.displayName, got.openpsso.grantTypes, got.publicClient.redirectUris], ['Mac tool 2', ['authorization_code'], ['com.example.tool:/cb', 'http://127.0.0.1/cb']]);

    // A custom scheme cannot move to a confidential client; with https URIs it can, and gets a secret.
    const refused = await call(s, token, 'PATCH', `/v1.0/applications/${r.body.id}`, { isFallbackPublicClient: false });
    assert.equal(refused.body.error_code, 'OPSSO1831', JSON.stringify(refused.body));
    const moved = await call(s, token, 'PATCH', `/v1.0/applications/${r.body.id}`, { isFallbackPublicClient: false, web: { redirectUris: ['https://tool.example.com/cb'] } });
    assert.equal(moved.status, 200, JSON.stringify(moved.body));
    assert.match(moved.body.passwordCredentials[0].secretText, /^[A-Za-z0-9_-]{43}$/);
    assert.equal((await s.ctx.store.applications.get(s.orgId, r.body.id))!.clientType, 'confidential');
  });

  it('addPassword replaces the secret and shows it once; removePassword takes its keyId', async () => {
    const app = (await call(s, token, 'POST', '/v1.0/applications', { displayName: 'Rotating', web: { redirectUris: ['https://r.example/cb'] } })).body;
    const old = app.passwordCredentials[0];
    const added = await call(s, token, 'POST', `/v1.0/applications/${app.id}/addPassword`, { passwordCredential: {} });
    assert.equal(added.status, 200, JSON.stringify(added.body));
    assert.notEqual(added.body.secretText, old.secretText);
    assert.notEqual(added.body.keyId, old.keyId);
    assert.equal(clientSecretOf(s.ctx, (await s.ctx.store.applications.get(s.orgId, app.id))!), added.body.secretText);
    assert.equal((await call(s, token, 'POST', `/v1.0/applications/${app.id}/addPassword`, { passwordCredential: { endDateTime: '2030-01-01T00:00:00Z' } })).body.error_code, 'OPSSO1830');

    assert.equal((await call(s, token, 'POST', `/v1.0/applications/${app.id}/removePassword`, { keyId: old.keyId })).body.error_code, 'OPSSO1835');
    assert.equal((await call(s, token, 'POST', `/v1.0/applications/${app.id}/removePassword`, { keyId: added.body.keyId })).status, 204);
    assert.deepEqual((await call(s, token, 'GET', `/v1.0/applications/${app.id}`)).body.passwordCredentials, []);
    const pub = (await call(s, token, 'POST', '/v1.0/applications', { displayName: 'Pub', isFallbackPublicClient: true, publicClient: { redirectUris: ['http://[::1]/cb'] } })).body;
    assert.equal((await call(s, token, 'POST', `/v1.0/applications/${pub.id}/addPassword`)).body.error_code, 'OPSSO1832');
  });

  it('refuses bad registrations with catalogue codes and stores nothing', async () => {
    const before = (await s.ctx.store.applications.list(s.orgId)).length;
    const cases: [unknown, string, RegExp][] = [
      [{ web: { redirectUris: ['https://x.example/cb'] } }, 'OPSSO1830', /displayName: required/],
      [{ displayName: 'x', web: { redirectUris: ['https://x.example/cb#top'] } }, 'OPSSO1831', /fragment/],
      [{ displayName: 'x', web: { redirectUris: ['https://*.example.com/cb'] } }, 'OPSSO1831', /wildcard/],
      [{ displayName: 'x', web: { redirectUris: ['http://127.0.0.1:8080/cb'] } }, 'OPSSO1831', /without a port/],
      [{ displayName: 'x', isFallbackPublicClient: true, web: { redirectUris: ['https://x.example/cb'] } }, 'OPSSO1830', /publicClient\.redirectUris/],
      [{ displayName: 'x', publicClient: { redirectUris: ['com.example.x:/cb'] } }, 'OPSSO1830', /web\.redirectUris/],
      [{ displayName: 'x', spa: { redirectUris: ['https://x.example/'] }, web: { redirectUris: ['https://x.example/cb'] } }, 'OPSSO1830', /single-page app as a public client/],
      [{ displayName: 'x', signInAudience: 'AzureADMultipleOrgs', web: { redirectUris: ['https://x.example/cb'] } }, 'OPSSO1830', /AzureADMyOrg/],
      [{ displayName: 'x', isFallbackPublicClient: true, publicClient: { redirectUris: ['http://127.0.0.1/cb'] }, openpsso: { tokenEndpointAuthMethod: 'client_secret_post' } }, 'OPSSO1832', /none/],
      [{ displayName: 'x', web: { redirectUris: ['https://x.example/cb'] }, appId: '00000000-0000-4000-8000-000000000000' }, 'OPSSO1830', /cannot set appId/],
      [{ displayName: 'x', web: { redirectUris: ['https://x.example/cb'] }, openpsso: { grantTypes: ['client_credentials'] } }, 'OPSSO1830', /client_credentials/],
    ];
    for (const [body, code, detail] of cases) {
      const r = await call(s, token, 'POST', '/v1.0/applications', body);
      assert.equal(r.status, 400, JSON.stringify(body));
      assert.equal(r.body.error_code, code, `${JSON.stringify(body)} -> ${JSON.stringify(r.body)}`);
      assert.match(r.body.error_description, detail, JSON.stringify(r.body));
    }
    assert.equal((await s.ctx.store.applications.list(s.orgId)).length, before);
  });

  it('reading needs Directory.Read, writing Directory.ReadWrite; each write is an admin action row', async () => {
    const reader = await tokenFor(s, ['Directory.Read']);
    assert.equal((await call(s, reader, 'GET', '/v1.0/applications')).status, 200);
    const denied = await call(s, reader, 'POST', '/v1.0/applications', { displayName: 'x', web: { redirectUris: ['https://x.example/cb'] } });
    assert.equal(denied.status, 403);
    assert.equal((await call(s, await tokenFor(s, ['Policy.ReadWrite']), 'GET', '/v1.0/applications')).status, 403);
    const created = (await call(s, token, 'POST', '/v1.0/applications', { displayName: 'Audited', web: { redirectUris: ['https://a.example/cb'] } })).body;
    await s.ctx.signIns.flush?.();
    const rows = s.signIns.events.filter((e) => e.operation === 'admin_action' && e.details?.target === created.id);
    assert.deepEqual(rows.map((e) => [e.details?.action, e.details?.appId]), [['createApplication', created.appId]]);
    assert.ok(!JSON.stringify(rows).includes(created.passwordCredentials[0].secretText), 'the secret is not logged');
  });

  it('policies name registered apps (unknown ids refused with the nearest app); deleting a named app is refused, listing the policies', async () => {
    const app = (await call(s, token, 'POST', '/v1.0/applications', { displayName: 'Payroll', web: { redirectUris: ['https://payroll.example/cb'] } })).body;
    const pol = await call(s, token, 'POST', '/v1.0/identity/conditionalAccess/policies', policyFor('MFA for payroll', [app.appId]));
    assert.equal(pol.status, 201, JSON.stringify(pol.body));
    const typo = `${app.appId.slice(0, -1)}${app.appId.endsWith('0') ? '1' : '0'}`;
    const bad = await call(s, token, 'POST', '/v1.0/identity/conditionalAccess/policies', policyFor('typo', ['All'], [typo]));
    assert.equal(bad.body.error_code, 'OPSSO1834', JSON.stringify(bad.body));
    assert.match(bad.body.error_description, /excludeApplications\[0\].*did you mean "Payroll"/);

    const refused = await call(s, token, 'DELETE', `/v1.0/applications/${app.id}`);
    assert.equal(refused.status, 409);
    assert.equal(refused.body.error_code, 'OPSSO1833');
    assert.match(refused.body.error_description, new RegExp(`'MFA for payroll' \\(${pol.body.id}\\)`));
    assert.ok(await s.ctx.store.applications.get(s.orgId, app.id));

    assert.equal((await call(s, token, 'DELETE', `/v1.0/identity/conditionalAccess/policies/${pol.body.id}`)).status, 204);
    assert.equal((await call(s, token, 'DELETE', `/v1.0/applications/${app.id}`)).status, 204);
    assert.equal((await call(s, token, 'GET', `/v1.0/applications/${app.appId}`)).body.error_code, 'OPSSO1602');
  });
});
