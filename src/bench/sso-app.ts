// The relying party the benchmark's `mac browse` round trips sign in to: authorization code with PKCE
// (RFC 7636, S256), state and nonce; the code redeemed (client_secret_basic, or as a public client) and the ID token
// verified (jose, against the provider's JWKS) before the claims are answered as JSON. Hand-written
// because the benchmark ships with the package and openid-client is a test-only dependency.

import { createHash, randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { createRemoteJWKSet, jwtVerify } from 'jose';

export interface BenchApp {
  url: string;
  redirectUri: string;
  close(): Promise<void>;
}

interface Discovery { issuer: string; authorization_endpoint: string; token_endpoint: string; jwks_uri: string }

const rand = () => randomBytes(24).toString('base64url');

export async function startBenchApp(o: { opIssuer: string; clientId: string; clientSecret?: string | undefined }): Promise<BenchApp> {
  const d = (await (await fetch(`${o.opIssuer}/.well-known/openid-configuration`)).json()) as Discovery;
  const jwks = createRemoteJWKSet(new URL(d.jwks_uri));
  const pending = new Map<string, { verifier: string; state: string; nonce: string }>();
  const auth: Record<string, string> = o.clientSecret ? { authorization: `Basic ${Buffer.from(`${encodeURIComponent(o.clientId)}:${encodeURIComponent(o.clientSecret)}`).toString('base64')}` } : {};
  let redirectUri = '';

  const server: Server = createServer((req, res) => {
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify(body));
    };
    void (async () => {
      const url = new URL(req.url ?? '/', redirectUri);
      if (url.pathname === '/login') {
        const id = rand();
        const p = { verifier: rand() + rand(), state: rand(), nonce: rand() };
        pending.set(id, p);
        const to = new URL(d.authorization_endpoint);
        const challenge = createHash('sha256').update(p.verifier).digest('base64url');
        for (const [k, v] of Object.entries({ client_id: o.clientId, response_type: 'code', scope: 'openid', redirect_uri: redirectUri, state: p.state, nonce: p.nonce, code_challenge: challenge, code_challenge_method: 'S256' })) to.searchParams.set(k, v);
        res.writeHead(302, { location: to.href, 'set-cookie': `bench_login=${id}; Path=/; HttpOnly` });
        return res.end();
      }
      if (url.pathname === '/callback') {
        const id = /bench_login=([^;]+)/.exec(req.headers.cookie ?? '')?.[1];
        const p = id ? pending.get(id) : undefined;
        if (!p || url.searchParams.get('state') !== p.state) return send(400, { error: 'state_mismatch' });
        pending.delete(id!);
        const code = url.searchParams.get('code');
        if (!code) return send(400, { error: url.searchParams.get('error') ?? 'no_code' });
        const r = await fetch(d.token_endpoint, {
          method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...auth },
          body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: redirectUri, code_verifier: p.verifier, ...(o.clientSecret ? {} : { client_id: o.clientId }) }).toString(),
        });
        const t = (await r.json()) as { id_token?: string; error?: string };
        if (!t.id_token) return send(400, { error: t.error ?? 'no_id_token' });
        const { payload } = await jwtVerify(t.id_token, jwks, { issuer: d.issuer, audience: o.clientId });
        if (payload.nonce !== p.nonce) return send(400, { error: 'nonce_mismatch' });
        return send(200, { claims: payload });
      }
      send(404, { error: 'not_found' });
    })().catch((e: unknown) => send(500, { error: 'app_error', error_description: e instanceof Error ? e.message : String(e) }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  redirectUri = `http://127.0.0.1:${port}/callback`;
  return {
    url: `http://127.0.0.1:${port}`, redirectUri,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
