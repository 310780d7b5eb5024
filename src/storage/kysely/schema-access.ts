// Row types of the access-policy tables (migration 0002_access), merged into DB by schema.ts.
// Same conventions as the 0001 tables: epoch millis as bigint, booleans as 0/1, lists as JSON text.

export interface SignInLogsTable {
  org_id: string;
  id: string;
  /** The whole SignIn row as JSON: the source of truth; the columns below exist for $filter and paging. */
  data: string;
  /** Epoch millis of createdDateTime. */
  created_at: number;
  error_code: number;
  // Match keys lower-cased in JS (Graph compares these case-insensitively), never shown to callers.
  id_key: string;
  user_id: string;
  user_principal_name_key: string;
  app_id: string;
  app_display_name_key: string;
  ip_address: string;
  correlation_id: string;
  is_interactive: number;
  conditional_access_status: string;
  authentication_requirement: string;
}

/** Conditional access policies and named locations share one shape: a Graph JSON document per row. */
export interface PolicyDocumentColumns {
  org_id: string;
  id: string;
  display_name: string;
  data: string;
  /** Epoch millis of createdDateTime (or of the insert when absent), fixed at create: the list order. */
  created_at: number;
}

export interface ConditionalAccessPoliciesTable extends PolicyDocumentColumns {
  state: string;
}

export interface NamedLocationsTable extends PolicyDocumentColumns {
  is_trusted: number;
}

export interface MfaMethodsTable {
  id: string;
  user_id: string;
  kind: string;
  display_name: string;
  sealed_secret: Uint8Array | null;
  last_used_step: number | null;
  credential_id: string | null;
  public_key: Uint8Array | null;
  counter: number | null;
  transports: string;
  created_at: number;
  last_used_at: number | null;
}

export interface TemporaryAccessPassesTable {
  id: string;
  user_id: string;
  code_hash: string;
  one_time_use: number;
  created_at: number;
  expires_at: number;
  used_at: number | null;
  revoked_at: number | null;
}

export interface LockoutsTable {
  lockout_key: string;
  failures: number;
  window_start: number;
  locked_until: number | null;
  lock_count: number;
}

export interface ThrottleBucketsTable {
  bucket_key: string;
  tokens: number;
  updated_at: number;
  last_allowed: number;
}

export interface FamiliarAddressesTable {
  account_key: string;
  address_key: string;
  last_seen: number;
}

export interface AdminClientsTable {
  id: string;
  org_id: string;
  display_name: string;
  secret_hash: string;
  roles: string;
  created_at: number;
  revoked_at: number | null;
}

export interface OrgSettingsTable {
  org_id: string;
  security_defaults_enabled: number;
  sign_in_log_retention_days: number;
  lockout_threshold: number;
  lockout_seconds: number;
  attestation_mode: string;
}

export interface SignInSessionsTable {
  id: string;
  org_id: string;
  user_id: string | null;
  data: string;
  created_at: number;
  expires_at: number;
}

export interface AccessDB {
  sign_in_logs: SignInLogsTable;
  conditional_access_policies: ConditionalAccessPoliciesTable;
  named_locations: NamedLocationsTable;
  mfa_methods: MfaMethodsTable;
  temporary_access_passes: TemporaryAccessPassesTable;
  lockouts: LockoutsTable;
  throttle_buckets: ThrottleBucketsTable;
  familiar_addresses: FamiliarAddressesTable;
  admin_clients: AdminClientsTable;
  org_settings: OrgSettingsTable;
  sign_in_sessions: SignInSessionsTable;
}
