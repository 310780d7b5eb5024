// Admin API test helpers: admin clients with chosen roles, tokens over HTTP, and JSON requests with a bearer.

import type { TestServer } from '../helpers/test-server.js';
import { createAdminClient } from '../../src/app/admin-api/admin-clients.js';
import type { AdminRole } from '../../src/storage/ports-access.js';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { PLATFORM_SSO_APP_ID } from '../../src/policy/app-ids.js';
import type { SignIn } from '../../src/policy/sign-in.js';

const ALICE = 'alice@demo.openpsso.test';

export const ALL_ROLES: AdminRole[] = ['Directory.Read', 'Directory.ReadWrite', 'Policy.ReadWrite', 'AuditLog.Read', 'UserAuthenticationMethod.ReadWrite'];

export async function clientWith(s: TestServer, roles: AdminRole[]): Promise<{ id: string; secret: string }> {
  const { client, secret } = await createAdminClient(s.ctx, s.orgId, `test ${roles.join(' ')}`, roles);
  return { id: client.id, secret };
}

export async function tokenFor(s: TestServer, roles: AdminRole[] = ALL_ROLES): Promise<string> {
  const c = await clientWith(s, roles);
  const res = await fetch(`${s.url}/oauth2/v2.0/token`, {
    method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: c.id, client_secret: c.secret, scope: 'https://graph.microsoft.com/.default' }),
  });
  if (res.status !== 200) throw new Error(`token: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { access_token: string }).access_token;
}

export interface Reply {
  status: number;
  body: any;
}

/** A request to the admin API; `body` as a string is sent verbatim (for garbage), otherwise as JSON. */
export async function call(s: TestServer, token: string | null, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Reply> {
  const h: Record<string, string> = { ...headers };
  if (token !== null) h.authorization = `Bearer ${token}`;
  if (body !== undefined && !('content-type' in h)) h['content-type'] = 'application/json';
  const res = await fetch(path.startsWith('http') ? path : `${s.url}${path}`, {
    method, headers: h, ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try { parsed = text ? JSON.parse(text) : null; } catch { /* keep text */ }
  return { status: res.status, body: parsed };
}

/** A sign-in log row (non-interactive Platform SSO login by alice unless overridden); `code` 50076 gets the per-user MFA source. */
export function signInRow(o: Partial<SignIn> & { at: number; code?: number }): SignIn {
  const { at, code = 0, ...rest } = o;
  return {
    id: randomUUID(), createdDateTime: new Date(at).toISOString().replace(/\.\d{3}Z$/, 'Z'), userId: 'usr_x', userPrincipalName: ALICE, userDisplayName: 'Alice',
    appId: PLATFORM_SSO_APP_ID, appDisplayName: 'OpenPSSO Platform SSO', ipAddress: '203.0.113.5', clientAppUsed: 'Mobile Apps and Desktop clients',
    isInteractive: false, correlationId: randomUUID(), status: { errorCode: code, failureReason: code ? 'MFA required' : null, additionalDetails: null },
    conditionalAccessStatus: 'notApplied', appliedConditionalAccessPolicies: [], authenticationRequirement: code ? 'multiFactorAuthentication' : 'singleFactorAuthentication',
    authenticationRequirementSource: code === 50076 ? 'perUserMfa' : null,
    deviceDetail: { deviceId: null, displayName: null, operatingSystem: null, isCompliant: null, isManaged: null, trustType: null }, ...rest,
  };
}

/** The admin API's OpenAPI document, which lists every route (the openapi test keeps it honest). */
export const openapi = JSON.parse(readFileSync('docs/openapi.json', 'utf8')) as { openapi: string; paths: Record<string, Record<string, unknown>> };
