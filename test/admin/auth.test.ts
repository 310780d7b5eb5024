// Admin API authorisation: the client-credentials token endpoint, bearer checks (401) and roles (403), and the admin sign-in log rows.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SignJWT } from 'jose';
import { generateKeyPairSync } from 'node:crypto';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { call, clientWith, tokenFor } from './helpers.js';
import { ADMIN_API_APP_ID } from '../../src/policy/app-ids.js';

const form = (o: Record<string, string>) => ({ method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(o) });

describe('admin API auth', () => {
  let s: TestServer;
  before(async () => { s = await startTestServer(); });
  after(async () => { await s.close(); });

  it('issues an ES256 access token for valid client credentials and logs the admin sign-in', async () => {
    const c = await clientWith(s, ['Directory.Read']);
    const res = await fetch(`${s.url}/oauth2/v2.0/token`, form({ grant_type: 'client_credentials', client_id: c.id, client_secret: c.secret }));
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('cache-control'), 'no-store');
    const body = await res.json() as { access_token: string; token_type: string; expires_in: number };
    assert.equal(body.token_type, 'Bearer');
    assert.ok(body.expires_in > 0 && body.expires_in <= 3600);
    const [h, p] = body.access_token.split('.').slice(0, 2).map((x) => JSON.parse(Buffer.from(x!, 'base64url').toString()));
    assert.equal(h.alg, 'ES256');
    assert.equal(h.typ, 'at+jwt');
    assert.deepEqual(p.roles, ['Directory.Read']);
    assert.equal(p.aud, ADMIN_API_APP_ID);
    assert.equal(p.iss, s.url);
    const ev = s.signIns.events.filter((e) => e.operation === 'admin_signin' && !e.error);
    assert.ok(ev.some((e) => e.userPrincipalName === c.id));
  });

  it('refuses bad client credentials with 401 admin_unauthorized and logs the failure', async () => {
    const c = await clientWith(s, ['Directory.Read']);
    for (const o of [
      { grant_type: 'client_credentials', client_id: c.id, client_secret: 'wrong' },
      { grant_type: 'client_credentials', client_id: 'acl_nope', client_secret: c.secret },
    ]) {
      const res = await fetch(`${s.url}/oauth2/v2.0/token`, form(o));
      assert.equal(res.status, 401);
      assert.equal(((await res.json()) as { error_code: string }).error_code, 'OPSSO1601');
    }
    assert.ok(s.signIns.events.some((e) => e.operation === 'admin_signin' && e.error?.entry.name === 'admin_unauthorized'));
    const rows = await s.ctx.store.signInLogs.query(s.orgId, { filter: null, top: 50 });
    assert.ok(rows.items.some((r) => r.appId === ADMIN_API_APP_ID && r.status.errorCode === 1601 && r.userPrincipalName === c.id));
  });

  it('accepts client_secret_basic and refuses other grants and content types with stable codes', async () => {
    const c = await clientWith(s, ['AuditLog.Read']);
    const basic = Buffer.from(`${c.id}:${c.secret}`).toString('base64');
    const ok = await fetch(`${s.url}/oauth2/v2.0/token`, { ...form({ grant_type: 'client_credentials' }), headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${basic}` } });
    assert.equal(ok.status, 200);
    const grant = await fetch(`${s.url}/oauth2/v2.0/token`, form({ grant_type: 'password', client_id: c.id, client_secret: c.secret }));
    assert.equal(grant.status, 400);
    assert.equal(((await grant.json()) as { error: string }).error, 'unsupported_grant_type');
    const missing = await fetch(`${s.url}/oauth2/v2.0/token`, form({ grant_type: 'client_credentials' }));
    assert.equal(((await missing.json()) as { error_code: string }).error_code, 'OPSSO1001');
    const json = await fetch(`${s.url}/oauth2/v2.0/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    assert.equal(((await json.json()) as { error_code: string }).error_code, 'OPSSO1002');
  });

  it('answers 401 without a valid token and 403 without the role', async () => {
    assert.equal((await call(s, null, 'GET', '/v1.0/users')).body.error_code, 'OPSSO1601');
    assert.equal((await call(s, null, 'GET', '/v1.0/users')).status, 401);
    assert.equal((await call(s, 'not.a.jwt', 'GET', '/v1.0/users')).status, 401);
    const t = await tokenFor(s, ['AuditLog.Read']);
    const forbidden = await call(s, t, 'GET', '/v1.0/users');
    assert.equal(forbidden.status, 403);
    assert.equal(forbidden.body.error_code, 'OPSSO1709');
    assert.equal((await call(s, t, 'GET', '/v1.0/auditLogs/signIns?$top=1')).status, 200);
    // Reading requirements does not allow changing them.
    const reader = await tokenFor(s, ['Directory.Read']);
    assert.equal((await call(s, reader, 'PATCH', '/beta/users/alice@demo.openpsso.test/authentication/requirements', { perUserMfaState: 'enforced' })).status, 403);
  });

  it('refuses tokens that are forged, for another audience, expired, or of a revoked client', async () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const key = s.ctx.keys.active('sig');
    const forged = await new SignJWT({ roles: ['Directory.Read'] }).setProtectedHeader({ alg: 'ES256', kid: key.record.kid, typ: 'at+jwt' })
      .setIssuer(s.url).setAudience(ADMIN_API_APP_ID).setSubject('acl_x').setExpirationTime('5m').sign(privateKey);
    assert.equal((await call(s, forged, 'GET', '/v1.0/users')).status, 401);
    const c = await clientWith(s, ['Directory.Read']);
    const sign = (aud: string, exp: number, typ = 'at+jwt') => new SignJWT({ roles: ['Directory.Read'], tid: s.orgId })
      .setProtectedHeader({ alg: 'ES256', kid: key.record.kid, typ }).setIssuer(s.url).setAudience(aud).setSubject(c.id).setExpirationTime(exp).sign(key.privateKey);
    const now = Math.floor(s.ctx.clock.now() / 1000);
    assert.equal((await call(s, await sign(ADMIN_API_APP_ID, now + 60), 'GET', '/v1.0/users')).status, 200);
    assert.equal((await call(s, await sign('psso', now + 60), 'GET', '/v1.0/users')).status, 401);
    assert.equal((await call(s, await sign(ADMIN_API_APP_ID, now + 60, 'JWT'), 'GET', '/v1.0/users')).status, 401);
    assert.equal((await call(s, await sign(ADMIN_API_APP_ID, now - 60), 'GET', '/v1.0/users')).status, 401);
    const token = await tokenFor(s, ['Directory.Read']);
    const sub = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()).sub as string;
    await s.ctx.store.adminClients.revoke(sub, s.ctx.clock.now());
    assert.equal((await call(s, token, 'GET', '/v1.0/users')).status, 401);
  });
});
