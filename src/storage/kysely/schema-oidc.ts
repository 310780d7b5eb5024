// Row type of the OpenID Provider's table (migration 0007_oidc_provider), merged into DB by schema.ts.

export interface OidcArtefactsTable {
  model: string;
  id: string;
  payload: string;
  grant_id: string | null;
  uid: string | null;
  user_code: string | null;
  /** Epoch millis; null when the model has no expiry. */
  expires_at: number | null;
  consumed_at: number | null;
}
