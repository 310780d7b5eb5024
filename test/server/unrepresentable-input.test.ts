// Bad input that used to give 500s on PostgreSQL (and odd answers on SQLite): NUL bytes, lone
// surrogates and non-UTF-8 bodies are refused at the edge with OPSSO1010; malformed HTTP Basic
// client credentials are a logged OPSSO1011; a value the database refuses anyway is OPSSO1012.
// Each case runs on SQLite and on PostgreSQL, and nothing is stored by a refused request.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { backends } from '../helpers/backends.js';
import { tokenFor } from '../admin/helpers.js';
import { encodeSkipToken } from '../../src/app/admin-api/graph-query.js';
import { parseSignInFilter } from '../../src/policy/sign-in-filter.js';

interface Answer { status: number; json: any; text: string }

async function send(url: string, init: { method?: string; headers?: Record<string, string>; body?: string | Buffer } = {}): Promise<Answer> {
  const r = await fetch(url, { method: init.method ?? (init.body !== undefined ? 'POST' : 'GET'), headers: init.headers, body: typeof init.body === 'string' || init.body === undefined ? init.body : new Uint8Array(init.body) });
  const text = await r.text();
  let json: unknown = null;
  try { json = JSON.parse(text); } catch { /* not JSON */ }
  return { status: r.status, json, text };
}

const JSON_CT = { 'content-type': 'application/json' };
const FORM_CT = { 'content-type': 'application/x-www-form-urlencoded' };
const basic = (raw: string) => ({ ...FORM_CT, authorization: `Basic ${Buffer.from(raw, 'latin1').toString('base64')}` });

for (const b of backends()) {
  describe(`unrepresentable input on ${b.name}`, { skip: b.skip }, () => {
    let s: TestServer;
    let admin: string;
    let stored: () => Promise<number[]>;

    before(async () => {
      b.check();
      s = await startTestServer({ overrides: b.overrides() });
      admin = await tokenFor(s);
      stored = async () => [await s.ctx.store.devices.count(s.orgId), (await s.ctx.store.policies.list(s.orgId)).length,
        (await s.ctx.store.users.list(s.orgId, { limit: 1000 })).items.length];
    });
    after(async () => { await s?.close(); await b.cleanup(); });

    const refused = (r: Answer, status: number, code: string, what: string) => {
      assert.equal(r.status, status, `${what}: ${r.status} ${r.text}`);
      assert.equal(r.json?.error_code, code, `${what}: ${r.text}`);
      assert.doesNotMatch(r.text, /\n\s+at |\/src\/|node_modules/, `${what}: no stack trace or path`);
    };

    it('refuses a NUL anywhere a value reaches storage with 400 OPSSO1010, storing nothing', async () => {
      const auth = { authorization: `Bearer ${admin}` };
      const before = await stored();
      const cases: [string, Promise<Answer>][] = [
        ['signin username', send(`${s.url}/api/v1/signin`, { headers: JSON_CT, body: JSON.stringify({ username: 'alice\u0000@demo.openpsso.test', password: 'x' }) })],
        ['signin password', send(`${s.url}/api/v1/signin`, { headers: JSON_CT, body: JSON.stringify({ username: 'alice@demo.openpsso.test', password: 'x\u0000' }) })],
        ['user id in the path', send(`${s.url}/v1.0/users/usr_%00x`, { headers: auth })],
        ['policy id in the path', send(`${s.url}/beta/identity/conditionalAccess/policies/%00`, { method: 'DELETE', headers: auth })],
        ['$filter', send(`${s.url}/v1.0/auditLogs/signIns?$filter=${encodeURIComponent("userPrincipalName eq 'a\u0000'")}`, { headers: auth })],
        ['directory $filter', send(`${s.url}/v1.0/users?$filter=${encodeURIComponent("userPrincipalName eq 'a\u0000'")}`, { headers: auth })],
        ['policy body', send(`${s.url}/v1.0/identity/conditionalAccess/policies`, { headers: { ...JSON_CT, ...auth }, body: JSON.stringify({ displayName: 'p\u0000', state: 'disabled' }) })],
        ['device registration body', send(`${s.url}/api/v1/devices`, { headers: { ...JSON_CT, authorization: `Bearer ${s.registrationToken}` }, body: JSON.stringify({ deviceUuid: '\u0000' }) })],
        ['a field name', send(`${s.url}/api/v1/devices`, { headers: { ...JSON_CT, authorization: `Bearer ${s.registrationToken}` }, body: '{"a\\u0000":1}' })],
        ['PSSO form', send(`${s.url}/psso/token`, { headers: FORM_CT, body: 'grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&assertion=a%00b' })],
        ['client_id in the form', send(`${s.url}/oauth2/v2.0/token`, { headers: FORM_CT, body: 'grant_type=client_credentials&client_id=a%00&client_secret=b' })],
        ['sign-in page query', send(`${s.url}/signin?login_hint=a%00b`)],
        ['sign-in page form', send(`${s.url}/signin/username`, { headers: FORM_CT, body: 'username=a%00b&csrf=x' })],
      ];
      for (const [what, p] of cases) refused(await p, 400, 'OPSSO1010', what);
      assert.deepEqual(await stored(), before);
    });

    it('refuses lone surrogates and bodies that are not UTF-8 with OPSSO1010', async () => {
      const signin = (body: string | Buffer, headers = JSON_CT) => send(`${s.url}/api/v1/signin`, { headers, body });
      refused(await signin('{"username":"\\ud800a","password":"x"}'), 400, 'OPSSO1010', 'lone high surrogate');
      refused(await signin('{"username":"a\\udc00","password":"x"}'), 400, 'OPSSO1010', 'lone low surrogate');
      refused(await signin(Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d])), 400, 'OPSSO1010', 'JSON bytes not UTF-8');
      refused(await send(`${s.url}/psso/nonce`, { headers: FORM_CT, body: Buffer.from([0x67, 0x3d, 0xc3]) }), 400, 'OPSSO1010', 'form bytes not UTF-8');
      // A well-formed pair is ordinary text: refused for the credentials, not the characters.
      refused(await signin('{"username":"\\ud83d\\ude00@demo.openpsso.test","password":"x"}'), 401, 'OPSSO1201', 'surrogate pair');
    });

    it('answers malformed Basic client credentials with 401 OPSSO1011 and a sign-in log row', async () => {
      for (const [what, raw] of [['bad %-escape in the id', 'abc%zz:secret'], ['bad %-escape in the secret', 'abc:%E0%A4%A'], ['NUL in the id', 'a%00b:secret']] as const) {
        const r = await send(`${s.url}/oauth2/v2.0/token`, { headers: basic(raw), body: 'grant_type=client_credentials' });
        refused(r, 401, 'OPSSO1011', what);
        const rows = await s.ctx.store.signInLogs.query(s.orgId, { filter: parseSignInFilter(`correlationId eq '${r.json.correlation_id}'`), top: 5 });
        assert.equal(rows.items.length, 1, `${what}: one sign-in log row`);
        assert.equal(rows.items[0]!.status.errorCode, 1011);
      }
    });

    it('a value only the database refuses (a NUL inside a $skiptoken) is never a 500', async () => {
      const r = await send(`${s.url}/v1.0/users?$skiptoken=${encodeSkipToken('users', Buffer.from('usr_\u0000').toString('base64url'))}`, { headers: { authorization: `Bearer ${admin}` } });
      if (b.name === 'postgres') refused(r, 400, 'OPSSO1012', 'NUL cursor');
      else assert.ok(r.status < 500, `${r.status} ${r.text}`);
    });
  });
}
