// The OpenID Provider section of `openpsso bench`: authorization code + token throughput. Each
// worker signs in once on the pages (its OpenID Provider session), then runs code flows back to back
// as a web app's users would on their next visits: authorize (session reused, conditional access
// evaluated again) → code on the redirect → token exchange with client_secret_basic through the
// credential guard. Latency is per flow and per token request; figures are printed, never asserted.

import { createHash, randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { CookieJar, formsOf, webRequest, type WebResponse } from '../mac/web-view.js';
import { summarise, type LatencySummary } from './stats.js';

export interface CodeFlowFigures {
  users: number;
  flows: number;
  errors: number;
  seconds: number;
  /** Completed authorize + token flows per wall second. */
  perSecond: number;
  /** HTTP requests per flow (authorize and its redirects, then the token request). */
  requestsPerFlow: number;
  flow: LatencySummary;
  token: LatencySummary;
  firstError?: string;
}

export interface CodeFlowSetup {
  opIssuer: string;
  clientId: string;
  clientSecret: string;
  users: string[];
  password: string;
  durationMs: number;
  warmupMs: number;
}

/** Where the app would receive the code; never requested (loopback matches any port, RFC 8252 §7.3). */
const REDIRECT = 'http://127.0.0.1:9/callback';
const rand = () => randomBytes(24).toString('base64url');

interface Discovery { authorization_endpoint: string; token_endpoint: string }

class Worker {
  readonly jar = new CookieJar();
  requests = 0;
  constructor(private readonly d: Discovery, private readonly o: CodeFlowSetup, private readonly user: string) {}

  private get(url: string, form?: Record<string, string>): Promise<WebResponse> {
    this.requests++;
    return webRequest(fetch, this.jar, url, { nowMs: Date.now(), ...(form ? { form } : {}) });
  }

  /** Authorize until the redirect to the app; answers the sign-in pages when they are shown (first flow only). */
  async code(): Promise<{ code: string; verifier: string }> {
    const verifier = rand() + rand();
    const state = rand();
    const q = new URLSearchParams({
      client_id: this.o.clientId, response_type: 'code', scope: 'openid', redirect_uri: REDIRECT, state, nonce: rand(),
      code_challenge: createHash('sha256').update(verifier).digest('base64url'), code_challenge_method: 'S256',
    });
    let r = await this.get(`${this.d.authorization_endpoint}?${q}`);
    for (let i = 0; i < 20; i++) {
      if (r.location?.startsWith(REDIRECT)) {
        const cb = new URL(r.location);
        const code = cb.searchParams.get('code');
        if (!code || cb.searchParams.get('state') !== state) throw new Error(`no code on the redirect: ${r.location}`);
        return { code, verifier };
      }
      if (r.location) { r = await this.get(new URL(r.location, r.url).href); continue; }
      const page = new URL(r.url).pathname;
      const form = formsOf(r.text).find((f) => f.method === 'post');
      if (r.status !== 200 || !form) throw new Error(`${r.status} at ${page}: ${r.text.slice(0, 200)}`);
      const values: Record<string, string> | null = page === '/signin/username' ? { username: this.user } : page === '/signin/password' ? { password: this.o.password } : null;
      if (!values) throw new Error(`the page ${page} asks for more than a password`);
      r = await this.get(new URL(form.action, r.url).href, { ...form.fields, ...values });
    }
    throw new Error('too many redirects');
  }

  async token(code: string, verifier: string): Promise<void> {
    this.requests++;
    const res = await fetch(this.d.token_endpoint, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`${encodeURIComponent(this.o.clientId)}:${encodeURIComponent(this.o.clientSecret)}`).toString('base64')}`,
      },
      body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT, code_verifier: verifier }).toString(),
    });
    const body = (await res.json()) as Record<string, unknown>;
    if (res.status !== 200 || typeof body.id_token !== 'string' || typeof body.access_token !== 'string') {
      throw new Error(`token ${res.status}: ${JSON.stringify(body).slice(0, 200)}`);
    }
  }
}

export async function benchCodeFlow(o: CodeFlowSetup): Promise<CodeFlowFigures> {
  const d = (await (await fetch(`${o.opIssuer}/.well-known/openid-configuration`)).json()) as Discovery;
  const workers = o.users.map((u) => new Worker(d, o, u));
  // The first flow of each worker goes through the pages (argon2id): one at a time, not measured.
  for (const w of workers) { const c = await w.code(); await w.token(c.code, c.verifier); }
  const start = performance.now();
  const measureFrom = start + o.warmupMs;
  const end = measureFrom + o.durationMs;
  const flows: number[] = [];
  const tokens: number[] = [];
  let errors = 0;
  let firstError: string | undefined;
  let requests = 0;
  await Promise.all(workers.map(async (w) => {
    while (performance.now() < end) {
      const t0 = performance.now();
      const before = w.requests;
      let tTok = 0;
      let ok = false;
      try {
        const c = await w.code();
        const t1 = performance.now();
        await w.token(c.code, c.verifier);
        tTok = performance.now() - t1;
        ok = true;
      } catch (e) {
        firstError ??= e instanceof Error ? e.message : String(e);
      }
      const t2 = performance.now();
      if (t0 < measureFrom || t2 > end) continue;
      requests += w.requests - before;
      if (ok) { flows.push(t2 - t0); tokens.push(tTok); } else errors++;
    }
  }));
  const seconds = o.durationMs / 1000;
  return {
    users: workers.length, flows: flows.length, errors, seconds, perSecond: flows.length / seconds,
    requestsPerFlow: flows.length + errors > 0 ? requests / (flows.length + errors) : 0,
    flow: summarise(flows), token: summarise(tokens), ...(firstError ? { firstError } : {}),
  };
}

export function renderCodeFlow(f: CodeFlowFigures): string {
  const ms = (x: number) => x.toFixed(2);
  return [
    `OpenID Provider: authorization code + token, ${f.users} signed-in users back to back, ${f.seconds} s measured`,
    '(authorize with the provider session -> conditional access for the app -> code -> token request with client_secret_basic through the credential guard):',
    `  ${f.flows} flows, ${f.errors} errors, ${f.perSecond.toFixed(1)} per second; flow p50 ${ms(f.flow.p50)} ms, p99 ${ms(f.flow.p99)} ms; token request p50 ${ms(f.token.p50)} ms, p99 ${ms(f.token.p99)} ms; ${f.requestsPerFlow.toFixed(1)} requests per flow`,
    ...(f.firstError ? [`  first error: ${f.firstError}`] : []),
  ].join('\n');
}
