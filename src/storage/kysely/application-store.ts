// Application (OIDC client) store over Kysely, identical on SQLite and PostgreSQL. client_id (appId)
// is stored lower-cased, so lookups by client_id are case-insensitive like Graph's GUIDs.
import { PssoError } from '../../errors/psso-error.js';
import type { ApplicationRecord, ApplicationStore } from '../ports-apps.js';
import type { ApplicationsTable } from './schema.js';
import { fromBool, fromBytesOrNull, fromJsonList, guardWrite, toBool, toBytesOrNull, toJsonList, type Db } from './support.js';

const appKey = (appId: string): string => appId.toLowerCase();
const numOrNull = (n: number | string | null): number | null => (n === null ? null : Number(n));

function fromRow(r: ApplicationsTable): ApplicationRecord {
  return {
    id: r.id, orgId: r.org_id, appId: r.app_id, displayName: r.display_name,
    clientType: r.client_type as ApplicationRecord['clientType'],
    tokenEndpointAuthMethod: r.token_endpoint_auth_method as ApplicationRecord['tokenEndpointAuthMethod'],
    redirectUris: fromJsonList(r.redirect_uris),
    postLogoutRedirectUris: fromJsonList(r.post_logout_redirect_uris),
    grantTypes: fromJsonList(r.grant_types) as ApplicationRecord['grantTypes'],
    jwks: r.jwks === null ? null : (JSON.parse(r.jwks) as ApplicationRecord['jwks']),
    sealedSecret: fromBytesOrNull(r.sealed_secret),
    secretKeyId: r.secret_key_id, secretHint: r.secret_hint, secretCreatedAt: numOrNull(r.secret_created_at),
    releasedClaims: fromJsonList(r.released_claims) as ApplicationRecord['releasedClaims'],
    enabled: fromBool(r.enabled), createdAt: Number(r.created_at), modifiedAt: Number(r.modified_at),
  };
}

/** The columns replace() may change: everything but the identity and creation time. */
function mutable(r: ApplicationRecord) {
  return {
    display_name: r.displayName, client_type: r.clientType, token_endpoint_auth_method: r.tokenEndpointAuthMethod,
    redirect_uris: toJsonList(r.redirectUris), post_logout_redirect_uris: toJsonList(r.postLogoutRedirectUris),
    grant_types: toJsonList(r.grantTypes), jwks: r.jwks === null ? null : JSON.stringify(r.jwks),
    sealed_secret: toBytesOrNull(r.sealedSecret), secret_key_id: r.secretKeyId, secret_hint: r.secretHint,
    secret_created_at: r.secretCreatedAt, released_claims: toJsonList(r.releasedClaims),
    enabled: toBool(r.enabled), modified_at: r.modifiedAt,
  };
}

export function applicationStore(db: Db): ApplicationStore {
  return {
    async create(r) {
      const res = await guardWrite('application', () =>
        db.insertInto('applications').values({ id: r.id, org_id: r.orgId, app_id: appKey(r.appId), created_at: r.createdAt, ...mutable(r) })
          .onConflict((oc) => oc.doNothing()).executeTakeFirst());
      if (Number(res.numInsertedOrUpdatedRows ?? 0) === 0) throw new PssoError('conflict', `application ${r.id} (appId ${r.appId})`);
    },
    async get(orgId, id) {
      const r = await db.selectFrom('applications').selectAll().where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst();
      return r ? fromRow(r) : null;
    },
    async getByAppId(appId) {
      const r = await db.selectFrom('applications').selectAll().where('app_id', '=', appKey(appId)).executeTakeFirst();
      return r ? fromRow(r) : null;
    },
    async list(orgId) {
      return (await db.selectFrom('applications').selectAll().where('org_id', '=', orgId).orderBy('display_name').orderBy('id').execute()).map(fromRow);
    },
    async replace(r) {
      const res = await guardWrite('application', () =>
        db.updateTable('applications').set(mutable(r)).where('org_id', '=', r.orgId).where('id', '=', r.id).executeTakeFirst());
      return Number(res.numUpdatedRows) > 0;
    },
    async delete(orgId, id) {
      const res = await db.deleteFrom('applications').where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst();
      return Number(res.numDeletedRows) > 0;
    },
  };
}
