// OAuth 2.0 client-credentials token acquisition for Microsoft Graph (Entra v2.0 endpoint) and OpenPSSO's admin API, with a secret or a certificate.

import { randomUUID } from 'node:crypto';
import { buildClientAssertion, type CertificateCredential } from './client-assertion.js';
import { GraphError } from './graph-error.js';

export interface TokenProvider {
  /** A bearer token valid for at least the next minute. */
  getToken(): Promise<string>;
}

export const ENTRA_LOGIN_BASE = 'https://login.microsoftonline.com';
export const GRAPH_SCOPE = 'https://graph.microsoft.com/.default';

/** Entra's v2.0 token endpoint for a tenant; `loginBase` is overridable so tests can use a local fake. */
export function entraTokenUrl(tenant: string, loginBase = ENTRA_LOGIN_BASE): string {
  if (!/^[A-Za-z0-9.-]{1,100}$/.test(tenant)) throw new Error(`tenant must be a tenant id or domain, got '${tenant}'`);
  return `${loginBase.replace(/\/+$/, '')}/${tenant}/oauth2/v2.0/token`;
}

export interface ClientCredentialsOptions {
  tokenUrl: string;
  clientId: string;
  /** Exactly one of secret or certificate. */
  clientSecret?: string;
  certificate?: CertificateCredential;
  scope?: string;
  fetch?: typeof fetch;
  /** Epoch ms; injectable for tests. */
  now?: () => number;
}

/** Re-fetch this long before expiry, so a token never runs out in the middle of a paged read. */
const EARLY_MS = 60_000;

export class ClientCredentialsTokenProvider implements TokenProvider {
  private cached: { token: string; expiresAt: number } | null = null;
  private pending: Promise<string> | null = null;

  constructor(private readonly o: ClientCredentialsOptions) {
    if ((o.clientSecret === undefined) === (o.certificate === undefined)) throw new Error('give either a client secret or a certificate');
  }

  async getToken(): Promise<string> {
    const now = (this.o.now ?? Date.now)();
    if (this.cached && this.cached.expiresAt - EARLY_MS > now) return this.cached.token;
    // Concurrent callers share one request instead of each fetching a token.
    this.pending ??= this.fetchToken().finally(() => { this.pending = null; });
    return this.pending;
  }

  private async fetchToken(): Promise<string> {
    const form = new URLSearchParams({ grant_type: 'client_credentials', client_id: this.o.clientId, scope: this.o.scope ?? GRAPH_SCOPE });
    if (this.o.clientSecret !== undefined) form.set('client_secret', this.o.clientSecret);
    else {
      form.set('client_assertion_type', 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer');
      form.set('client_assertion', await buildClientAssertion(this.o.certificate!, this.o.clientId, this.o.tokenUrl, randomUUID(), (this.o.now ?? Date.now)()));
    }
    const res = await (this.o.fetch ?? fetch)(this.o.tokenUrl, {
      method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' }, body: form.toString(),
    });
    const text = await res.text();
    let body: Record<string, unknown> = {};
    try { body = JSON.parse(text) as Record<string, unknown>; } catch { /* reported below */ }
    if (!res.ok || typeof body.access_token !== 'string') {
      const why = typeof body.error_description === 'string' ? body.error_description : typeof body.error === 'string' ? body.error : text.slice(0, 200);
      throw new GraphError(res.status, typeof body.error === 'string' ? body.error : 'token_error', `token request to ${this.o.tokenUrl} failed: ${why}`);
    }
    const expiresIn = Number(body.expires_in);
    this.cached = { token: body.access_token, expiresAt: (this.o.now ?? Date.now)() + (Number.isFinite(expiresIn) && expiresIn > 0 ? expiresIn : 300) * 1000 };
    return body.access_token;
  }
}

/** A fixed token (tests, or a token obtained elsewhere). */
export const staticToken = (token: string): TokenProvider => ({ getToken: async () => token });
