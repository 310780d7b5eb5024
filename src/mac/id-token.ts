// id_token checks a Mac makes on every login response: JWKS signature, nonce, iss, aud, times and groups (psso-protocol.md §5.4).

import { createLocalJWKSet, errors, jwtVerify, type JWTPayload, type JSONWebKeySet } from 'jose';
import { MacError } from './errors.js';
import type { MacHttp } from './http.js';
import type { MacState } from './state-store.js';

export interface IdTokenExpectations {
  jwksUrl: string;
  issuer: string;
  clientID: string;
  /** The device nonce (UUID) of the request this token answers; not the server nonce. */
  nonce: string;
  now: number;
  skewSeconds: number;
  /** Groups the request asked for; the token may only return a subset of them. */
  requestedGroups?: string[] | undefined;
}

type KeySet = ReturnType<typeof createLocalJWKSet>;

/** Holds the JWKS (memory, then the state cache), fetching it on first use and once more on an unknown kid. */
export class IdTokenVerifier {
  private cached: { url: string; set: KeySet } | undefined;

  constructor(private readonly http: MacHttp, private readonly state: MacState) {}

  private async keySet(url: string, refetch: boolean): Promise<KeySet> {
    if (!refetch && this.cached?.url === url) return this.cached.set;
    if (!refetch) {
      const saved = await this.state.jwks();
      if (saved?.url === url) return this.remember(url, { keys: saved.keys } as JSONWebKeySet);
    }
    const jwks = await this.http.json<JSONWebKeySet>('JWKS download', this.http.getJson(url));
    if (!jwks || !Array.isArray(jwks.keys)) throw new MacError('verification', `The JWKS at ${url} has no "keys" array.`);
    await this.state.saveJwks({ fetched: Date.now(), url, keys: jwks.keys });
    return this.remember(url, jwks);
  }

  private remember(url: string, jwks: JSONWebKeySet): KeySet {
    let set: KeySet;
    try {
      set = createLocalJWKSet(jwks);
    } catch (e) {
      throw new MacError('verification', `The JWKS at ${url} is not a valid key set: ${(e as Error).message}`);
    }
    this.cached = { url, set };
    return set;
  }

  async verify(idToken: string, x: IdTokenExpectations): Promise<JWTPayload> {
    const options = {
      algorithms: ['ES256', 'RS256'], issuer: x.issuer, audience: x.clientID,
      currentDate: new Date(x.now), clockTolerance: x.skewSeconds,
    };
    let payload: JWTPayload;
    try {
      try {
        payload = (await jwtVerify(idToken, await this.keySet(x.jwksUrl, false), options)).payload;
      } catch (e) {
        // A rotated signing key: the Mac refreshes its JWKS copy once before giving up.
        if (!(e instanceof errors.JWKSNoMatchingKey)) throw e;
        payload = (await jwtVerify(idToken, await this.keySet(x.jwksUrl, true), options)).payload;
      }
    } catch (e) {
      throw plainWords(e, x);
    }
    checkClaims(payload, x);
    return payload;
  }
}

function plainWords(e: unknown, x: IdTokenExpectations): MacError {
  if (e instanceof MacError) return e;
  const bad = (m: string) => new MacError('verification', `The id_token was rejected: ${m}`, { cause: e });
  if (e instanceof errors.JWKSNoMatchingKey) return bad(`its signing key (kid) is not in the JWKS at ${x.jwksUrl}, even after downloading it again.`);
  if (e instanceof errors.JWSSignatureVerificationFailed) return bad('the signature does not verify with the key the JWKS publishes.');
  if (e instanceof errors.JOSEAlgNotAllowed) return bad('it is signed with an algorithm other than ES256 or RS256.');
  if (e instanceof errors.JWTExpired) return bad('it has expired (exp is in the past). Check the clocks of the Mac and the server.');
  if (e instanceof errors.JWTClaimValidationFailed) {
    if (e.claim === 'iss') return bad(`its issuer (iss) is not "${x.issuer}", the issuer in the login configuration.`);
    if (e.claim === 'aud') return bad(`its audience (aud) does not contain the client id "${x.clientID}".`);
    if (e.claim === 'nbf') return bad('it is not valid yet (nbf is in the future). Check the clocks.');
    return bad(`claim ${e.claim}: ${e.message}`);
  }
  return bad(e instanceof Error ? e.message : String(e));
}

function checkClaims(p: JWTPayload, x: IdTokenExpectations): void {
  const bad = (m: string) => new MacError('verification', `The id_token was rejected: ${m}`);
  if (p.nonce !== x.nonce) throw bad(`its nonce (${String(p.nonce)}) is not the nonce this Mac sent (${x.nonce}); it may be a replayed response.`);
  if (typeof p.iat !== 'number') throw bad('it has no iat.');
  if (p.iat > x.now / 1000 + x.skewSeconds) throw bad('it was issued in the future (iat). Check the clocks of the Mac and the server.');
  if (typeof p.exp !== 'number') throw bad('it has no exp.');
  if (Array.isArray(p.aud) && p.aud.length > 1 && p.azp !== x.clientID) throw bad(`it has several audiences but azp is not "${x.clientID}".`);
  if (p.groups !== undefined) {
    if (!Array.isArray(p.groups) || p.groups.some((g) => typeof g !== 'string')) throw bad('groups is not an array of group names.');
  }
}

/**
 * Group membership after a login: returned groups are added and requested-but-not-returned ones
 * removed; groups the Mac did not ask for are ignored, as macOS ignores groups outside the profile.
 */
export function groupsAfterLogin(requested: string[] | undefined, returned: unknown): string[] | undefined {
  if (!requested || requested.length === 0) return undefined;
  const got = new Set(Array.isArray(returned) ? returned.filter((g): g is string => typeof g === 'string') : []);
  return requested.filter((g) => got.has(g));
}
