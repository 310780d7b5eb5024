// Apps in Graph's `application` shape for the admin API and `openpsso app --json`: web and
// publicClient redirect URIs, isFallbackPublicClient, passwordCredentials without secrets, and an
// `openpsso` object for what Graph has no field for (authentication method, grant types, claims, JWKS).

import { z } from 'zod';
import { PssoError } from '../../errors/psso-error.js';
import type { ApplicationRecord } from '../../storage/ports-apps.js';
import { AUTH_METHODS, type ApplicationFields } from '../application-rules.js';

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

export const APPLICATION_PROPERTIES = [
  'id', 'appId', 'displayName', 'signInAudience', 'createdDateTime', 'isFallbackPublicClient', 'web', 'publicClient',
  'passwordCredentials', 'keyCredentials', 'openpsso',
] as const;

/** Graph passwordCredential; secretText only in the one response that created the secret. */
export function passwordCredentialOf(app: ApplicationRecord, secretText: string | null = null): Record<string, unknown> {
  return {
    keyId: app.secretKeyId, displayName: 'Client secret', hint: app.secretHint, customKeyIdentifier: null,
    startDateTime: app.secretCreatedAt === null ? null : iso(app.secretCreatedAt), endDateTime: null, secretText,
  };
}

export function toGraphApplication(app: ApplicationRecord, secretText: string | null = null): Record<string, unknown> {
  const isPublic = app.clientType === 'public';
  return {
    id: app.id, appId: app.appId, displayName: app.displayName,
    // Apps are single-tenant: one organisation's users sign in to them.
    signInAudience: 'AzureADMyOrg',
    createdDateTime: iso(app.createdAt),
    isFallbackPublicClient: isPublic,
    web: { redirectUris: isPublic ? [] : app.redirectUris },
    publicClient: { redirectUris: isPublic ? app.redirectUris : [] },
    passwordCredentials: app.secretKeyId === null ? [] : [passwordCredentialOf(app, secretText)],
    // Graph's keyCredentials are X.509 certificates; private_key_jwt keys are a JWKS, under openpsso.jwks.
    keyCredentials: [],
    openpsso: {
      clientType: app.clientType, tokenEndpointAuthMethod: app.tokenEndpointAuthMethod, grantTypes: app.grantTypes,
      releasedClaims: app.releasedClaims, postLogoutRedirectUris: app.postLogoutRedirectUris, jwks: app.jwks,
      enabled: app.enabled, modifiedDateTime: iso(app.modifiedAt),
    },
  };
}

const uris = (name: string) => z.object({ redirectUris: z.array(z.string({ error: `${name}.redirectUris must hold strings` }), { error: `${name}.redirectUris must be a list` }) }, { error: `${name} must be an object` })
  .catchall(z.unknown()).superRefine((o, c) => {
    const extra = Object.keys(o).filter((k) => k !== 'redirectUris');
    if (extra.length > 0) c.addIssue({ code: 'custom', message: `${name}: only redirectUris is supported, not ${extra.join(', ')}` });
  });

const extension = z.strictObject({
  tokenEndpointAuthMethod: z.enum(AUTH_METHODS as [string, ...string[]]).optional(),
  grantTypes: z.array(z.string()).optional(),
  releasedClaims: z.array(z.string()).optional(),
  postLogoutRedirectUris: z.array(z.string()).optional(),
  jwks: z.object({ keys: z.array(z.record(z.string(), z.unknown())) }).nullable().optional(),
  enabled: z.boolean().optional(),
}, { error: 'openpsso must be an object' });

const body = z.object({
  displayName: z.string({ error: 'displayName must be a string' }).optional(),
  signInAudience: z.literal('AzureADMyOrg', { error: "signInAudience: OpenPSSO apps are single-organisation: use 'AzureADMyOrg'" }).optional(),
  isFallbackPublicClient: z.boolean({ error: 'isFallbackPublicClient must be true or false' }).optional(),
  web: uris('web').optional(),
  publicClient: uris('publicClient').optional(),
  spa: z.unknown().refine(() => false, { message: 'spa: register a single-page app as a public client (isFallbackPublicClient true, publicClient.redirectUris)' }).optional(),
  openpsso: extension.optional(),
}, { error: 'the body must be a JSON object' }).catchall(z.unknown()).superRefine((b, c) => {
  const extra = Object.keys(b).filter((k) => !['displayName', 'signInAudience', 'isFallbackPublicClient', 'web', 'publicClient', 'spa', 'openpsso'].includes(k) && !k.startsWith('@odata.'));
  // Read-only properties a client echoes back are refused too: setting them would be ignored.
  if (extra.length > 0) c.addIssue({ code: 'custom', message: `cannot set ${extra.slice(0, 5).join(', ')}: settable are displayName, isFallbackPublicClient, web.redirectUris, publicClient.redirectUris, signInAudience and openpsso (addPassword and removePassword manage secrets)` });
});

function invalid(issues: { path: PropertyKey[]; message: string }[]): PssoError {
  return new PssoError('invalid_application', issues.slice(0, 10).map((i) => (i.path.length > 0 && !i.message.startsWith(String(i.path[0])) ? `${i.path.map(String).join('.')}: ${i.message}` : i.message)).join('; '));
}

/**
 * The fields a Graph body sets, for createApplication (no `current`) or updateApplication. The client
 * type follows isFallbackPublicClient; redirect URIs must sit under the platform matching it.
 */
export function fieldsFromGraph(input: unknown, current?: ApplicationRecord): Partial<ApplicationFields> {
  const r = body.safeParse(input);
  if (!r.success) throw invalid(r.error.issues);
  const b = r.data;
  const clientType = b.isFallbackPublicClient === undefined ? current?.clientType ?? 'confidential' : b.isFallbackPublicClient ? 'public' : 'confidential';
  const wrong = clientType === 'public' ? b.web : b.publicClient;
  if (wrong && wrong.redirectUris.length > 0) {
    throw new PssoError('invalid_application', clientType === 'public'
      ? 'web.redirectUris: a public client (isFallbackPublicClient true) lists its redirect URIs under publicClient.redirectUris'
      : 'publicClient.redirectUris: a confidential client lists its redirect URIs under web.redirectUris (set isFallbackPublicClient true for a native or single-page app)');
  }
  const listed = clientType === 'public' ? b.publicClient : b.web;
  const o = b.openpsso ?? {};
  const out: Partial<ApplicationFields> = {};
  if (b.displayName !== undefined) out.displayName = b.displayName;
  if (b.isFallbackPublicClient !== undefined) out.clientType = clientType;
  if (listed !== undefined) out.redirectUris = listed.redirectUris;
  if (o.tokenEndpointAuthMethod !== undefined) out.tokenEndpointAuthMethod = o.tokenEndpointAuthMethod as ApplicationFields['tokenEndpointAuthMethod'];
  if (o.grantTypes !== undefined) out.grantTypes = o.grantTypes as ApplicationFields['grantTypes'];
  if (o.releasedClaims !== undefined) out.releasedClaims = o.releasedClaims as ApplicationFields['releasedClaims'];
  if (o.postLogoutRedirectUris !== undefined) out.postLogoutRedirectUris = o.postLogoutRedirectUris;
  if (o.jwks !== undefined) out.jwks = o.jwks;
  if (o.enabled !== undefined) out.enabled = o.enabled;
  if (current === undefined && out.displayName === undefined) throw new PssoError('invalid_application', 'displayName: required');
  if (current !== undefined && Object.keys(out).length === 0) throw new PssoError('invalid_application', 'send at least one property to change');
  return out;
}

/** addPassword's body: Graph sends {passwordCredential: {displayName, endDateTime, ...}}; OpenPSSO secrets have neither. */
export function checkAddPasswordBody(input: unknown): void {
  if (input === undefined) return;
  const b = typeof input === 'object' && input !== null && !Array.isArray(input) ? input as Record<string, unknown> : null;
  const pc = b?.passwordCredential;
  const fields = pc !== undefined && typeof pc === 'object' && pc !== null && !Array.isArray(pc) ? Object.keys(pc) : pc === undefined ? [] : null;
  const extra = b ? Object.keys(b).filter((k) => k !== 'passwordCredential' && !k.startsWith('@odata.')) : null;
  if (fields === null || extra === null || extra.length > 0) throw new PssoError('invalid_application', 'addPassword takes {} or {"passwordCredential": {}}');
  if (fields.length > 0) {
    throw new PssoError('invalid_application', `passwordCredential.${fields[0]}: OpenPSSO keeps one unnamed secret per app that does not expire; send {} (the new secret replaces the old one)`);
  }
}

/** removePassword's body: {keyId}. */
export function keyIdOf(input: unknown): string {
  const b = typeof input === 'object' && input !== null && !Array.isArray(input) ? input as Record<string, unknown> : null;
  if (!b || typeof b.keyId !== 'string' || Object.keys(b).some((k) => k !== 'keyId' && !k.startsWith('@odata.'))) {
    throw new PssoError('invalid_application', 'removePassword takes {"keyId": "<the passwordCredential keyId>"}');
  }
  return b.keyId;
}

