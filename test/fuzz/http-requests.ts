// fast-check generators for the HTTP fuzz: one request shape per endpoint family. A shape may name
// live values ({user}, {device}, a fresh nonce, a session cookie) that http-send.ts fills in.

import fc from 'fast-check';
import { anyJson, anyText, filterText, jwsLike, unstorableText } from './arbitraries.js';

export type Family = 'discovery' | 'psso-nonce' | 'psso-token' | 'psso-mutated' | 'registration' | 'signin-api' | 'signin-pages' | 'admin-token' | 'graph';

/** Placeholders http-send.ts replaces with real values of the running server. */
export type Live = '{user}' | '{group}' | '{device}' | '{policy}' | '{location}' | '{signin}' | '{upn}';

/** A path id: a live value, text to percent-encode, or raw (possibly broken) escapes. */
export type IdPart = Live | { text: string } | { raw: string };

export interface Shape {
  family: Family;
  method: string;
  path: string | { template: string; ids: IdPart[] };
  query?: [string, string][];
  headers: Record<string, string>;
  body?: string | { json: unknown } | { bytes: number[] } | { form: [string, string][] };
  /** Authorization to use: a live credential or a literal header value. */
  auth?: 'admin' | 'registration' | 'basic-admin' | { raw: string };
  /** Get a page session first and send its cookie and CSRF token. */
  pageSession?: boolean;
  /** A valid, signed PSSO request with these edits (needs a fresh nonce). */
  psso?: PssoEdits;
  /** Fresh device keys in a valid registration body, then these edits. */
  register?: { kind: 'device' | 'user'; edits: Edit[] };
}

export interface Edit { target: string; name: string; value: unknown }
export interface PssoEdits { kind: 'login' | 'refresh' | 'key_request' | 'key_exchange'; edits: Edit[]; version: '1.0' | '2.0' | null; field: 'assertion' | 'request' }

/** Header values fetch can send: printable ASCII (NUL and controls never pass Node's parser anyway). */
const headerText = fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 60 });
/** Mostly the content type the endpoint expects, so most requests get past it to the parsers. */
const contentType = (expected: string) => fc.oneof(
  { weight: 12, arbitrary: fc.constant(expected) },
  fc.constant(''),
  fc.constantFrom('application/json', 'application/x-www-form-urlencoded', 'text/plain', 'application/json; charset=utf-8',
    'application/x-www-form-urlencoded; charset=latin1', 'multipart/form-data; boundary=x', 'application/jwt', 'APPLICATION/JSON', ';;;', 'application/json;'),
  headerText,
);
const extraHeaders = fc.dictionary(fc.constantFrom('client-request-id', 'user-agent', 'cookie', 'x-csrf-token', 'accept', 'x-forwarded-for'), headerText, { maxKeys: 2 });

const form = fc.array(fc.tuple(anyText, anyText), { maxLength: 5 });
const anyBody = fc.oneof(
  anyText,
  anyJson.map((json) => ({ json })),
  form.map((f) => ({ form: f })),
  fc.uint8Array({ maxLength: 200 }).map((b) => ({ bytes: [...b] })),
  fc.constantFrom('{', '[[[[[', `${'['.repeat(5000)}${']'.repeat(5000)}`, '{"__proto__":{"x":1}}', '{"a":1,"a":2}', '\u0000', 'null', '""'),
);

const JSON_CT = 'application/json';
const FORM_CT = 'application/x-www-form-urlencoded';
const withHeaders = <T extends object>(expected: string, a: fc.Arbitrary<T>) => fc.tuple(a, contentType(expected), extraHeaders).map(([s, ct, h]) => ({ ...s, headers: { ...h, ...(ct ? { 'content-type': ct } : {}) } }));

/** A path segment: a live id, random text (percent-encoded by the sender) or raw escapes. */
const idSegment = (live: Live) => fc.oneof(
  { weight: 3, arbitrary: fc.constant(live) },
  { weight: 3, arbitrary: anyText.map((t) => ({ text: t })) },
  fc.constantFrom('%00', '%zz', '%E0%A4%A', '%ED%A0%80', '..', '%2e%2e', '%2F', 'x'.repeat(1200), '', ' ').map((raw) => ({ raw })),
);

const discovery = withHeaders(JSON_CT, fc.record({
  family: fc.constant<Family>('discovery'),
  method: fc.constantFrom('GET', 'GET', 'HEAD', 'POST', 'OPTIONS', 'PUT', 'DELETE'),
  path: fc.constantFrom('/.well-known/openid-configuration', '/.well-known/jwks.json', '/.well-known/apple-app-site-association', '/', '/.well-known/', '/psso', '/%00', '/%zz'),
  query: fc.array(fc.tuple(anyText, anyText), { maxLength: 3 }),
}));

const pssoForm = fc.array(fc.oneof(
  fc.tuple(fc.constantFrom('grant_type'), fc.oneof(fc.constantFrom('srv_challenge', 'urn:ietf:params:oauth:grant-type:jwt-bearer', 'refresh_token', 'password'), anyText)),
  fc.tuple(fc.constantFrom('assertion', 'request'), jwsLike),
  fc.tuple(fc.constantFrom('platform_sso_version'), fc.oneof(fc.constantFrom('1.0', '2.0'), anyText)),
  fc.tuple(anyText, anyText),
), { maxLength: 5 });

const pssoNonce = withHeaders(FORM_CT, fc.record({
  family: fc.constant<Family>('psso-nonce'), method: fc.constantFrom('POST', 'POST', 'GET'), path: fc.constantFrom('/psso/nonce', '/psso/token'),
  body: fc.oneof({ weight: 3, arbitrary: pssoForm.map((f) => ({ form: f })) }, anyBody),
}));

const pssoToken = withHeaders(FORM_CT, fc.record({
  family: fc.constant<Family>('psso-token'), method: fc.constant('POST'), path: fc.constant('/psso/token'),
  body: fc.oneof({ weight: 4, arbitrary: pssoForm.map((f) => ({ form: f })) }, anyBody),
}));

const claimNames = fc.constantFrom('iss', 'aud', 'iat', 'exp', 'nonce', 'request_nonce', 'grant_type', 'username', 'password', 'assertion', 'refresh_token',
  'scope', 'client_id', 'jwe_crypto', 'sub', 'claims', 'request_type', 'key_purpose', 'other_publickey', 'key_context');
const pssoEdit = fc.record({
  target: fc.constantFrom('claims', 'claims', 'header', 'jwe_crypto'),
  name: fc.oneof({ weight: 4, arbitrary: claimNames }, fc.constantFrom('typ', 'alg', 'kid', 'crit', 'apv', 'enc'), anyText),
  value: fc.oneof(anyJson, fc.constant(undefined), unstorableText, fc.constantFrom('alice@demo.openpsso.test', 'bob@demo.openpsso.test', 'openpsso-macos', 'user_unlock')),
});
const pssoMutated = fc.record({
  family: fc.constant<Family>('psso-mutated'), method: fc.constant('POST'), path: fc.constant('/psso/token'),
  headers: fc.constant({ 'content-type': 'application/x-www-form-urlencoded' }),
  psso: fc.record({
    kind: fc.constantFrom('login', 'login', 'refresh', 'key_request', 'key_exchange'),
    edits: fc.array(pssoEdit, { maxLength: 3 }),
    version: fc.constantFrom('1.0', '2.0', null),
    field: fc.constantFrom('assertion', 'request'),
  }),
});

const regEdit = (names: string[]) => fc.record({ target: fc.constant('body'), name: fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...names) }, anyText), value: fc.oneof(anyJson, fc.constant(undefined), unstorableText) });
const regAuth = fc.oneof({ weight: 6, arbitrary: fc.constant('registration' as const) }, fc.constant('admin' as const), headerText.map((raw) => ({ raw })),
  fc.constantFrom('Bearer ', 'Bearer rgt.x', 'Basic Og==').map((raw) => ({ raw })));
const deviceEdits = fc.array(regEdit(['deviceUuid', 'signingKey', 'encryptionKey', 'signingKeyId', 'encryptionKeyId', 'sharedDeviceKeys']), { maxLength: 2 });
const userEdits = fc.array(regEdit(['userPrincipalName', 'method', 'password', 'userKey', 'userKeyId', 'certificate']), { maxLength: 2 });
const registration = withHeaders(JSON_CT, fc.oneof(
  // A valid body with fresh keys (or the demo user) and up to two fields changed.
  fc.record({ family: fc.constant<Family>('registration'), method: fc.constant('POST'), path: fc.constant('/api/v1/devices'), auth: regAuth,
    register: fc.record({ kind: fc.constant<'device'>('device'), edits: deviceEdits }) }),
  fc.record({ family: fc.constant<Family>('registration'), method: fc.constant('POST'), path: idSegment('{device}').map((id) => ({ template: '/api/v1/devices/{0}/users', ids: [id] })),
    auth: regAuth, register: fc.record({ kind: fc.constant<'user'>('user'), edits: userEdits }) }),
  // Anything at all, on any registration path.
  fc.record({ family: fc.constant<Family>('registration'), method: fc.constantFrom('POST', 'POST', 'GET', 'PUT'),
    path: fc.oneof(fc.constant('/api/v1/devices'), idSegment('{device}').map((id) => ({ template: '/api/v1/devices/{0}/users', ids: [id] })), fc.constant('/register')),
    auth: regAuth, body: anyBody }),
));

const signinKeys = fc.constantFrom('username', 'password', 'sign_in_session', 'totp_code', 'temporary_access_pass', 'passkey', 'response');
const signinApi = withHeaders(JSON_CT, fc.record({
  family: fc.constant<Family>('signin-api'), method: fc.constantFrom('POST', 'POST', 'POST', 'GET'),
  path: fc.constantFrom('/api/v1/signin', '/api/v1/signin/mfa', '/api/v1/signin/mfa/passkey/options', '/api/v1/signin/enroll/totp', '/api/v1/signin/enroll/passkey/options', '/api/v1/signin/enroll/passkey'),
  body: fc.oneof(
    { weight: 3, arbitrary: fc.dictionary(signinKeys, fc.oneof(anyJson, fc.constantFrom('alice@demo.openpsso.test', 'x'))).map((json) => ({ json })) },
    // Well-formed but for one value no database can hold: it must be refused before any query.
    fc.tuple(unstorableText, fc.boolean()).map(([bad, inName]) => ({ json: inName ? { username: bad, password: 'x' } : { username: 'alice@demo.openpsso.test', password: bad } })),
    anyBody,
  ),
}));

const signinPages = withHeaders(FORM_CT, fc.record({
  family: fc.constant<Family>('signin-pages'), method: fc.constantFrom('GET', 'POST', 'POST'),
  path: fc.constantFrom('/signin', '/signin/username', '/signin/password', '/signin/mfa', '/signin/enroll', '/signin/done', '/signin/mfa/totp', '/signin/mfa/tap',
    '/signin/mfa/passkey/options', '/signin/mfa/passkey', '/signin/enroll/totp', '/signin/enroll/passkey/options', '/signin/enroll/passkey', '/signin/enroll/skip'),
  query: fc.array(fc.tuple(fc.oneof(fc.constantFrom('redirect_uri', 'login_hint'), anyText), fc.oneof(fc.constantFrom('openpsso-extension://done', 'http://127.0.0.1:1/cb', 'javascript:alert(1)'), anyText)), { maxLength: 2 }),
  pageSession: fc.boolean(),
  body: fc.option(fc.oneof(fc.array(fc.tuple(fc.constantFrom('username', 'password', 'code', 'csrf', 'response'), anyText)).map((f) => ({ form: f })), anyBody), { nil: undefined }),
}, { requiredKeys: ['family', 'method', 'path', 'pageSession'] }));

const basicRaw = fc.oneof(
  anyText.map((t) => `Basic ${Buffer.from(t, 'utf8').toString('base64')}`),
  fc.tuple(anyText, anyText).map(([a, b]) => `Basic ${Buffer.from(`${a}:${b}`, 'utf8').toString('base64')}`),
  fc.constantFrom('abc%zz:x', '%:%', 'a%00:b', '%E0%A4%A:x', ':', 'a:', ':b', 'x%2').map((t) => `Basic ${Buffer.from(t).toString('base64')}`),
  headerText.map((t) => `Basic ${t}`), headerText, fc.constantFrom('Basic', 'Basic ', 'basic Og==', 'Bearer x', 'Basic ====', 'Basic !!!'),
);
const adminToken = withHeaders(FORM_CT, fc.record({
  family: fc.constant<Family>('admin-token'), method: fc.constant('POST'), path: fc.constant('/oauth2/v2.0/token'),
  auth: fc.oneof(basicRaw.map((raw) => ({ raw })), fc.constant('basic-admin' as const)),
  body: fc.oneof({ weight: 3, arbitrary: fc.array(fc.oneof(
    fc.tuple(fc.constant('grant_type'), fc.oneof(fc.constant('client_credentials'), anyText)),
    fc.tuple(fc.constantFrom('client_id', 'client_secret', 'scope'), anyText),
  ), { maxLength: 4 }).map((f) => ({ form: [['grant_type', 'client_credentials'] as [string, string], ...f] })) }, anyBody),
}));

const graphTemplates: [string, Live | null][] = [
  ['/users', null], ['/users/{0}', '{user}'], ['/users/{0}/memberOf', '{user}'], ['/users/{0}/transitiveMemberOf', '{user}'], ['/users/{0}/authentication/requirements', '{user}'],
  ['/users/{0}', '{upn}'], ['/groups', null], ['/groups/{0}', '{group}'], ['/groups/{0}/members', '{group}'], ['/groups/{0}/transitiveMembers', '{group}'],
  ['/devices', null], ['/devices/{0}', '{device}'], ['/devices/{0}/registeredUsers', '{device}'],
  ['/identity/conditionalAccess/policies', null], ['/identity/conditionalAccess/policies/{0}', '{policy}'],
  ['/identity/conditionalAccess/namedLocations', null], ['/identity/conditionalAccess/namedLocations/{0}', '{location}'],
  ['/policies/identitySecurityDefaultsEnforcementPolicy', null], ['/auditLogs/signIns', null], ['/auditLogs/signIns/{0}', '{signin}'],
  ['/reports/authenticationMethods/userRegistrationDetails', null], ['/nope/{0}', '{user}'],
];
const graphQuery = fc.array(fc.oneof(
  { weight: 3, arbitrary: fc.tuple(fc.constant('$filter'), filterText) },
  fc.tuple(fc.constant('$top'), fc.oneof(fc.integer().map(String), anyText, fc.constantFrom('0', '1', '999999999', '1e3', '-0', '00001'))),
  fc.tuple(fc.constant('$skiptoken'), fc.oneof(anyText, anyJson.map((v) => Buffer.from(JSON.stringify(v) ?? '').toString('base64url')))),
  fc.tuple(fc.constantFrom('$select', '$orderby', '$count', '$expand', '$search'), anyText),
  fc.tuple(anyText, anyText),
), { maxLength: 2 });
const graphBody = fc.oneof(
  { weight: 3, arbitrary: fc.record({
    displayName: fc.oneof(anyText, anyJson), state: fc.oneof(fc.constantFrom('enabled', 'disabled', 'enabledForReportingButNotEnforced'), anyJson),
    conditions: fc.oneof(anyJson, fc.record({ users: fc.dictionary(fc.constantFrom('includeUsers', 'excludeUsers', 'includeGroups', 'excludeGroups'), fc.array(fc.oneof(anyText, fc.constant('All')), { maxLength: 2 })), applications: fc.record({ includeApplications: fc.array(fc.oneof(anyText, fc.constant('All')), { maxLength: 2 }) }) })),
    grantControls: fc.oneof(anyJson, fc.record({ operator: fc.constantFrom('OR', 'AND', 'XOR'), builtInControls: fc.array(fc.constantFrom('mfa', 'block', 'compliantDevice', 'x'), { maxLength: 2 }) })),
    ipRanges: fc.array(fc.record({ '@odata.type': fc.constantFrom('#microsoft.graph.iPv4CidrRange', '#microsoft.graph.iPv6CidrRange', 'x'), cidrAddress: fc.oneof(anyText, fc.constantFrom('10.0.0.0/8', '::/0', '1.2.3.4/33', '999.1.1.1/8')) }), { maxLength: 2 }),
    perUserMfaState: fc.oneof(fc.constantFrom('disabled', 'enabled', 'enforced'), anyJson),
    isEnabled: anyJson, id: anyText,
  }, { requiredKeys: [] }).map((json) => ({ json })) },
  anyBody,
);
const graph = withHeaders(JSON_CT, fc.record({
  family: fc.constant<Family>('graph'), method: fc.constantFrom('GET', 'GET', 'GET', 'GET', 'POST', 'PATCH', 'PATCH', 'DELETE', 'PUT'),
  prefix: fc.constantFrom('/v1.0', '/beta'),
  template: fc.constantFrom(...graphTemplates),
  id: fc.oneof(fc.constant(null), idSegment('{user}')),
  query: graphQuery,
  auth: fc.oneof({ weight: 9, arbitrary: fc.constant('admin' as const) }, headerText.map((raw) => ({ raw: `Bearer ${raw}` }))),
  body: fc.option(graphBody, { nil: undefined }),
}, { requiredKeys: ['family', 'method', 'prefix', 'template', 'id', 'query', 'auth'] }).map(({ prefix, template, id, ...rest }) => {
  const [t, live] = template;
  return { ...rest, path: { template: `${prefix}${t}`, ids: live ? [id === null || id === '{user}' ? live : id] : [] } };
}));

/** Valid admin reads with one value no database can hold, in a path id or a $filter literal. */
const graphUnstorable = fc.record({
  family: fc.constant<Family>('graph'), method: fc.constantFrom('GET', 'PATCH', 'DELETE'),
  headers: fc.constant({ 'content-type': 'application/json' }), auth: fc.constant('admin' as const),
  where: fc.constantFrom('id', 'filter'), bad: unstorableText, prefix: fc.constantFrom('/v1.0', '/beta'),
  template: fc.constantFrom('/users/{0}', '/groups/{0}/members', '/devices/{0}', '/identity/conditionalAccess/policies/{0}', '/auditLogs/signIns/{0}'),
  field: fc.constantFrom('userPrincipalName', 'correlationId', 'userId', 'appId', 'ipAddress'),
}).map(({ where, bad, prefix, template, field, ...rest }) => where === 'id'
  ? { ...rest, path: { template: `${prefix}${template}`, ids: [{ text: bad }] }, ...(rest.method === 'PATCH' ? { body: { json: { displayName: 'x' } } } : {}) }
  : { ...rest, method: 'GET', path: `${prefix}/auditLogs/signIns`, query: [['$filter', `${field} eq '${bad.replace(/'/g, "''")}'`]] as [string, string][] });

/** Shares of the request budget per family (the registration and token families cost the most server time). */
export const FAMILIES: [Family, number, fc.Arbitrary<unknown>][] = [
  ['discovery', 6, discovery], ['psso-nonce', 6, pssoNonce], ['psso-token', 14, pssoToken], ['psso-mutated', 12, pssoMutated],
  ['registration', 14, registration], ['signin-api', 10, signinApi], ['signin-pages', 10, signinPages], ['admin-token', 10, adminToken], ['graph', 14, graph], ['graph', 4, graphUnstorable],
];
