// App registration in process over an in-memory SQLite store: the redirect URI rules (RFC 8252),
// public and confidential clients, secrets shown once and sealed, updates that add or drop the
// secret with the method, and each bad input's catalogue error with nothing stored.
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../../src/config/load.js';
import { createAppContext } from '../../src/app/bootstrap.js';
import type { AppContext } from '../../src/app/context.js';
import { createOrganisation } from '../../src/app/directory.js';
import {
  clientSecretOf, createApplication, deleteApplication, findApplicationByClientId, removeSecret, rotateSecret, updateApplication,
  type ApplicationInput,
} from '../../src/app/applications.js';
import { checkRedirectUri, redirectUriMatches } from '../../src/protocol/redirect-uri.js';
import { PssoError } from '../../src/errors/psso-error.js';

const code = (name: string, detail?: RegExp) => (e: unknown) => {
  assert.ok(e instanceof PssoError, String(e));
  assert.equal(e.entry.name, name, e.message);
  if (detail) assert.match(e.message, detail);
  return true;
};
const publicKeyJwk = () => generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'jwk' }) as Record<string, unknown>;

describe('redirect URI rules', () => {
  it('accepts https, loopback without a port and reverse-DNS custom schemes for public clients', () => {
    for (const [uri, kind] of [
      ['https://wiki.example.com/oidc/callback', 'https'], ['https://wiki.example.com/cb?tenant=a', 'https'],
      ['http://127.0.0.1/callback', 'loopback'], ['http://[::1]/cb', 'loopback'], ['http://127.0.0.1', 'loopback'],
      ['com.example.app:/oauth2redirect', 'custom-scheme'], ['com.apple.platformsso://callback', 'custom-scheme'],
    ] as const) assert.deepEqual(checkRedirectUri(uri, 'public'), { ok: true, kind }, uri);
  });

  it('refuses fragments, wildcards, userinfo, ports on loopback, localhost, plain http and unsafe schemes, saying why', () => {
    for (const [uri, why] of [
      ['https://wiki.example.com/cb#frag', /fragment/], ['https://*.example.com/cb', /wildcard/], ['https://wiki.example.com/*', /wildcard/],
      ['https://user:pw@wiki.example.com/cb', /user:password/], ['https://user@wiki.example.com/cb', /user:password/],
      ['http://127.0.0.1:8080/cb', /without a port/], ['http://[::1]:1/cb', /without a port/], ['http://localhost/cb', /localhost/],
      ['http://wiki.example.com/cb', /loopback/], ['http://127.1/cb', /loopback/], ['javascript:alert(1)', /javascript/],
      ['data:text/html,x', /data/], ['myapp:/cb', /reverse DNS/], ['/relative/cb', /absolute/], ['', /characters/],
      ['https://wiki.example.com/ cb', /whitespace/], ['https:///cb', /host|valid/],
    ] as const) {
      const r = checkRedirectUri(uri, 'public');
      assert.equal(r.ok, false, uri);
      if (!r.ok) assert.match(r.reason, why, uri);
    }
    assert.match((checkRedirectUri('com.example.app:/cb', 'confidential') as { reason: string }).reason, /public clients/);
  });

  it('matches exactly, except any port on a registered loopback URI (RFC 8252 §7.3)', () => {
    assert.equal(redirectUriMatches('https://a.example/cb', 'https://a.example/cb'), true);
    assert.equal(redirectUriMatches('https://a.example/cb', 'https://a.example/cb/'), false);
    assert.equal(redirectUriMatches('https://a.example/cb', 'https://A.example/cb'), false);
    assert.equal(redirectUriMatches('https://a.example/cb', 'https://a.example:443/cb'), false);
    assert.equal(redirectUriMatches('http://127.0.0.1/cb', 'http://127.0.0.1:53123/cb'), true);
    assert.equal(redirectUriMatches('http://[::1]/cb', 'http://[::1]:8/cb'), true);
    assert.equal(redirectUriMatches('http://127.0.0.1/cb', 'http://127.0.0.1:53123/cb2'), false);
    assert.equal(redirectUriMatches('http://127.0.0.1/cb', 'http://127.0.0.1:99999/cb'), false);
    assert.equal(redirectUriMatches('http://127.0.0.1/cb', 'http://127.0.0.1:80@evil.example/cb'), false);
    assert.equal(redirectUriMatches('http://127.0.0.1', 'http://127.0.0.1:5000'), true);
    assert.equal(redirectUriMatches('http://127.0.0.1/cb', 'http://[::1]:5000/cb'), false);
  });
});

describe('apps', () => {
  const dir = mkdtempSync(join(tmpdir(), 'openpsso-apps-'));
  let ctx: AppContext;
  let orgId: string;
  before(async () => {
    ctx = await createAppContext(loadConfig({ env: {}, overrides: { dataDir: dir, database: { kind: 'sqlite', file: ':memory:' }, log: { level: 'silent' } } }));
    orgId = (await createOrganisation(ctx, 'Apps Ltd')).id;
  });
  after(async () => { await ctx.store.close(); rmSync(dir, { recursive: true, force: true }); });

  it('a confidential app gets a GUID client id and a secret shown once, sealed at rest', async () => {
    const { app, clientSecret } = await createApplication(ctx, orgId, { displayName: ' Wiki ', redirectUris: ['https://wiki.example.com/cb'] });
    assert.match(app.appId, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.match(app.id, /^app_/);
    assert.equal(app.displayName, 'Wiki');
    assert.deepEqual([app.clientType, app.tokenEndpointAuthMethod, app.grantTypes, app.releasedClaims], ['confidential', 'client_secret_basic', ['authorization_code', 'refresh_token'], ['email', 'profile']]);
    assert.match(clientSecret!, /^[A-Za-z0-9_-]{43}$/);
    assert.equal(app.secretHint, clientSecret!.slice(0, 3));
    assert.ok(!Buffer.from(app.sealedSecret!).toString('latin1').includes(clientSecret!), 'not stored in clear');
    const found = await findApplicationByClientId(ctx, app.appId.toUpperCase());
    assert.equal(clientSecretOf(ctx, found!), clientSecret);
    assert.equal(await findApplicationByClientId(ctx, 'not-a-guid'), null);
    // The seal names the app: another app's row cannot borrow it.
    assert.throws(() => clientSecretOf(ctx, { ...found!, id: 'app_other' }));
  });

  it('a public client uses none with no secret; private_key_jwt keeps public keys and no secret', async () => {
    const native = await createApplication(ctx, orgId, { displayName: 'Mac app', clientType: 'public', redirectUris: ['com.example.mac:/cb', 'http://127.0.0.1/cb'] });
    assert.equal(native.clientSecret, undefined);
    assert.deepEqual([native.app.tokenEndpointAuthMethod, native.app.sealedSecret, native.app.secretKeyId], ['none', null, null]);
    const jwk = publicKeyJwk();
    const jwt = await createApplication(ctx, orgId, { displayName: 'Backend', jwks: { keys: [jwk] }, redirectUris: ['https://b.example/cb'] });
    assert.equal(jwt.app.tokenEndpointAuthMethod, 'private_key_jwt');
    assert.equal(jwt.clientSecret, undefined);
    assert.deepEqual(jwt.app.jwks, { keys: [jwk] });
  });

  it('refuses each bad registration with its catalogue code, and stores nothing', async () => {
    const before = (await ctx.store.applications.list(orgId)).length;
    const base = { displayName: 'Bad', redirectUris: ['https://bad.example/cb'] };
    const { d: _d, ...half } = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' }) as Record<string, unknown>;
    const cases: [ApplicationInput, string, RegExp][] = [
      [{ ...base, displayName: '  ' }, 'invalid_application', /displayName/],
      [{ ...base, redirectUris: [] }, 'invalid_application', /at least one redirect URI/],
      [{ ...base, redirectUris: ['https://bad.example/cb#x'] }, 'invalid_redirect_uri', /redirectUris\[0\].*fragment/],
      [{ ...base, postLogoutRedirectUris: ['http://bad.example/'] }, 'invalid_redirect_uri', /postLogoutRedirectUris\[0\]/],
      [{ ...base, redirectUris: ['com.example.app:/cb'] }, 'invalid_redirect_uri', /public clients/],
      [{ ...base, clientType: 'public', tokenEndpointAuthMethod: 'client_secret_basic' }, 'public_client_credentials', /none/],
      [{ ...base, clientType: 'public', jwks: { keys: [publicKeyJwk()] } }, 'public_client_credentials', /jwks/],
      [{ ...base, tokenEndpointAuthMethod: 'none' }, 'invalid_application', /confidential client authenticates/],
      [{ ...base, tokenEndpointAuthMethod: 'private_key_jwt' }, 'invalid_application', /needs a JWKS/],
      [{ ...base, jwks: { keys: [{ kty: 'oct', k: 'c2VjcmV0' }] } }, 'invalid_application', /kty/],
      [{ ...base, jwks: { keys: [{ ...half, d: 'AAAA' }] } }, 'invalid_application', /private key material \(d\)/],
      [{ ...base, jwks: { keys: [{ kty: 'EC', crv: 'P-256', x: 'AA', y: 'AA' }] } }, 'invalid_application', /not a valid public key/],
      [{ ...base, grantTypes: ['refresh_token'] }, 'invalid_application', /authorization_code/],
      [{ ...base, grantTypes: ['authorization_code', 'implicit' as never] }, 'invalid_application', /"implicit" not supported/],
      [{ ...base, releasedClaims: ['email', 'phone' as never] }, 'invalid_application', /"phone"/],
      [{ ...base, clientType: 'daemon' as never }, 'invalid_application', /clientType/],
    ];
    for (const [input, name, detail] of cases) await assert.rejects(createApplication(ctx, orgId, input), code(name, detail), JSON.stringify(input));
    assert.equal((await ctx.store.applications.list(orgId)).length, before);
  });

  it('updates add a secret when the method needs one and drop it when it does not; rotation replaces it', async () => {
    const { app } = await createApplication(ctx, orgId, { displayName: 'Moving', clientType: 'public', redirectUris: ['http://127.0.0.1/cb'] });
    const confidential = await updateApplication(ctx, orgId, app.appId, { clientType: 'confidential' });
    assert.equal(confidential.app.tokenEndpointAuthMethod, 'client_secret_basic');
    assert.equal(clientSecretOf(ctx, confidential.app), confidential.clientSecret);
    const renamed = await updateApplication(ctx, orgId, app.id, { displayName: 'Moved' });
    assert.equal(renamed.clientSecret, undefined, 'an unrelated change does not touch the secret');
    assert.equal(clientSecretOf(ctx, renamed.app), confidential.clientSecret);
    // The change itself is kept (an earlier version spread the old record over it).
    assert.equal((await ctx.store.applications.get(orgId, app.id))!.displayName, 'Moved');
    await updateApplication(ctx, orgId, app.id, { enabled: false });
    assert.equal((await ctx.store.applications.get(orgId, app.id))!.enabled, false);
    await updateApplication(ctx, orgId, app.id, { enabled: true });
    const rotated = await rotateSecret(ctx, orgId, app.id);
    assert.notEqual(rotated.clientSecret, confidential.clientSecret);
    assert.equal(clientSecretOf(ctx, (await ctx.store.applications.get(orgId, app.id))!), rotated.clientSecret);
    await assert.rejects(removeSecret(ctx, orgId, app.id, confidential.app.secretKeyId!), code('application_credential_not_found'));
    assert.equal((await removeSecret(ctx, orgId, app.id, rotated.app.secretKeyId!)).sealedSecret, null);
    const jwt = await updateApplication(ctx, orgId, app.id, { jwks: { keys: [publicKeyJwk()] }, tokenEndpointAuthMethod: 'private_key_jwt' });
    assert.equal(jwt.app.sealedSecret, null);
    await assert.rejects(rotateSecret(ctx, orgId, app.id), code('invalid_application', /private_key_jwt/));
    const back = await updateApplication(ctx, orgId, app.id, { clientType: 'public', redirectUris: ['com.example.moved:/cb'] });
    assert.deepEqual([back.app.tokenEndpointAuthMethod, back.app.jwks, back.app.sealedSecret], ['none', null, null]);
    await assert.rejects(rotateSecret(ctx, orgId, app.id), code('public_client_credentials'));
    // A refused update changes nothing.
    await assert.rejects(updateApplication(ctx, orgId, app.id, { redirectUris: ['https://x.example/*'] }), code('invalid_redirect_uri'));
    assert.deepEqual((await ctx.store.applications.get(orgId, app.id))!.redirectUris, ['com.example.moved:/cb']);
  });

  it('another organisation\'s app is not found; deleting removes the app', async () => {
    const other = (await createOrganisation(ctx, 'Other Ltd')).id;
    const { app } = await createApplication(ctx, other, { displayName: 'Theirs', redirectUris: ['https://t.example/cb'] });
    await assert.rejects(updateApplication(ctx, orgId, app.appId, { displayName: 'Mine' }), code('resource_not_found'));
    await assert.rejects(deleteApplication(ctx, orgId, app.id), code('resource_not_found'));
    assert.equal((await deleteApplication(ctx, other, app.appId)).id, app.id);
    assert.equal(await findApplicationByClientId(ctx, app.appId), null);
  });
});
