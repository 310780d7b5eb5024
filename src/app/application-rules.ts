// The rules an app registration must follow, in one place for the CLI and the admin API: names,
// client type and authentication method, redirect URIs (src/protocol/redirect-uri.ts), grant types,
// released claims and private_key_jwt keys (RFC 7523 §2.2; OAuth 2.0 Security BCP for public clients).

import { createPublicKey } from 'node:crypto';
import { PssoError } from '../errors/psso-error.js';
import { checkRedirectUri } from '../protocol/redirect-uri.js';
import type { AppGrantType, ApplicationRecord, ClientType, ReleasedClaim, TokenEndpointAuthMethod } from '../storage/ports-apps.js';

export const CLIENT_TYPES: readonly ClientType[] = ['public', 'confidential'];
export const AUTH_METHODS: readonly TokenEndpointAuthMethod[] = ['none', 'client_secret_basic', 'client_secret_post', 'private_key_jwt'];
export const GRANT_TYPES: readonly AppGrantType[] = ['authorization_code', 'refresh_token'];
export const RELEASABLE_CLAIMS: readonly ReleasedClaim[] = ['email', 'profile', 'groups'];
const MAX_URIS = 50;
const MAX_KEYS = 10;
// Members that only a private or symmetric JWK has (RFC 7518 §6.2.2, §6.3.2, §6.4).
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];

/** What an admin says about an app (the stored record's own fields); the registration as a whole, after defaults. */
export type ApplicationFields = Pick<ApplicationRecord,
  'displayName' | 'clientType' | 'tokenEndpointAuthMethod' | 'redirectUris' | 'postLogoutRedirectUris' | 'grantTypes' | 'jwks' | 'releasedClaims' | 'enabled'>;

export type ApplicationInput = Partial<ApplicationFields> & Pick<ApplicationFields, 'displayName'>;

const bad = (field: string, why: string): PssoError => new PssoError('invalid_application', `${field}: ${why}`);

/** The method an app gets when none is named: none for public clients, a secret or the given keys otherwise. */
export function defaultAuthMethod(clientType: ClientType, hasJwks: boolean): TokenEndpointAuthMethod {
  if (clientType === 'public') return 'none';
  return hasJwks ? 'private_key_jwt' : 'client_secret_basic';
}

/** Fills defaults for a new app and checks the result. */
export function newApplicationFields(input: ApplicationInput): ApplicationFields {
  const clientType = input.clientType ?? 'confidential';
  const jwks = input.jwks ?? null;
  return checkApplicationFields({
    displayName: input.displayName,
    clientType,
    tokenEndpointAuthMethod: input.tokenEndpointAuthMethod ?? defaultAuthMethod(clientType, jwks !== null),
    redirectUris: input.redirectUris ?? [],
    postLogoutRedirectUris: input.postLogoutRedirectUris ?? [],
    grantTypes: input.grantTypes ?? ['authorization_code', 'refresh_token'],
    jwks,
    releasedClaims: input.releasedClaims ?? ['email', 'profile'],
    enabled: input.enabled ?? true,
  });
}

/** Checks a whole registration; returns it with lists de-duplicated in order. Throws a catalogue error naming the field. */
export function checkApplicationFields(f: ApplicationFields): ApplicationFields {
  const name = typeof f.displayName === 'string' ? f.displayName.trim() : '';
  if (name === '' || name.length > 256 || /[\u0000-\u001f\u007f]/.test(name)) throw bad('displayName', 'must be 1 to 256 characters without control characters');
  if (!CLIENT_TYPES.includes(f.clientType)) throw bad('clientType', `must be one of ${CLIENT_TYPES.join(', ')}`);
  if (!AUTH_METHODS.includes(f.tokenEndpointAuthMethod)) throw bad('tokenEndpointAuthMethod', `must be one of ${AUTH_METHODS.join(', ')}`);
  if (f.clientType === 'public') {
    if (f.tokenEndpointAuthMethod !== 'none') throw new PssoError('public_client_credentials', `tokenEndpointAuthMethod ${f.tokenEndpointAuthMethod}: a public client uses none, with PKCE`);
    if (f.jwks !== null) throw new PssoError('public_client_credentials', 'jwks: a public client has no keys');
  } else if (f.tokenEndpointAuthMethod === 'none') {
    throw bad('tokenEndpointAuthMethod', 'a confidential client authenticates: use client_secret_basic, client_secret_post or private_key_jwt');
  }
  if (f.tokenEndpointAuthMethod === 'private_key_jwt') checkJwks(f.jwks);
  else if (f.jwks !== null && f.clientType === 'confidential') throw bad('jwks', 'keys are used only with tokenEndpointAuthMethod private_key_jwt');
  const redirectUris = checkUris('redirectUris', f.redirectUris, f.clientType);
  if (redirectUris.length === 0) throw bad('redirectUris', 'register at least one redirect URI');
  const postLogoutRedirectUris = checkUris('postLogoutRedirectUris', f.postLogoutRedirectUris, f.clientType);
  const grantTypes = subset('grantTypes', f.grantTypes, GRANT_TYPES);
  if (!grantTypes.includes('authorization_code')) throw bad('grantTypes', 'must include authorization_code (refresh_token alone cannot start a sign-in)');
  const releasedClaims = subset('releasedClaims', f.releasedClaims, RELEASABLE_CLAIMS);
  if (typeof f.enabled !== 'boolean') throw bad('enabled', 'must be true or false');
  return { ...f, displayName: name, redirectUris, postLogoutRedirectUris, grantTypes, releasedClaims };
}

/** True when the method authenticates with a client secret the server generates. */
export const usesSecret = (m: TokenEndpointAuthMethod): boolean => m === 'client_secret_basic' || m === 'client_secret_post';

function checkUris(field: string, uris: unknown, clientType: ClientType): string[] {
  if (!Array.isArray(uris) || !uris.every((u) => typeof u === 'string')) throw bad(field, 'must be a list of strings');
  if (uris.length > MAX_URIS) throw bad(field, `at most ${MAX_URIS} URIs`);
  uris.forEach((u, i) => {
    const c = checkRedirectUri(u, clientType);
    if (!c.ok) throw new PssoError('invalid_redirect_uri', `${field}[${i}] ${JSON.stringify(u)}: ${c.reason}`);
  });
  return [...new Set(uris)];
}

function subset<T extends string>(field: string, values: unknown, allowed: readonly T[]): T[] {
  if (!Array.isArray(values)) throw bad(field, `must be a list of ${allowed.join(', ')}`);
  const unknown = values.filter((v) => !allowed.includes(v as T));
  if (unknown.length > 0) throw bad(field, `${unknown.map((v) => JSON.stringify(v)).join(', ')} not supported; use ${allowed.join(', ')}`);
  return [...new Set(values as T[])];
}

function checkJwks(jwks: ApplicationFields['jwks']): void {
  if (jwks === null || typeof jwks !== 'object' || !Array.isArray(jwks.keys) || jwks.keys.length === 0) {
    throw bad('jwks', 'private_key_jwt needs a JWKS ({"keys": [...]}) with at least one public key');
  }
  if (jwks.keys.length > MAX_KEYS) throw bad('jwks', `at most ${MAX_KEYS} keys`);
  const kids = new Set<string>();
  jwks.keys.forEach((k, i) => {
    if (typeof k !== 'object' || k === null || Array.isArray(k)) throw bad(`jwks.keys[${i}]`, 'must be a JWK object');
    if (!['EC', 'RSA', 'OKP'].includes(k.kty as string)) throw bad(`jwks.keys[${i}]`, 'kty must be EC, RSA or OKP (no shared secrets)');
    const priv = PRIVATE_MEMBERS.filter((m) => m in k);
    if (priv.length > 0) throw bad(`jwks.keys[${i}]`, `holds private key material (${priv.join(', ')}); register only the public key`);
    if (typeof k.alg === 'string' && (/^HS/i.test(k.alg) || k.alg.toLowerCase() === 'none')) throw bad(`jwks.keys[${i}]`, `alg ${k.alg} is not an asymmetric signature algorithm`);
    if (k.kid !== undefined) {
      if (typeof k.kid !== 'string' || kids.has(k.kid)) throw bad(`jwks.keys[${i}]`, 'kid must be a string, unique in the set');
      kids.add(k.kid);
    }
    try {
      createPublicKey({ key: k as import('node:crypto').JsonWebKey, format: 'jwk' });
    } catch {
      throw bad(`jwks.keys[${i}]`, 'is not a valid public key');
    }
  });
}
