// The SSO section of `openpsso bench`: registered virtual Macs run `mac browse` round trips back to
// back against a relying party (bench/sso-app.ts): app login → authorize with a fresh session proof
// (its nonce fetched first) → code → token exchange → ID token verified → claims. Latency is the whole
// round trip as the Mac sees it; figures are printed, never asserted.

import { performance } from 'node:perf_hooks';
import { VirtualMac } from '../mac/agent.js';
import { browse } from '../mac/browse.js';
import { summarise, type LatencySummary } from './stats.js';
import { startBenchApp } from './sso-app.js';

export interface SsoBenchFigures {
  macs: number;
  flows: number;
  errors: number;
  seconds: number;
  /** Successful round trips per wall second. */
  perSecond: number;
  /** HTTP requests the Mac made per round trip (nonce and the app's code exchange not counted). */
  requestsPerFlow: number;
  latency: LatencySummary;
  firstError?: string;
}

export interface SsoBenchSetup {
  issuer: string;
  registrationToken: string;
  opIssuer: string;
  clientId: string;
  /** Absent: a public client (PKCE only). */
  clientSecret?: string | undefined;
  /** One user per Mac, all with `password`. */
  users: string[];
  password: string;
  durationMs: number;
  warmupMs: number;
}

export async function benchSsoBrowse(o: SsoBenchSetup): Promise<SsoBenchFigures> {
  const app = await startBenchApp({ opIssuer: o.opIssuer, clientId: o.clientId, clientSecret: o.clientSecret });
  try {
    const macs = o.users.map(() => VirtualMac.inMemory({ scryptCost: 1024 }));
    // One at a time: each registration checks the password (argon2id), and the server bounds how many run at once.
    for (const [i, m] of macs.entries()) await m.register({ server: o.issuer, token: o.registrationToken, user: o.users[i]!, method: 'password', password: o.password });
    // Round trips that start in the warm-up (key caches, connections) are not counted.
    const authorizeUrl = (await fetch(`${o.opIssuer}/.well-known/openid-configuration`).then((r) => r.json()) as { authorization_endpoint: string }).authorization_endpoint;
    const start = performance.now();
    const measureFrom = start + o.warmupMs;
    const end = measureFrom + o.durationMs;
    const latencies: number[] = [];
    let errors = 0;
    let requests = 0;
    let firstError: string | undefined;
    await Promise.all(macs.map(async (mac) => {
      while (performance.now() < end) {
        const t0 = performance.now();
        let ok = false;
        try {
          const r = await browse(mac, { url: `${app.url}/login`, authorizeUrl });
          ok = r.ok && r.silent && r.proofsSent === 1;
          if (!ok) firstError ??= r.refusal ? `${r.refusal.code ?? r.refusal.status} ${r.refusal.title}` : `not silent: ${JSON.stringify(r.claims ?? r.pages)}`;
          if (t0 >= measureFrom) requests += r.steps.length;
        } catch (e) {
          firstError ??= e instanceof Error ? e.message : String(e);
        }
        const t1 = performance.now();
        if (t0 < measureFrom || t1 > end) continue;
        if (ok) latencies.push(t1 - t0);
        else errors++;
      }
    }));
    const seconds = o.durationMs / 1000;
    const flows = latencies.length;
    return {
      macs: macs.length, flows, errors, seconds, perSecond: flows / seconds, requestsPerFlow: flows + errors > 0 ? requests / (flows + errors) : 0,
      latency: summarise(latencies), ...(firstError ? { firstError } : {}),
    };
  } finally {
    await app.close();
  }
}

export function renderSsoBench(f: SsoBenchFigures): string {
  const ms = (x: number) => x.toFixed(2);
  return [
    `SSO from the Mac: \`mac browse\` round trips, ${f.macs} registered Macs back to back, ${f.seconds} s measured`,
    '(app login -> authorize with a fresh session proof, its nonce fetched first -> code -> token exchange by the app -> ID token verified -> claims):',
    `  ${f.flows} silent sign-ins, ${f.errors} errors, ${f.perSecond.toFixed(1)} per second; p50 ${ms(f.latency.p50)} ms, p90 ${ms(f.latency.p90)} ms, p99 ${ms(f.latency.p99)} ms, max ${ms(f.latency.max)} ms; ${f.requestsPerFlow.toFixed(1)} browser requests per sign-in`,
    ...(f.firstError ? [`  first error: ${f.firstError}`] : []),
  ].join('\n');
}
