// A tiny relying party on loopback, built on openid-client v6 (a real RP library): GET /login starts
// authorization code with PKCE, state and nonce; GET /callback redeems the code and answers the ID
// token's claims as JSON; an error sent back to the callback is answered as JSON too, status 400.

import { createServer, type Server } from 'node:http';
import { randomBytes } from 'node:crypto';
import * as oidc from 'openid-client';

export interface DemoApp {
  url: string;
  redirectUri: string;
  close(): Promise<void>;
}

export interface DemoAppOptions {
  /** The OpenID Provider's issuer (its discovery document is at issuer + /.well-known/openid-configuration). */
  issuer: string;
  clientId: string;
  /** Confidential client (client_secret_basic); public client with PKCE when absent. */
  clientSecret?: string;
  port: number;
  scope?: string;
}

export async function startDemoApp(o: DemoAppOptions): Promise<DemoApp> {
  const base = `http://127.0.0.1:${o.port}`;
  const redirectUri = `${base}/callback`;
  const config = await oidc.discovery(new URL(o.issuer), o.clientId, o.clientSecret, o.clientSecret ? oidc.ClientSecretBasic(o.clientSecret) : oidc.None(), {
    execute: [oidc.allowInsecureRequests],
  });
  /** Pending logins by the app's own cookie. */
  const pending = new Map<string, { verifier: string; state: string; nonce: string }>();

  const server: Server = createServer((req, res) => {
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify(body));
    };
    void (async () => {
      const url = new URL(req.url ?? '/', base);
      if (url.pathname === '/login') {
        const id = randomBytes(16).toString('base64url');
        const verifier = oidc.randomPKCECodeVerifier();
        const state = oidc.randomState();
        const nonce = oidc.randomNonce();
        pending.set(id, { verifier, state, nonce });
        const to = oidc.buildAuthorizationUrl(config, {
          redirect_uri: redirectUri, scope: o.scope ?? 'openid profile email', state, nonce,
          code_challenge: await oidc.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256',
        });
        res.writeHead(302, { location: to.href, 'set-cookie': `demo_login=${id}; Path=/; HttpOnly; SameSite=Lax` });
        return res.end();
      }
      if (url.pathname === '/callback') {
        const id = /(?:^|;\s*)demo_login=([^;]+)/.exec(req.headers.cookie ?? '')?.[1];
        const p = id ? pending.get(id) : undefined;
        if (!p) return send(400, { error: 'no_login_in_progress' });
        pending.delete(id!);
        if (url.searchParams.has('error')) {
          return send(400, { error: url.searchParams.get('error'), error_description: url.searchParams.get('error_description') });
        }
        const tokens = await oidc.authorizationCodeGrant(config, url, { pkceCodeVerifier: p.verifier, expectedState: p.state, expectedNonce: p.nonce });
        return send(200, { claims: tokens.claims(), scope: tokens.scope ?? null });
      }
      send(404, { error: 'not_found' });
    })().catch((e: unknown) => send(500, { error: 'app_error', error_description: e instanceof Error ? e.message : String(e) }));
  });
  await new Promise<void>((resolve) => server.listen(o.port, '127.0.0.1', resolve));
  return {
    url: base, redirectUri,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
