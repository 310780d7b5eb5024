// Conditional access policies, named locations and security defaults for the admin API and CLI, validated with the policy schemas (entra-mdm.md §3.6-§3.8).

import type { AppContext } from '../context.js';
import { PssoError } from '../../errors/psso-error.js';
import {
  parseConditionalAccessPolicyInput, parseNamedLocationInput, type ValidationIssue,
} from '../../policy/schemas.js';
import { applicationReferenceIssues, policiesUsingLocation, policyReferenceIssues } from '../../policy/policy-references.js';
import type { ConditionalAccessPolicy, NamedLocation } from '../../policy/types.js';
import { newId } from '../ids.js';

const nowIso = (ctx: AppContext) => new Date(ctx.clock.now()).toISOString().replace(/\.\d{3}Z$/, 'Z');
/** Ids a caller may choose (e.g. restoring an exported policy); anything else gets a fresh id. */
const CLIENT_ID = /^[A-Za-z0-9_-]{1,100}$/;

function invalid(issues: ValidationIssue[]): PssoError {
  return new PssoError('invalid_policy', issues.slice(0, 10).map((i) => `${i.path || '(body)'}: ${i.message}`).join('; '));
}

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** PATCH semantics: objects merge key by key, arrays and scalars replace, null clears. */
export function mergePatch(base: unknown, patch: unknown): unknown {
  if (!isPlainObject(base) || !isPlainObject(patch)) return patch;
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(patch)) out[k] = isPlainObject(v) && isPlainObject(base[k]) ? mergePatch(base[k], v) : v;
  return out;
}

function requireObject(body: unknown): Record<string, unknown> {
  if (!isPlainObject(body)) throw new PssoError('invalid_policy', '(body): expected a JSON object');
  return body;
}

// ---- conditional access policies

async function validatePolicy(ctx: AppContext, orgId: string, input: unknown) {
  const r = parseConditionalAccessPolicyInput(input);
  if (!r.ok) throw invalid(r.issues);
  const refs = policyReferenceIssues(r.value, await ctx.store.namedLocations.list(orgId));
  if (refs.length > 0) throw invalid(refs);
  const apps = applicationReferenceIssues(r.value, await ctx.store.applications.list(orgId));
  if (apps.length > 0) throw new PssoError('policy_unknown_application', apps.slice(0, 10).map((i) => `${i.path}: ${i.message}`).join('; '));
  return r.value;
}

export async function getPolicy(ctx: AppContext, orgId: string, id: string): Promise<ConditionalAccessPolicy> {
  const p = await ctx.store.policies.get(orgId, id);
  if (!p) throw new PssoError('resource_not_found', `conditional access policy ${id.slice(0, 200)}`);
  return p;
}

export async function createPolicy(ctx: AppContext, orgId: string, body: unknown): Promise<ConditionalAccessPolicy> {
  const v = await validatePolicy(ctx, orgId, requireObject(body));
  const now = nowIso(ctx);
  const { id: wanted, ...rest } = v;
  const policy: ConditionalAccessPolicy = { ...rest, id: wanted && CLIENT_ID.test(wanted) ? wanted : newId('pol'), createdDateTime: now, modifiedDateTime: now };
  await ctx.store.policies.create(orgId, policy);
  return policy;
}

export async function updatePolicy(ctx: AppContext, orgId: string, id: string, patch: unknown): Promise<ConditionalAccessPolicy> {
  const existing = await getPolicy(ctx, orgId, id);
  const body = requireObject(patch);
  if (body.id !== undefined && body.id !== id) throw new PssoError('invalid_policy', 'id: cannot be changed');
  const v = await validatePolicy(ctx, orgId, mergePatch(existing, body));
  const { id: _ignored, ...rest } = v;
  const policy: ConditionalAccessPolicy = { ...rest, id, createdDateTime: existing.createdDateTime ?? nowIso(ctx), modifiedDateTime: nowIso(ctx) };
  if (!(await ctx.store.policies.replace(orgId, policy))) throw new PssoError('resource_not_found', `conditional access policy ${id}`);
  return policy;
}

export async function deletePolicy(ctx: AppContext, orgId: string, id: string): Promise<void> {
  if (!(await ctx.store.policies.delete(orgId, id))) throw new PssoError('resource_not_found', `conditional access policy ${id.slice(0, 200)}`);
}

// ---- named locations

async function validateLocation(input: unknown) {
  const r = parseNamedLocationInput(input);
  if (!r.ok) throw invalid(r.issues);
  return r.value;
}

export async function getNamedLocation(ctx: AppContext, orgId: string, id: string): Promise<NamedLocation> {
  const l = await ctx.store.namedLocations.get(orgId, id);
  if (!l) throw new PssoError('resource_not_found', `named location ${id.slice(0, 200)}`);
  return l;
}

export async function createNamedLocation(ctx: AppContext, orgId: string, body: unknown): Promise<NamedLocation> {
  const v = await validateLocation(requireObject(body));
  const now = nowIso(ctx);
  const { id: wanted, ...rest } = v;
  const loc: NamedLocation = { ...rest, '@odata.type': '#microsoft.graph.ipNamedLocation', id: wanted && CLIENT_ID.test(wanted) ? wanted : newId('nl'), createdDateTime: now, modifiedDateTime: now };
  await ctx.store.namedLocations.create(orgId, loc);
  return loc;
}

export async function updateNamedLocation(ctx: AppContext, orgId: string, id: string, patch: unknown): Promise<NamedLocation> {
  const existing = await getNamedLocation(ctx, orgId, id);
  const body = requireObject(patch);
  if (body.id !== undefined && body.id !== id) throw new PssoError('invalid_policy', 'id: cannot be changed');
  const { id: _ignored, ...rest } = await validateLocation(mergePatch(existing, body));
  const loc: NamedLocation = { ...rest, '@odata.type': '#microsoft.graph.ipNamedLocation', id, createdDateTime: existing.createdDateTime ?? nowIso(ctx), modifiedDateTime: nowIso(ctx) };
  if (!(await ctx.store.namedLocations.replace(orgId, loc))) throw new PssoError('resource_not_found', `named location ${id}`);
  return loc;
}

/** Refused while a policy names the location, as Entra does: deleting it would silently change what the policy covers. */
export async function deleteNamedLocation(ctx: AppContext, orgId: string, id: string): Promise<void> {
  await getNamedLocation(ctx, orgId, id);
  const users = policiesUsingLocation(id, await ctx.store.policies.list(orgId));
  if (users.length > 0) throw new PssoError('conflict', `named location ${id} is used by ${users.map((p) => `"${p.displayName}"`).join(', ')}`);
  await ctx.store.namedLocations.delete(orgId, id);
}

// ---- security defaults (identitySecurityDefaultsEnforcementPolicy)

export const SECURITY_DEFAULTS_ID = '00000000-0000-0000-0000-000000000005';

export async function getSecurityDefaults(ctx: AppContext, orgId: string): Promise<Record<string, unknown>> {
  const s = await ctx.store.orgSettings.get(orgId);
  return {
    id: SECURITY_DEFAULTS_ID, displayName: 'Security Defaults',
    description: 'Security defaults is a set of basic identity security mechanisms; it cannot be combined with conditional access.',
    isEnabled: s.securityDefaultsEnabled,
  };
}

export async function setSecurityDefaults(ctx: AppContext, orgId: string, body: unknown): Promise<void> {
  const b = isPlainObject(body) ? body : null;
  const extra = b ? Object.keys(b).filter((k) => k !== 'isEnabled' && !k.startsWith('@odata.')) : [];
  if (!b || typeof b.isEnabled !== 'boolean' || extra.length > 0) {
    throw new PssoError('malformed_request', extra.length > 0 ? `unknown field(s) ${extra.join(', ')}` : 'expected {"isEnabled": true|false}');
  }
  const s = await ctx.store.orgSettings.get(orgId);
  await ctx.store.orgSettings.put({ ...s, securityDefaultsEnabled: b.isEnabled });
}
