// Builds the doctor's Graph client from the command line: a remote OpenPSSO server or a Microsoft Entra tenant.

import { readFileSync } from 'node:fs';
import { ClientCredentialsTokenProvider, entraTokenUrl, GraphClient, GRAPH_BASE, ENTRA_LOGIN_BASE } from '../graph/index.js';

export interface ServerTarget {
  server: string;
  clientId: string;
  clientSecret: string;
}

export interface EntraTarget {
  tenant: string;
  clientId: string;
  clientSecret?: string;
  certificateFile?: string;
  keyFile?: string;
  /** Overrides for sovereign clouds and tests. */
  loginUrl?: string;
  graphUrl?: string;
}

/** OpenPSSO's admin API: the token endpoint sits beside the Graph paths, at the path Entra uses. */
export function serverGraphClient(t: ServerTarget, fetchFn?: typeof fetch): GraphClient {
  const base = t.server.replace(/\/+$/, '');
  if (!/^https?:\/\//.test(base)) throw new Error(`--server must be an http(s) URL, got '${t.server}'`);
  const tokens = new ClientCredentialsTokenProvider({
    tokenUrl: `${base}/oauth2/v2.0/token`, clientId: t.clientId, clientSecret: t.clientSecret, ...(fetchFn ? { fetch: fetchFn } : {}),
  });
  return new GraphClient({ baseUrl: base, tokens, ...(fetchFn ? { fetch: fetchFn } : {}) });
}

export function entraGraphClient(t: EntraTarget, fetchFn?: typeof fetch): GraphClient {
  const usingCert = t.certificateFile !== undefined || t.keyFile !== undefined;
  if (usingCert === (t.clientSecret !== undefined)) throw new Error('give either --client-secret or --certificate with --key');
  if (usingCert && (!t.certificateFile || !t.keyFile)) throw new Error('--certificate and --key go together');
  const tokens = new ClientCredentialsTokenProvider({
    tokenUrl: entraTokenUrl(t.tenant, t.loginUrl ?? ENTRA_LOGIN_BASE),
    clientId: t.clientId,
    ...(usingCert
      ? { certificate: { certificatePem: readFileSync(t.certificateFile!, 'utf8'), privateKeyPem: readFileSync(t.keyFile!, 'utf8') } }
      : { clientSecret: t.clientSecret! }),
    ...(fetchFn ? { fetch: fetchFn } : {}),
  });
  return new GraphClient({ baseUrl: t.graphUrl ?? GRAPH_BASE, tokens, ...(fetchFn ? { fetch: fetchFn } : {}) });
}
