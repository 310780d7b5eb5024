// Row types of the database tables as Kysely sees them, shared by the SQLite and PostgreSQL adapters.
// Columns are snake_case; times are epoch millis (bigint, parsed back to number on PostgreSQL);
// booleans are integer 0/1 and string arrays are JSON text so one schema works on both engines.
import type { AccessDB } from './schema-access.js';
import type { OidcArtefactsTable } from './schema-oidc.js';
import type { WebLoginDB } from './schema-web-login.js';

export interface OrganisationsTable {
  id: string;
  name: string;
  created_at: number;
}

export interface UsersTable {
  id: string;
  org_id: string;
  user_principal_name: string;
  /** Normalised (NFC, lower-case in JS) login name; see migrations.ts for why not lower() in SQL. */
  upn_key: string;
  display_name: string;
  email: string | null;
  password_hash: string | null;
  enabled: number;
  per_user_mfa_state: string;
  password_changed_at: number | null;
  created_at: number;
  updated_at: number;
}

export interface GroupsTable {
  id: string;
  org_id: string;
  display_name: string;
  description: string | null;
  created_at: number;
}

export interface GroupMembersTable {
  group_id: string;
  user_id: string;
}

export interface DevicesTable {
  id: string;
  org_id: string;
  device_uuid: string;
  signing_key: Uint8Array;
  signing_kid: string;
  encryption_key: Uint8Array;
  encryption_kid: string;
  shared_device_keys: number;
  status: string;
  registered_via: string;
  registered_by_user_id: string | null;
  created_at: number;
  updated_at: number;
  revoked_at: number | null;
  serial_number: string | null;
  udid: string | null;
  sep_os_version: string | null;
  attested_at: number | null;
  attestation_root: string | null;
}

export interface UserRegistrationsTable {
  id: string;
  device_id: string;
  user_id: string;
  method: string;
  user_key: Uint8Array | null;
  user_kid: string | null;
  certificate: Uint8Array | null;
  certificate_thumbprint: string | null;
  mfa_verified: number;
  created_at: number;
  updated_at: number;
}

export interface NoncesTable {
  value: string;
  expires_at: number;
  used_at: number | null;
  created_at: number;
  bound_to: string | null;
}

export interface RefreshTokensTable {
  id: string;
  token_hash: string;
  user_id: string;
  device_id: string;
  auth_time: number;
  amr: string;
  created_at: number;
  expires_at: number;
  revoked_at: number | null;
  replaced_by_id: string | null;
  /** Migration 0004. Null only on a row written by a server from before it: that row is its own family. */
  family_id: string | null;
  grace_used_at: number | null;
}

export interface UnlockKeysTable {
  id: string;
  user_id: string;
  device_id: string;
  purpose: string;
  public_key: Uint8Array;
  sealed_private_key: Uint8Array;
  certificate: Uint8Array;
  created_at: number;
}

export interface ServerKeysTable {
  kid: string;
  use: string;
  alg: string;
  public_jwk: string;
  sealed_private_jwk: Uint8Array;
  status: string;
  created_at: number;
  retired_at: number | null;
}

export interface RegistrationTokensTable {
  id: string;
  org_id: string;
  token_hash: string;
  description: string;
  created_at: number;
  expires_at: number | null;
  revoked_at: number | null;
}

export interface BearerTokensTable {
  id: string;
  token_hash: string;
  user_id: string;
  scopes: string;
  amr: string;
  created_at: number;
  expires_at: number;
  revoked_at: number | null;
}

/** Migration 0006. `name` is lower-case ASCII (IDNA A-label). */
export interface OrganisationDomainsTable {
  org_id: string;
  name: string;
  is_default: number;
  created_at: number;
}

/** Migration 0006. */
export interface DirectoryRoleAssignmentsTable {
  org_id: string;
  user_id: string;
  role: string;
  created_at: number;
}

/** Migration 0008. Lists and the JWKS are JSON text; booleans 0/1. */
export interface ApplicationsTable {
  id: string;
  org_id: string;
  app_id: string;
  display_name: string;
  client_type: string;
  token_endpoint_auth_method: string;
  redirect_uris: string;
  post_logout_redirect_uris: string;
  grant_types: string;
  jwks: string | null;
  sealed_secret: Uint8Array | null;
  secret_key_id: string | null;
  secret_hint: string | null;
  secret_created_at: number | null;
  released_claims: string;
  enabled: number;
  created_at: number;
  modified_at: number;
}

export interface DB extends AccessDB, WebLoginDB {
  oidc_artefacts: OidcArtefactsTable;
  applications: ApplicationsTable;
  organisations: OrganisationsTable;
  organisation_domains: OrganisationDomainsTable;
  directory_role_assignments: DirectoryRoleAssignmentsTable;
  users: UsersTable;
  groups: GroupsTable;
  group_members: GroupMembersTable;
  devices: DevicesTable;
  user_registrations: UserRegistrationsTable;
  nonces: NoncesTable;
  refresh_tokens: RefreshTokensTable;
  unlock_keys: UnlockKeysTable;
  server_keys: ServerKeysTable;
  registration_tokens: RegistrationTokensTable;
  bearer_tokens: BearerTokensTable;
}
