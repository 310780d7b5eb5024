// Apps (issue 9 item 2): register, change and delete the OIDC clients the OpenID Provider serves,
// with the client secret generated here, shown once and sealed under the master key at rest.

import { randomBytes, randomUUID } from 'node:crypto';
import { PssoError } from '../errors/psso-error.js';
import { policiesUsingApplication } from '../policy/policy-references.js';
import type { ApplicationRecord } from '../storage/ports-apps.js';
import type { Store } from '../storage/ports.js';
import { checkApplicationFields, defaultAuthMethod, newApplicationFields, usesSecret, type ApplicationFields, type ApplicationInput } from './application-rules.js';
import type { AppContext } from './context.js';
import { newId } from './ids.js';
import { isUioClientId, uioApplication } from './uio/oidc-client.js';

export type { ApplicationInput } from './application-rules.js';

/** The sealed secret is bound to its app, so it cannot be pasted onto another app's row. */
export const applicationSecretAad = (id: string): string => `application-secret:${id}`;

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const isGuid = (s: string): boolean => GUID.test(s);

export interface ApplicationResult {
  app: ApplicationRecord;
  /** The new client secret, present only when one was generated now: it is never shown again. */
  clientSecret?: string;
}

interface NewSecret { clientSecret: string; sealedSecret: Uint8Array; secretKeyId: string; secretHint: string; secretCreatedAt: number }

/** 256 random bits, base64url: safe in HTTP Basic after form-encoding and in a form body alike. */
function newClientSecret(ctx: AppContext, appObjectId: string): NewSecret {
  const clientSecret = randomBytes(32).toString('base64url');
  return {
    clientSecret,
    sealedSecret: ctx.master.seal(Buffer.from(clientSecret, 'utf8'), applicationSecretAad(appObjectId)),
    secretKeyId: randomUUID(), secretHint: clientSecret.slice(0, 3), secretCreatedAt: ctx.clock.now(),
  };
}

const NO_SECRET = { sealedSecret: null, secretKeyId: null, secretHint: null, secretCreatedAt: null } as const;

/** Registers an app; a confidential client with a secret method gets its secret in the result, once. */
export async function createApplication(ctx: AppContext, orgId: string, input: ApplicationInput): Promise<ApplicationResult> {
  const fields = newApplicationFields(input);
  const id = newId('app');
  const now = ctx.clock.now();
  const secret = usesSecret(fields.tokenEndpointAuthMethod) ? newClientSecret(ctx, id) : null;
  const { clientSecret, ...stored } = secret ?? { clientSecret: undefined, ...NO_SECRET };
  const app: ApplicationRecord = { id, orgId, appId: randomUUID(), ...fields, ...stored, createdAt: now, modifiedAt: now };
  await ctx.store.applications.create(app);
  return clientSecret === undefined ? { app } : { app, clientSecret };
}

/** The app by object id or client_id (appId), within the organisation; resource_not_found otherwise. */
export async function requireApplication(store: Store, orgId: string, idOrAppId: string): Promise<ApplicationRecord> {
  const app = isGuid(idOrAppId) ? await store.applications.getByAppId(idOrAppId) : await store.applications.get(orgId, idOrAppId);
  if (!app || app.orgId !== orgId) throw new PssoError('resource_not_found', `no app ${idOrAppId}`);
  return app;
}

/** As requireApplication, also accepting the app's display name when exactly one app has it (the CLI). */
export async function findApplication(store: Store, orgId: string, ref: string): Promise<ApplicationRecord> {
  if (isGuid(ref) || ref.startsWith('app_')) return requireApplication(store, orgId, ref);
  const named = (await store.applications.list(orgId)).filter((a) => a.displayName.toLowerCase() === ref.trim().toLowerCase());
  if (named.length === 1) return named[0]!;
  throw new PssoError('resource_not_found', named.length === 0 ? `no app named ${ref}` : `${named.length} apps are named ${ref}; use the client id: ${named.map((a) => a.appId).join(', ')}`);
}

/**
 * Changes an app. Moving to a secret method from one without a secret generates one (returned once);
 * moving away from secrets drops the stored one, so no credential outlives its method.
 */
export async function updateApplication(ctx: AppContext, orgId: string, idOrAppId: string, patch: Partial<ApplicationFields>): Promise<ApplicationResult> {
  return ctx.store.transaction(async (tx) => {
    const app = await requireApplication(tx, orgId, idOrAppId);
    const clientType = patch.clientType ?? app.clientType;
    // A client type change without a method picks that type's default rather than keeping a method it cannot use.
    const typeChanged = clientType !== app.clientType;
    const method = patch.tokenEndpointAuthMethod
      ?? (typeChanged ? defaultAuthMethod(clientType, (patch.jwks ?? app.jwks) !== null && clientType === 'confidential') : app.tokenEndpointAuthMethod);
    // Keys outlive a method change only into private_key_jwt; otherwise they would be refused as unused.
    const jwks = patch.jwks !== undefined ? patch.jwks : method === 'private_key_jwt' ? app.jwks : null;
    const fields = checkApplicationFields({
      displayName: patch.displayName ?? app.displayName, clientType, tokenEndpointAuthMethod: method,
      redirectUris: patch.redirectUris ?? app.redirectUris, postLogoutRedirectUris: patch.postLogoutRedirectUris ?? app.postLogoutRedirectUris,
      grantTypes: patch.grantTypes ?? app.grantTypes, jwks, releasedClaims: patch.releasedClaims ?? app.releasedClaims,
      enabled: patch.enabled ?? app.enabled,
    });
    let clientSecret: string | undefined;
    // Only the secret's own fields: spreading the whole old record here would undo every other change.
    let secretFields: Pick<ApplicationRecord, 'sealedSecret' | 'secretKeyId' | 'secretHint' | 'secretCreatedAt'> = {
      sealedSecret: app.sealedSecret, secretKeyId: app.secretKeyId, secretHint: app.secretHint, secretCreatedAt: app.secretCreatedAt,
    };
    if (!usesSecret(fields.tokenEndpointAuthMethod)) secretFields = NO_SECRET;
    else if (app.sealedSecret === null) ({ clientSecret, ...secretFields } = newClientSecret(ctx, app.id));
    const next: ApplicationRecord = { ...app, ...fields, ...secretFields, modifiedAt: ctx.clock.now() };
    if (!(await tx.applications.replace(next))) throw new PssoError('resource_not_found', `no app ${idOrAppId}`);
    return clientSecret === undefined ? { app: next } : { app: next, clientSecret };
  });
}

/**
 * Replaces the app's client secret with a new one, returned once. An app holds one secret at a
 * time: the old one stops working at once (docs/apps.md says how to rotate without downtime).
 */
export async function rotateSecret(ctx: AppContext, orgId: string, idOrAppId: string): Promise<Required<ApplicationResult>> {
  return ctx.store.transaction(async (tx) => {
    const app = await requireApplication(tx, orgId, idOrAppId);
    if (app.clientType === 'public') throw new PssoError('public_client_credentials', `${app.displayName} is a public client`);
    if (!usesSecret(app.tokenEndpointAuthMethod)) {
      throw new PssoError('invalid_application', `tokenEndpointAuthMethod: ${app.displayName} authenticates with ${app.tokenEndpointAuthMethod}; change it to client_secret_basic or client_secret_post to use a secret`);
    }
    const { clientSecret, ...secretFields } = newClientSecret(ctx, app.id);
    const next: ApplicationRecord = { ...app, ...secretFields, modifiedAt: ctx.clock.now() };
    await tx.applications.replace(next);
    return { app: next, clientSecret };
  });
}

/** Removes the secret with `keyId` (Graph removePassword); the app cannot authenticate until it gets a new one. */
export async function removeSecret(ctx: AppContext, orgId: string, idOrAppId: string, keyId: string): Promise<ApplicationRecord> {
  return ctx.store.transaction(async (tx) => {
    const app = await requireApplication(tx, orgId, idOrAppId);
    if (app.secretKeyId === null || app.secretKeyId.toLowerCase() !== keyId.toLowerCase()) {
      throw new PssoError('application_credential_not_found', `keyId ${keyId}`);
    }
    const next: ApplicationRecord = { ...app, ...NO_SECRET, modifiedAt: ctx.clock.now() };
    await tx.applications.replace(next);
    return next;
  });
}

/**
 * Deletes an app. Refused while a conditional access policy names it: deleting it would silently
 * widen an exclusion or empty an inclusion, changing who must do MFA without anyone saying so.
 */
export async function deleteApplication(ctx: AppContext, orgId: string, idOrAppId: string): Promise<ApplicationRecord> {
  return ctx.store.transaction(async (tx) => {
    const app = await requireApplication(tx, orgId, idOrAppId);
    const using = policiesUsingApplication(app.appId, await tx.policies.list(orgId));
    if (using.length > 0) {
      throw new PssoError('application_in_use', `${app.displayName} is named by ${using.map((p) => `'${p.displayName}' (${p.id})`).join(', ')}`);
    }
    await tx.applications.delete(orgId, app.id);
    return app;
  });
}

/** The app's client secret in clear, for the OpenID Provider's client authentication; null when it has none. */
export function clientSecretOf(ctx: AppContext, app: ApplicationRecord): string | null {
  if (app.sealedSecret === null) return null;
  return ctx.master.unseal(app.sealedSecret, applicationSecretAad(app.id)).toString('utf8');
}

/** The app a client_id names, across organisations; null for an unknown id or one that is not a GUID. */
export async function findApplicationByClientId(ctx: AppContext, clientId: string): Promise<ApplicationRecord | null> {
  // The UiO dialect's built-in public client (its id is the extension's, not a GUID).
  if (isUioClientId(ctx, clientId)) return uioApplication(ctx);
  if (!isGuid(clientId)) return null;
  return ctx.store.applications.getByAppId(clientId);
}

/** appId → display name of the organisation's registered apps, for policy checks, what-if and traces. */
export async function registeredAppNames(store: Store, orgId: string): Promise<Map<string, string>> {
  return new Map((await store.applications.list(orgId)).map((a) => [a.appId, a.displayName]));
}
