// What `doctor --mac-ready` asks of each dialect, as data (extensions.md §2.3, §3.3, §4.4; the native
// paths from OpenPSSO's discovery document): where the JWKS and nonce live, the nonce's reply key,
// and harmless probes of the other paths (an empty form must be refused with a 4xx, never a 404).

import { EXTENSIONS, type ExtensionName } from '../profile/extensions.js';

export type DialectName = ExtensionName | 'native';

export interface Probe {
  readonly method: 'GET' | 'POST';
  /** Relative to the dialect's base URL (which ends with '/'). */
  readonly path: string;
  readonly what: string;
  /** A body to send: an empty form or an empty JSON object. */
  readonly body?: 'form' | 'json';
  /** The answer must be JSON (the extension or macOS parses it). */
  readonly json?: boolean;
}

export interface DialectProbes {
  readonly name: DialectName;
  readonly title: string;
  readonly jwks: string;
  /** The JWKS must hold an EC P-256 key with use "enc" and 32-byte x and y (Fleet's extension checks it). */
  readonly needsEncKey: boolean;
  readonly nonce: string;
  /** The key the OS (or the extension) reads the nonce from. */
  readonly nonceKey: 'Nonce' | 'nonce';
  /** The nonce value must be a UUID (UiO parses it as one). */
  readonly nonceIsUuid: boolean;
  readonly probes: readonly Probe[];
}

const refuse = (path: string, what: string, body: 'form' | 'json' = 'form'): Probe => ({ method: 'POST', path, what, body, json: true });

export const DIALECT_PROBES: Readonly<Record<ExtensionName, DialectProbes>> = {
  twocanoes: {
    name: 'twocanoes', title: EXTENSIONS.twocanoes.title, jwks: '.well-known/jwks.json', needsEncKey: false,
    nonce: 'nonce', nonceKey: 'Nonce', nonceIsUuid: false,
    probes: [refuse('token', 'token endpoint'), refuse('register', 'device registration', 'json')],
  },
  fleet: {
    name: 'fleet', title: EXTENSIONS.fleet.title, jwks: 'api/mdm/apple/psso/jwks', needsEncKey: true,
    nonce: 'api/mdm/apple/psso/nonce', nonceKey: 'Nonce', nonceIsUuid: false,
    probes: [refuse('api/mdm/apple/psso/token', 'token endpoint'), refuse('api/mdm/apple/psso/registration', 'device registration')],
  },
  uio: {
    name: 'uio', title: EXTENSIONS.uio.title, jwks: 'protocol/openid-connect/certs', needsEncKey: false,
    nonce: 'psso/nonce', nonceKey: 'nonce', nonceIsUuid: true,
    probes: [
      refuse('psso/token', 'PSSO token endpoint'), refuse('psso/enroll', 'device enrolment', 'json'), refuse('psso/userenroll', 'user enrolment', 'json'),
      refuse('protocol/openid-connect/token', 'OpenID token endpoint'),
      { method: 'GET', path: 'protocol/openid-connect/auth', what: 'OpenID authorization endpoint (no parameters)' },
    ],
  },
};

/** The native dialect's paths, from the discovery document's URLs (made relative to the issuer). */
export function nativeProbes(discovery: Record<string, unknown>, issuer: string): DialectProbes {
  const rel = (u: unknown, fallback: string) => (typeof u === 'string' && u.startsWith(issuer) ? u.slice(issuer.length).replace(/^\/+/, '') : fallback);
  return {
    name: 'native', title: 'OpenPSSO (native login configuration)', jwks: rel(discovery.jwks_uri, '.well-known/jwks.json'), needsEncKey: false,
    nonce: rel(discovery['openpsso:nonce_endpoint'], 'psso/nonce'), nonceKey: 'Nonce', nonceIsUuid: false,
    probes: [refuse(rel(discovery.token_endpoint, 'psso/token'), 'token endpoint')],
  };
}
