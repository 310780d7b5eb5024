// Who a Mac's request came through: the native OpenPSSO login configuration or one open SSO
// extension's dialect (extensions.md §5). The token endpoint checks and mints against this, so one
// use case serves every extension's client id, audience and id_token issuer.

import type { AppContext } from './context.js';
import { assertionAudience } from '../config/load.js';

export type DialectName = 'native' | 'twocanoes' | 'fleet' | 'uio';

export interface ClientProfile {
  dialect: DialectName;
  /** Accepted `iss`/`client_id` of device requests; the id_token `aud` echoes the one sent. */
  clientIds: readonly string[];
  /** The token endpoint URL as the extension configured it: the outer request's `aud`. */
  tokenUrl: string;
  /** The login configuration's `audience`: the `aud` of embedded assertions. */
  assertionAudience: string;
  /** The id_token `iss`, exactly as the extension saved its `issuer`. */
  idTokenIssuer: string;
  /**
   * apv labels accepted in an encrypted password assertion: macOS uses APPLEEMBEDDED, Fleet's own
   * credential check uses Apple (extensions.md §3.4).
   */
  encryptedAssertionApvLabels: readonly string[];
  /** UiO sends signKeyId/encKeyId body claims; when present they must name the stored kids (§4.3). */
  checkKeyIdClaims: boolean;
}

// Profiles follow from the configuration alone, which does not change while a context lives: each is
// built once per context, not on every token request.
const built = new WeakMap<AppContext, Map<DialectName, ClientProfile>>();

function once(ctx: AppContext, dialect: DialectName, build: () => ClientProfile): ClientProfile {
  let forCtx = built.get(ctx);
  if (!forCtx) built.set(ctx, forCtx = new Map());
  let p = forCtx.get(dialect);
  if (!p) forCtx.set(dialect, p = Object.freeze(build()));
  return p;
}

/** The profile of OpenPSSO's own login configuration (what `/api/v1/devices` hands out). */
export function nativeClient(ctx: AppContext): ClientProfile {
  return once(ctx, 'native', () => ({
    dialect: 'native',
    clientIds: [ctx.config.clientId],
    tokenUrl: ctx.urls.tokenEndpoint,
    assertionAudience: assertionAudience(ctx.config),
    idTokenIssuer: ctx.config.issuer,
    encryptedAssertionApvLabels: ['APPLEEMBEDDED'],
    checkKeyIdClaims: false,
  }));
}

/** An enabled extension's BaseURL: the issuer plus its base path (no trailing slash). */
export function dialectBaseUrl(ctx: AppContext, dialect: Exclude<DialectName, 'native'>): string {
  const path = ctx.config.extensions[dialect].basePath;
  return `${ctx.config.issuer}${path === '/' ? '' : path}`;
}

/**
 * The client profile of each extension dialect, from the configuration and extensions.md:
 * twocanoes §2.5 (client id psso, issuer = BaseURL with its slash), Fleet §3.2 (client id = the
 * bundle id, issuer and audience = the host without port), UiO §4.3 (ClientID, Audience and Issuer
 * of the profile; signKeyId/encKeyId claims).
 */
export function dialectClient(ctx: AppContext, dialect: Exclude<DialectName, 'native'>): ClientProfile {
  return once(ctx, dialect, () => buildDialectClient(ctx, dialect));
}

function buildDialectClient(ctx: AppContext, dialect: Exclude<DialectName, 'native'>): ClientProfile {
  const base = dialectBaseUrl(ctx, dialect);
  switch (dialect) {
    case 'twocanoes': {
      const c = ctx.config.extensions.twocanoes;
      return {
        dialect, clientIds: c.clientIds, tokenUrl: `${base}/token`, assertionAudience: c.clientIds[0]!,
        idTokenIssuer: c.idTokenIssuer ?? `${base}/`, encryptedAssertionApvLabels: ['APPLEEMBEDDED'], checkKeyIdClaims: false,
      };
    }
    case 'fleet': {
      const c = ctx.config.extensions.fleet;
      const host = new URL(ctx.config.issuer).hostname;
      return {
        dialect, clientIds: [c.clientId], tokenUrl: `${base}/api/mdm/apple/psso/token`, assertionAudience: c.idTokenIssuer ?? host,
        idTokenIssuer: c.idTokenIssuer ?? host, encryptedAssertionApvLabels: ['APPLEEMBEDDED', 'Apple'], checkKeyIdClaims: false,
      };
    }
    case 'uio': {
      const c = ctx.config.extensions.uio;
      return {
        dialect, clientIds: [c.clientId], tokenUrl: `${base}/psso/token`, assertionAudience: c.audience,
        idTokenIssuer: c.idTokenIssuer ?? base, encryptedAssertionApvLabels: ['APPLEEMBEDDED'], checkKeyIdClaims: true,
      };
    }
  }
}
