// Shared fuzz set-up: the fixed seed and run counts (overridable for a long run), and fast-check
// generators for the hostile text, JWS-like tokens and filters both fuzz suites send.

import fc from 'fast-check';
import { b64uEncode } from '../../src/protocol/base64.js';

/** Fixed so that every run of `npm test` sends the same inputs; change it to explore elsewhere. */
export const FUZZ_SEED = Number(process.env.OPENPSSO_FUZZ_SEED ?? 20261207);
/** HTTP requests per back end (`npm run fuzz` raises it); property runs scale with it. */
export const HTTP_RUNS = Number(process.env.OPENPSSO_FUZZ_RUNS ?? 2400);
export const PROPERTY_RUNS = Math.max(300, Math.round(HTTP_RUNS / 5));

/** Characters that break parsers: separators, quotes, escapes, NUL, controls, surrogates, RTL marks. */
const nasty = fc.constantFrom(
  '\u0000', '\u0001', '\u001f', '\u007f', '\ud800', '\udfff', '\ud83d\ude00', '\u202e', '\ufeff', '\uffff', 'é', '\n', '\r\n',
  '%', '%00', '%zz', '%E0%A4%A', '+', '.', ',', ':', ';', '=', '&', '?', '#', '/', '\\', "'", "''", '"', '(', ')', '[', ']', '{', '}',
  ' ', '\t', '$', '@', '*', '<', '>', '-', '_', '0', '-1', '1e999', 'NaN', 'null', 'true', '__proto__', 'constructor',
);

/** Any text: ordinary, full Unicode, single UTF-16 units (lone surrogates included), and nasty pieces. */
export const anyText: fc.Arbitrary<string> = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)), maxLength: 20 }),
  fc.array(fc.oneof(nasty, fc.string({ maxLength: 5 })), { maxLength: 8 }).map((a) => a.join('')),
);

/** A JSON value with hostile strings, numbers at the edges and some nesting. */
export const anyJson: fc.Arbitrary<unknown> = fc.letrec<{ v: unknown }>((tie) => ({
  v: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    anyText, fc.integer(), fc.double(), fc.boolean(), fc.constant(null),
    fc.constantFrom(0, -1, 2 ** 31, 2 ** 53, -(2 ** 63), 1e308, 1.5),
    fc.array(tie('v'), { maxLength: 4 }),
    fc.dictionary(anyText, tie('v'), { maxKeys: 4 }),
  ),
})).v;

/** Plausible text with one character no database field can hold (NUL, a lone surrogate) inside. */
export const unstorableText: fc.Arbitrary<string> = fc.tuple(fc.string({ maxLength: 12 }), fc.constantFrom('\u0000', '\ud800', '\udfff', '\u0000\u0000'), fc.string({ maxLength: 12 }))
  .map(([a, bad, b]) => `${a}${bad}${b}`);

export const b64uOfJson = (v: unknown) => b64uEncode(Buffer.from(JSON.stringify(v) ?? 'null'));

/** Something shaped like a compact JWS or JWE: segments of base64url JSON, base64url bytes or junk. */
export const jwsLike: fc.Arbitrary<string> = fc.array(
  fc.oneof(
    anyJson.map(b64uOfJson),
    fc.dictionary(fc.constantFrom('alg', 'typ', 'kid', 'enc', 'epk', 'apu', 'apv', 'crit', 'x5c'), anyJson, { maxKeys: 5 }).map(b64uOfJson),
    fc.uint8Array({ maxLength: 80 }).map((b) => b64uEncode(b)),
    anyText,
    fc.constant(''),
  ),
  { minLength: 1, maxLength: 6 },
).map((parts) => parts.join('.'));

/** Sign-in log $filter text, built from the grammar's pieces so many inputs get past the tokenizer. */
const filterField = fc.constantFrom('status/errorCode', 'createdDateTime', 'userPrincipalName', 'userId', 'appId', 'correlationId', 'isInteractive',
  'conditionalAccessStatus', 'authenticationRequirement', 'id', 'ipAddress', 'nope', 'status', 'STATUS/ERRORCODE', '');
const filterOp = fc.constantFrom('eq', 'ne', 'gt', 'ge', 'lt', 'le', 'EQ', 'has', 'in', 'startswith', '');
const filterValue = fc.oneof(
  anyText.map((t) => `'${t.replace(/'/g, "''")}'`), anyText.map((t) => `'${t}'`), anyText,
  fc.integer().map(String), fc.double().map(String), fc.constantFrom('true', 'false', 'null', '2026-11-21T07:00:00Z', '2026-13-45T99:99:99Z', '9'.repeat(40)),
);
const filterTerm = fc.tuple(filterField, filterOp, filterValue).map(([f, o, v]) => `${f} ${o} ${v}`);
export const filterText: fc.Arbitrary<string> = fc.oneof(
  anyText,
  fc.array(fc.tuple(filterTerm, fc.constantFrom(' and ', ' or ', ' AND ', ' ', ') or (', '(', ')')), { minLength: 1, maxLength: 5 })
    .map((xs) => xs.map(([t, j]) => `${t}${j}`).join('')),
  fc.integer({ min: 1, max: 300 }).map((n) => `${'('.repeat(n)}id eq 'x'${')'.repeat(n)}`),
);
