// Property-based fuzz of the pure parsers (fixed seed): on any input each one returns or throws its
// documented error (a PssoError from the catalogue; SignInFilterError from the $filter parser, which
// the admin API maps to OPSSO1708), never a TypeError, RangeError or anything else.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { PssoError } from '../../src/errors/psso-error.js';
import {
  assertionKid, b64Decode, b64uDecode, buildKeyExchangeRequest, buildLoginRequest, buildRefreshRequest, canonicaliseKid, decodeAnyBase64,
  decryptCompactJwe, decryptEncryptedAssertion, kidFromX963, parseApu, parseApv, parseCompactJws, parsePssoForm, parsePublicKeyInput,
  signCompactJws, verifyEmbeddedAssertion, verifyPssoRequest, generateP256, type VerifiedRequest,
} from '../../src/protocol/index.js';
import { matchesFilter, parseSignInFilter, SignInFilterError } from '../../src/policy/sign-in-filter.js';
import { parseConditionalAccessPolicyInput, parseNamedLocationInput } from '../../src/policy/schemas.js';
import { decodeSkipToken, parseEqFilter, parseGraphQuery } from '../../src/app/admin-api/graph-query.js';
import { mergePatch } from '../../src/app/admin-api/graph-policies.js';
import { loadConfig } from '../../src/config/load.js';
import { lintProfile } from '../../src/profile/lint.js';
import { findUnrepresentable } from '../../src/app/representable.js';
import { signInRow } from '../admin/helpers.js';
import { FUZZ_SEED, PROPERTY_RUNS, anyJson, anyText, filterText, jwsLike } from './arbitraries.js';
import { DEFAULT_REQUEST_TIME_LIMITS } from '../../src/protocol/claims.js';

const params = { seed: FUZZ_SEED, numRuns: PROPERTY_RUNS };

/** Runs fn; a thrown error must be one of the allowed types, and is reported with its stack otherwise. */
function onlyDocumentedErrors(fn: () => unknown, allowed: (new (...a: never[]) => Error)[] = [PssoError]): void {
  try {
    fn();
  } catch (e) {
    if (allowed.some((t) => e instanceof t)) return;
    assert.fail(`undocumented error: ${e instanceof Error ? e.stack : String(e)}`);
  }
}

const NOW = 1_800_000_000;
const device = { signing: generateP256(), encryption: generateP256() };
const kid = kidFromX963(device.signing.x963);
const server = generateP256();
const base = { signingKey: device.signing.privateKey, signingKid: kid, encryptionKey: device.encryption.x963, clientId: 'openpsso-macos', requestNonce: 'bm9uY2U', now: NOW };
const TOKEN_URL = 'https://idp.example/psso/token';
/** Valid requests of each kind; the fuzz changes one part of one and signs it again with the device key. */
const valid = [
  buildLoginRequest({ ...base, tokenUrl: TOKEN_URL, username: 'alice@example.com', password: 'pw' }).jwt,
  buildLoginRequest({ ...base, tokenUrl: TOKEN_URL, username: 'alice@example.com', assertion: 'a.b.c' }).jwt,
  buildRefreshRequest({ ...base, tokenUrl: TOKEN_URL, refreshToken: 'rt', username: 'alice@example.com' }).jwt,
  buildKeyExchangeRequest({ ...base, refreshToken: 'rt', username: 'alice@example.com', otherPublicKey: generateP256().x963 }).jwt,
].map((jwt) => parseCompactJws(jwt));
const verifyOpts = { now: NOW, ...DEFAULT_REQUEST_TIME_LIMITS, clientId: 'openpsso-macos', audience: TOKEN_URL };
const outer: VerifiedRequest = verifyPssoRequest(valid[1]!, { signingKey: device.signing.publicKey, encryptionKey: device.encryption.x963 }, verifyOpts);

describe(`pure parsers under fuzz (seed ${FUZZ_SEED}, ${PROPERTY_RUNS} runs each)`, () => {
  it('base64 decoders, kids and public keys', () => {
    fc.assert(fc.property(anyText, (s) => {
      for (const f of [b64uDecode, b64Decode, decodeAnyBase64, parsePublicKeyInput]) onlyDocumentedErrors(() => f(s));
      onlyDocumentedErrors(() => canonicaliseKid(s));
      onlyDocumentedErrors(() => parsePublicKeyInput(`-----BEGIN PUBLIC KEY-----\n${s}\n-----END PUBLIC KEY-----`));
    }), params);
  });

  it('party info (apv, apu) from any bytes', () => {
    const lengthPrefixed = fc.array(fc.uint8Array({ maxLength: 70 }), { maxLength: 4 }).map((fields) =>
      Buffer.concat(fields.flatMap((f) => { const n = Buffer.alloc(4); n.writeUInt32BE(f.length); return [n, Buffer.from(f)]; })));
    fc.assert(fc.property(fc.oneof(fc.uint8Array({ maxLength: 200 }), lengthPrefixed), (b) => {
      onlyDocumentedErrors(() => parseApv(b));
      onlyDocumentedErrors(() => parseApu(b));
    }), params);
  });

  it('the PSSO form and compact JWS parser', () => {
    const field = fc.oneof(jwsLike, anyText, fc.constantFrom('urn:ietf:params:oauth:grant-type:jwt-bearer', '1.0', '2.0'));
    const form = fc.dictionary(fc.oneof(fc.constantFrom('grant_type', 'assertion', 'request', 'platform_sso_version'), anyText), field, { maxKeys: 5 });
    fc.assert(fc.property(form, jwsLike, (f, jws) => {
      onlyDocumentedErrors(() => parsePssoForm(f));
      onlyDocumentedErrors(() => parseCompactJws(jws));
    }), params);
  });

  it('request verification: a valid, well-signed request with claims or header changed', () => {
    const claimName = fc.constantFrom('iss', 'aud', 'iat', 'exp', 'nonce', 'request_nonce', 'grant_type', 'username', 'password', 'assertion', 'refresh_token',
      'scope', 'client_id', 'jwe_crypto', 'sub', 'claims', 'request_type', 'key_purpose', 'other_publickey', 'key_context');
    const edit = fc.record({
      target: fc.constantFrom('claims', 'header', 'jwe_crypto'),
      name: fc.oneof(claimName, fc.constantFrom('typ', 'alg', 'kid', 'crit', 'apv', 'enc'), anyText),
      value: fc.oneof(anyJson, fc.constant(undefined)),
    });
    let verified = 0;
    fc.assert(fc.property(fc.integer({ min: 0, max: valid.length - 1 }), fc.array(edit, { minLength: 1, maxLength: 3 }), fc.constantFrom('1.0', '2.0', undefined), (i, edits, version) => {
      const p = valid[i]!;
      const header = structuredClone(p.header);
      const claims = structuredClone(p.claims);
      for (const e of edits) {
        const jc = claims.jwe_crypto;
        const o = (e.target === 'header' ? header : e.target === 'claims' ? claims : jc !== null && typeof jc === 'object' ? jc : {}) as Record<string, unknown>;
        if (e.value === undefined) delete o[e.name]; else o[e.name] = e.value;
      }
      onlyDocumentedErrors(() => {
        // Headers naming another algorithm cannot be signed with the device key; send them unsigned.
        const jwt = header.alg === 'ES256' ? signCompactJws(header, claims, device.signing.privateKey) : `${Buffer.from(JSON.stringify(header)).toString('base64url')}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.AAAA`;
        verifyPssoRequest(parseCompactJws(jwt), { signingKey: device.signing.publicKey, encryptionKey: device.encryption.x963 }, { ...verifyOpts, ...(version ? { version } : {}) });
        verified++;
      });
    }), params);
    // Some edits leave a valid request (an unknown claim, say): the fuzz reaches the end of the checks.
    assert.ok(verified > 0, 'no edited request got through verification');
  });

  it('embedded assertions and JWEs', () => {
    fc.assert(fc.property(jwsLike, (t) => {
      onlyDocumentedErrors(() => assertionKid(t));
      onlyDocumentedErrors(() => verifyEmbeddedAssertion(t, device.signing.publicKey, ['ES256'], outer, { now: NOW, ...DEFAULT_REQUEST_TIME_LIMITS, audience: 'openpsso-macos' }));
      onlyDocumentedErrors(() => decryptEncryptedAssertion(t, server.privateKey, server.x963, outer, { now: NOW, ...DEFAULT_REQUEST_TIME_LIMITS }));
      onlyDocumentedErrors(() => decryptCompactJwe(t, server.privateKey));
    }), params);
  });

  it('the sign-in log $filter parser, and evaluating what it accepts', () => {
    const row = signInRow({ at: NOW * 1000 });
    fc.assert(fc.property(filterText, (f) => {
      onlyDocumentedErrors(() => matchesFilter(row, parseSignInFilter(f)), [SignInFilterError]);
    }), params);
  });

  it('Graph query options, skip tokens and directory filters', () => {
    const query = fc.dictionary(fc.oneof(fc.constantFrom('$top', '$skiptoken', '$filter', '$select', '$count', '$orderby'), anyText),
      fc.oneof(anyText, fc.array(anyText, { maxLength: 3 })), { maxKeys: 5 });
    fc.assert(fc.property(query, anyText, (q, t) => {
      onlyDocumentedErrors(() => parseGraphQuery(q, { kind: 'users', defaultTop: 100, filter: true, selectable: ['id', 'displayName'] }));
      onlyDocumentedErrors(() => decodeSkipToken(t, 'users'));
      onlyDocumentedErrors(() => parseEqFilter(t, ['userPrincipalName', 'displayName']));
    }), params);
  });

  it('conditional access policy and named location bodies, and merge patches', () => {
    const policyish = fc.record({
      displayName: anyJson, state: fc.oneof(fc.constantFrom('enabled', 'disabled', 'enabledForReportingButNotEnforced'), anyJson),
      conditions: fc.oneof(anyJson, fc.record({ users: fc.dictionary(fc.constantFrom('includeUsers', 'excludeUsers', 'includeGroups'), anyJson), applications: anyJson })),
      grantControls: fc.oneof(anyJson, fc.record({ operator: anyJson, builtInControls: anyJson })),
      ipRanges: fc.oneof(anyJson, fc.array(fc.record({ '@odata.type': anyJson, cidrAddress: fc.oneof(anyText, fc.constantFrom('10.0.0.0/8', '::/0', '1.2.3.4/33')) }))),
    }, { requiredKeys: [] });
    fc.assert(fc.property(fc.oneof(anyJson, policyish), anyJson, (body, patch) => {
      onlyDocumentedErrors(() => parseConditionalAccessPolicyInput(body));
      onlyDocumentedErrors(() => parseNamedLocationInput(body));
      onlyDocumentedErrors(() => parseConditionalAccessPolicyInput(mergePatch(body, patch)));
    }), params);
  });

  it('configuration overrides', () => {
    const overrides = fc.dictionary(fc.constantFrom('issuer', 'listen', 'database', 'tokens', 'limits', 'aasa', 'registration', 'log', 'demo', 'clientId'), anyJson, { maxKeys: 4 });
    fc.assert(fc.property(overrides, (o) => { onlyDocumentedErrors(() => loadConfig({ env: {}, overrides: o as Record<string, unknown> })); }), { ...params, numRuns: Math.min(200, params.numRuns) });
  });

  it('profile lint on corrupted profiles', () => {
    const dir = join('test', 'profile', 'corpus', 'valid');
    const seeds = readdirSync(dir).filter((f) => f.endsWith('.mobileconfig')).map((f) => readFileSync(join(dir, f)));
    assert.ok(seeds.length > 0);
    const corrupt = fc.record({ i: fc.nat(), at: fc.nat(), cut: fc.nat({ max: 200 }), insert: anyText });
    fc.assert(fc.property(fc.oneof(fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b)), corrupt.map(({ i, at, cut, insert }) => {
      const b = seeds[i % seeds.length]!;
      const p = at % b.length;
      return Buffer.concat([b.subarray(0, p), Buffer.from(insert), b.subarray(p + cut)]);
    })), (bytes) => { onlyDocumentedErrors(() => lintProfile(bytes)); }), { ...params, numRuns: Math.min(300, params.numRuns) });
  });

  it('the edge guard finds every NUL and lone surrogate, however deep', () => {
    fc.assert(fc.property(anyJson, (v) => {
      const text = JSON.stringify(v) ?? '';
      // JSON.stringify escapes lone surrogates and NUL, so look for the escapes.
      const bad = /\\u0000|\\ud[89ab][0-9a-f]{2}(?!\\ud[c-f])|(?<!\\ud[89ab][0-9a-f]{2})\\ud[c-f][0-9a-f]{2}/i.test(text);
      assert.equal(findUnrepresentable(v, 'body') !== null, bad, text);
    }), params);
    const deep = JSON.parse(`${'['.repeat(100_000)}"\\u0000"${']'.repeat(100_000)}`);
    assert.match(findUnrepresentable(deep, 'body') ?? '', /^body\[0\]/);
  });
});
