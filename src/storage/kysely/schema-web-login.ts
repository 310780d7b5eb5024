// Row types of the web-based login tables (migration 0009_web_login), merged into DB by schema.ts.

export interface WebLoginStatesTable {
  state_hash: string;
  org_id: string;
  client_id: string;
  nonce: string;
  login_hint: string | null;
  created_at: number;
  expires_at: number;
  used_at: number | null;
}

export interface WebLoginCodesTable {
  code_hash: string;
  org_id: string;
  user_id: string;
  device_id: string | null;
  state: string;
  nonce: string | null;
  scope: string;
  client_id: string;
  /** JSON list. */
  amr: string;
  auth_time: number;
  created_at: number;
  expires_at: number;
  used_at: number | null;
}

export interface WebLoginDB {
  web_login_states: WebLoginStatesTable;
  web_login_codes: WebLoginCodesTable;
}
