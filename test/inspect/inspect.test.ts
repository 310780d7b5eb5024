// The message inspector on both vector files (Apple's request and response with Apple's keys, the macOS 14 captures at a fixed clock) and on tampered input.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createPublicKey } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatInspectReport, inspectMessage, runInspect, type InspectReport } from '../../src/inspect/index.js';
import {
  TYP, buildEncryptedAssertion, buildLoginRequest, buildPssoForm, buildPssoResponse, generateP256, hexOr,
} from './helpers.js';
import { apple, appleKey, flipSegmentBit, hex, mac14 } from '../protocol/vectors.js';
import { AUDIENCE, NOW, TOKEN_URL, base, makeDevice } from '../protocol/fixtures.js';

const check = (r: InspectReport, name: string) => r.checks.find((c) => c.name === name);
const appleOpts = { now: apple.loginRequest.verificationClock, clientId: apple.loginRequest.claims.client_id, audience: apple.loginRequest.claims.aud };
const appleKeys = { deviceSigningPublic: createPublicKey(appleKey('deviceSigning')), deviceEncryptionPrivate: appleKey('deviceEncryption') };

describe('inspectMessage on the Apple vector', () => {
  it('the login request passes every check, including the full server checklist', () => {
    const r = inspectMessage(apple.loginRequest.compactJws, appleKeys, appleOpts);
    assert.equal(r.kind, 'login_request');
    assert.match(r.summary, /password login.*macOS 13/);
    assert.deepEqual(r.problems, []);
    for (const name of ['signature', 'times', 'client', 'audience', 'apv structure', 'apv key', 'server checklist']) {
      assert.equal(check(r, name)?.ok, true, name);
    }
    assert.equal(r.fields['apv.nonce'], apple.loginRequest.claims.nonce);
    assert.match(String(r.claims?.password), /redacted/);
    assert.match(formatInspectReport(r), /No problems found/);
  });

  it('the response decrypts with the request as context and its id_token nonce matches', () => {
    const r = inspectMessage(apple.loginResponse.compactJwe, appleKeys, { ...appleOpts, request: apple.loginRequest.compactJws });
    assert.equal(r.kind, 'login_response');
    assert.deepEqual(r.problems, []);
    assert.equal(check(r, 'decrypt')?.ok, true);
    assert.equal(check(r, 'id_token nonce')?.ok, true);
    assert.equal(check(r, 'apu = label || epk')?.ok, true);
    assert.equal(r.claims?.refresh_token, apple.loginResponse.plaintextParsed.refresh_token);
    // Without the request, Apple's header carries no apv, so decryption is explained, not attempted.
    assert.equal(check(inspectMessage(apple.loginResponse.compactJwe, appleKeys, appleOpts), 'decrypt')?.ok, 'skipped');
  });

  it('a tampered request and a tampered response list the problem', () => {
    const r = inspectMessage(flipSegmentBit(apple.loginRequest.compactJws, 1, 30, 0), appleKeys, appleOpts);
    assert.ok(r.problems.some((p) => p.startsWith('signature:')), r.problems.join('\n'));
    const t = inspectMessage(flipSegmentBit(apple.loginResponse.compactJwe, 3, 10, 4), appleKeys, { ...appleOpts, request: apple.loginRequest.compactJws });
    assert.ok(t.problems.some((p) => p.startsWith('decrypt:') && /authentication failed/.test(p)), t.problems.join('\n'));
    assert.match(formatInspectReport(t), /\[FAIL\] decrypt/);
  });
});

describe('inspectMessage on the macOS 14 captures', () => {
  const keys = { deviceSigningPublic: createPublicKey(mac14.deviceSigningKey.publicKeyPem), deviceEncryptionPublic: hex(mac14.deviceEncryptionKey.publicKeyX963Hex) };
  const expected: Record<string, string> = { login: 'login_request', key_request: 'key_request', key_exchange: 'key_exchange_request' };

  for (const c of mac14.captures) {
    it(`${c.kind}: detected and clean at its clock; expired later`, () => {
      const opts = { now: c.verificationClock, clientId: 'psso', audience: 'https://idp.twocanoes.com/pesto/token' };
      const r = inspectMessage(c.compactJws, keys, opts);
      assert.equal(r.kind, expected[c.kind]);
      assert.deepEqual(r.problems, []);
      assert.equal(check(r, 'server checklist')?.ok, true);
      const late = inspectMessage(c.compactJws, keys, { ...opts, now: c.exp + 3600 });
      assert.ok(late.problems.some((p) => p.startsWith('times:') && /request_expired/.test(p)));
    });
  }

  it('the vendor id_token example is flagged (exp before iat, wrong nonce)', () => {
    const login = mac14.captures.find((c: { kind: string }) => c.kind === 'login');
    const r = inspectMessage(mac14.responseExamples.idTokenExample.compact, {}, { now: login.verificationClock, request: login.compactJws });
    assert.equal(r.kind, 'id_token');
    assert.ok(r.problems.some((p) => p.startsWith('id_token times:')));
    assert.ok(r.problems.some((p) => p.startsWith('id_token nonce:')));
  });

  it("the vendor response examples: structure checked, all-zero IV flagged, no key so no decrypt", () => {
    const [keyRes, loginRes] = mac14.responseExamples.jwe;
    const r = inspectMessage(keyRes.compactJwe, { deviceEncryptionPublic: keys.deviceEncryptionPublic }, { now: 1713996854 });
    assert.equal(check(r, 'apu = label || epk')?.ok, true);
    assert.equal(check(r, 'apv')?.ok, true);
    assert.ok(r.problems.some((p) => p.startsWith('IV and tag:')));
    assert.equal(check(r, 'decrypt')?.ok, 'skipped');
    assert.deepEqual(inspectMessage(loginRes.compactJwe, {}, { now: 1713997801 }).problems, []);
  });
});

describe('inspectMessage on locally built messages', () => {
  const device = makeDevice();

  it('a form body, an encrypted assertion and a key response are recognised', () => {
    const server = generateP256();
    const nonce = 'C0C0C0C0-0000-4000-8000-000000000000';
    const enc = buildEncryptedAssertion({ serverKey: server.x963, username: 'liz', password: 'pw', audience: AUDIENCE, nonce, requestNonce: 'server-nonce-123', scope: 'openid urn:apple:platformsso', now: NOW });
    const req = buildLoginRequest({ ...base(device), nonce, tokenUrl: TOKEN_URL, username: 'liz', assertion: enc });
    const form = inspectMessage(buildPssoForm(req.jwt, '1.0'), { deviceSigningPublic: device.signing.publicKey }, { now: NOW });
    assert.match(form.summary, /encrypted password assertion/);
    assert.deepEqual(form.problems, []);
    const a = inspectMessage(enc, { serverEncryptionPrivate: server.privateKey }, { now: NOW, request: req.jwt });
    assert.equal(a.kind, 'encrypted_assertion');
    assert.deepEqual(a.problems, []);
    assert.match(String(a.claims?.password), /redacted/);
    const res = buildPssoResponse({ payload: { key: Buffer.alloc(32).toString('base64') }, deviceEncryptionKey: device.encryption.x963, apv: req.apv, typ: TYP.keyResponse });
    const k = inspectMessage(res, { deviceEncryptionPrivate: device.encryption.privateKey }, { now: NOW, request: req.jwt });
    assert.equal(k.kind, 'key_response');
    assert.deepEqual(k.problems, []);
    assert.equal(hexOr(k.claims?.key), '00'.repeat(32));
  });

  it('garbage input is one clear problem', () => {
    const r = inspectMessage('hello world', {}, { now: NOW });
    assert.equal(r.kind, 'unknown');
    assert.equal(r.problems.length, 1);
  });
});

describe('runInspect', () => {
  it('reads files, key files and options; exit 0 when clean, 1 with problems, 2 on usage', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'inspect-'));
    const reqFile = join(dir, 'req.jws');
    writeFileSync(reqFile, apple.loginRequest.compactJws + '\n');
    writeFileSync(join(dir, 'sign.jwk'), JSON.stringify(apple.keys.deviceSigning.jwk));
    writeFileSync(join(dir, 'enc.pem'), appleKey('deviceEncryption').export({ format: 'pem', type: 'pkcs8' }));
    const args = ['--signing-key', join(dir, 'sign.jwk'), '--encryption-key', join(dir, 'enc.pem'), '--client-id', appleOpts.clientId, '--audience', appleOpts.audience];
    const out: string[] = [];
    const write = process.stdout.write.bind(process.stdout);
    (process.stdout as { write: unknown }).write = (s: string) => { out.push(String(s)); return true; };
    try {
      assert.equal(await runInspect([reqFile, ...args, '--now', String(appleOpts.now)]), 0);
      assert.equal(await runInspect([apple.loginResponse.compactJwe, ...args, '--request', reqFile, '--now', String(appleOpts.now), '--json']), 0);
      assert.equal(await runInspect([reqFile, ...args, '--now', String(appleOpts.now + 3600)]), 1);
    } finally {
      (process.stdout as { write: unknown }).write = write;
    }
    assert.match(out[0]!, /server checklist/);
    assert.equal(JSON.parse(out[1]!).kind, 'login_response');
    assert.match(out[2]!, /Problems \(/);
    const err = process.stderr.write.bind(process.stderr);
    (process.stderr as { write: unknown }).write = () => true;
    try {
      assert.equal(await runInspect([]), 2);
      assert.equal(await runInspect([reqFile, '--now', 'soon']), 2);
      assert.equal(await runInspect([reqFile, '--bogus']), 2);
    } finally {
      (process.stderr as { write: unknown }).write = err;
    }
  });
});
