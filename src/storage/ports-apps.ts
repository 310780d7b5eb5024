// Storage port for apps (issue 9 item 2): OIDC clients the organisation registers, after Graph's
// `application`. The OpenID Provider reads clients from here by client_id (appId).

import type { Millis } from './ports.js';

export type ClientType = 'public' | 'confidential';
export type TokenEndpointAuthMethod = 'none' | 'client_secret_basic' | 'client_secret_post' | 'private_key_jwt';
export type AppGrantType = 'authorization_code' | 'refresh_token';
export type ReleasedClaim = 'email' | 'profile' | 'groups';

export interface ApplicationRecord {
  /** Object id, 'app_…' (Graph application.id). */
  id: string;
  orgId: string;
  /** The OAuth client_id: a GUID (Graph application.appId), unique across organisations. */
  appId: string;
  displayName: string;
  clientType: ClientType;
  tokenEndpointAuthMethod: TokenEndpointAuthMethod;
  /** Exact strings; loopback URIs are stored without a port (RFC 8252 §7.3: any port at runtime). */
  redirectUris: string[];
  postLogoutRedirectUris: string[];
  grantTypes: AppGrantType[];
  /** Public keys for private_key_jwt client authentication (RFC 7523), else null. */
  jwks: { keys: Record<string, unknown>[] } | null;
  /** The client secret sealed under the master key (AAD: applicationSecretAad(id)), else null. */
  sealedSecret: Uint8Array | null;
  /** Graph passwordCredential metadata of the current secret (never the secret itself). */
  secretKeyId: string | null;
  secretHint: string | null;
  secretCreatedAt: Millis | null;
  /** Subset of 'email', 'profile', 'groups' released in ID tokens and userinfo besides `sub`. */
  releasedClaims: ReleasedClaim[];
  enabled: boolean;
  createdAt: Millis;
  modifiedAt: Millis;
}

export interface ApplicationStore {
  /** A duplicate id or appId is a conflict; an unknown organisation is resource_not_found. */
  create(r: ApplicationRecord): Promise<void>;
  get(orgId: string, id: string): Promise<ApplicationRecord | null>;
  /** By client_id across organisations: the OpenID Provider knows only the client_id. */
  getByAppId(appId: string): Promise<ApplicationRecord | null>;
  /** The organisation's apps by display name, then id. */
  list(orgId: string): Promise<ApplicationRecord[]>;
  /** Replaces every mutable field (not id, orgId, appId, createdAt); false if no such app. */
  replace(r: ApplicationRecord): Promise<boolean>;
  delete(orgId: string, id: string): Promise<boolean>;
}

export interface AppStores {
  applications: ApplicationStore;
}
