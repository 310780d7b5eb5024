// HTTP fuzz of every endpoint family against a real server on loopback, on SQLite and on
// PostgreSQL: a fixed-seed list of requests (OPENPSSO_FUZZ_RUNS per back end, 2,400 by default;
// `npm run fuzz` for a long run). No answer may be a 5xx, carry a stack trace or a file path, or
// be an error without a catalogue code (JSON) or our own page (the HTML sign-in pages).

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { startTestServer } from '../helpers/test-server.js';
import { backends } from '../helpers/backends.js';
import { RawDevice } from '../helpers/raw-device.js';
import { clientWith } from '../admin/helpers.js';
import { DEMO_PASSWORD } from '../../src/app/demo.js';
import { FUZZ_SEED, HTTP_RUNS } from './arbitraries.js';
import { FAMILIES, type Shape } from './http-requests.js';
import { ALICE, sendShape, type FuzzEnv, type Sent } from './http-send.js';

/** Wall-clock budget per back end; the run stops early (and says so) rather than overrun. */
const SECONDS = Number(process.env.OPENPSSO_FUZZ_SECONDS ?? 50);
const CONCURRENCY = 8;

/** The same shapes on every run: each family's share of the budget, sampled with the fixed seed. */
function shapes(): Shape[] {
  const total = FAMILIES.reduce((n, [, w]) => n + w, 0);
  const out = FAMILIES.flatMap(([, weight, arb], i) => fc.sample(arb, { seed: FUZZ_SEED + i, numRuns: Math.max(1, Math.round((HTTP_RUNS * weight) / total)) }) as Shape[]);
  // Interleave families so a slow one cannot starve the others when the time budget cuts the run.
  const rnd = fc.sample(fc.integer(), { seed: FUZZ_SEED, numRuns: out.length });
  return out.map((s, i) => [rnd[i]!, s] as const).sort((a, b) => a[0] - b[0]).map(([, s]) => s);
}

const STACK = /\n\s+at \S+ \(|node_modules\/|file:\/\//;

/** What is wrong with an answer, if anything. */
function problem(r: Sent): string | null {
  if (r.status >= 500) return `${r.status}`;
  if (STACK.test(r.text) || r.text.includes(process.cwd())) return 'stack trace or file path in the body';
  if (r.status < 400 || r.method === 'HEAD') return null;
  if (r.contentType.startsWith('application/json')) {
    let code: unknown;
    try { code = (JSON.parse(r.text) as { error_code?: unknown } | null)?.error_code; } catch { return 'error body is not JSON'; }
    if (typeof code !== 'string' || !/^OPSSO\d{4}$/.test(code)) return 'error body without a catalogue code';
    return null;
  }
  if (r.contentType.startsWith('text/html') && r.text.startsWith('<!doctype html>')) return null;
  return `error body of type ${r.contentType || 'none'}`;
}

for (const b of backends()) {
  describe(`HTTP fuzz on ${b.name}`, { skip: b.skip }, () => {
    let env: FuzzEnv;
    before(async () => {
      b.check();
      const s = await startTestServer({ overrides: b.overrides() });
      const adminClient = await clientWith(s, ['Directory.Read', 'Directory.ReadWrite', 'Policy.ReadWrite', 'AuditLog.Read', 'UserAuthenticationMethod.ReadWrite']);
      const tokenRes = await fetch(`${s.url}/oauth2/v2.0/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'client_credentials', client_id: adminClient.id, client_secret: adminClient.secret }) });
      const admin = ((await tokenRes.json()) as { access_token: string }).access_token;
      const dev = new RawDevice(s.url);
      assert.equal((await dev.register(s.registrationToken)).status, 201);
      const login = dev.loginRequest(await dev.nonce(), Math.floor(s.ctx.clock.now() / 1000), { username: ALICE, password: DEMO_PASSWORD });
      const refreshToken = dev.open(await dev.send(login.jwt), login).refresh_token as string;
      const auth = { authorization: `Bearer ${admin}`, 'content-type': 'application/json' };
      const created = async (path: string, body: unknown) => ((await (await fetch(`${s.url}/v1.0${path}`, { method: 'POST', headers: auth, body: JSON.stringify(body) })).json()) as { id: string }).id;
      const alice = (await s.ctx.store.users.list(s.orgId, { limit: 10 })).items.find((u) => u.userPrincipalName === ALICE)!;
      env = {
        s, admin, adminClient, dev, refreshToken,
        ids: {
          '{user}': alice.id, '{upn}': ALICE, '{device}': dev.id,
          '{group}': (await s.ctx.store.groups.list(s.orgId)).items[0]!.id,
          '{policy}': await created('/identity/conditionalAccess/policies', { displayName: 'fuzz', state: 'disabled', conditions: { users: { includeUsers: ['All'] }, applications: { includeApplications: ['All'] } }, grantControls: { operator: 'OR', builtInControls: ['mfa'] } }),
          '{location}': await created('/identity/conditionalAccess/namedLocations', { displayName: 'fuzz', ipRanges: [{ '@odata.type': '#microsoft.graph.iPv4CidrRange', cidrAddress: '10.0.0.0/8' }] }),
          '{signin}': (await s.ctx.store.signInLogs.query(s.orgId, { top: 1 })).items[0]!.id,
        },
      };
    });
    after(async () => { await env?.s.close(); await b.cleanup(); });

    it(`${HTTP_RUNS} fuzzed requests over every endpoint family: no 5xx, no stack trace, always a catalogue code (seed ${FUZZ_SEED})`, async (t) => {
      const queue = shapes();
      type Stat = { sent: number; byClass: Record<string, number>; codes: Map<string, number> };
      const stats = new Map<string, Stat>();
      const failures: string[] = [];
      const deadline = Date.now() + SECONDS * 1000;
      let skipped = 0;
      const record = (family: string) => (r: Sent) => {
        const st: Stat = stats.get(family) ?? { sent: 0, byClass: {}, codes: new Map() };
        st.sent++;
        const cls = `${Math.floor(r.status / 100)}xx`;
        st.byClass[cls] = (st.byClass[cls] ?? 0) + 1;
        const code = /"error_code":"(OPSSO\d+)"/.exec(r.text)?.[1];
        if (code) st.codes.set(code, (st.codes.get(code) ?? 0) + 1);
        stats.set(family, st);
        const p = problem(r);
        if (p) failures.push(`[${family}] ${p}: ${r.method} ${r.url.slice(0, 200)} body=${JSON.stringify(r.body.slice(0, 200))} → ${r.status} ${r.text.slice(0, 300)}`);
      };
      const worker = async () => {
        for (let shape = queue.shift(); shape; shape = queue.shift()) {
          if (Date.now() > deadline) { skipped++; continue; }
          try {
            await sendShape(env, shape, record(shape.family));
          } catch (e) {
            // fetch refusing to send (or the server dropping the connection) is a finding too.
            failures.push(`[${shape.family}] request failed: ${e instanceof Error ? `${e.message} ${String((e as { cause?: unknown }).cause ?? '')}` : String(e)} ${JSON.stringify(shape).slice(0, 300)}`);
          }
        }
      };
      const t0 = Date.now();
      await Promise.all(Array.from({ length: CONCURRENCY }, worker));
      const total = [...stats.values()].reduce((n, s) => n + s.sent, 0);
      t.diagnostic(`seed ${FUZZ_SEED}, ${total} requests in ${((Date.now() - t0) / 1000).toFixed(1)} s on ${b.name}${skipped ? `, ${skipped} shapes left unsent at the ${SECONDS} s budget` : ''}`);
      for (const [family, st] of [...stats].sort()) {
        const codes = [...st.codes].sort((a, b) => b[1] - a[1]).slice(0, 6).map(([c, n]) => `${c.slice(5)}×${n}`).join(' ');
        t.diagnostic(`  ${family.padEnd(13)} ${String(st.sent).padStart(5)}  ${Object.entries(st.byClass).sort().map(([k, v]) => `${k} ${v}`).join(', ')}  (codes ${codes})`);
      }
      const kinds = new Map<string, number>();
      for (const f of failures) { const k = /^\[[a-z-]+\] [^:]+/.exec(f)?.[0] ?? f; kinds.set(k, (kinds.get(k) ?? 0) + 1); }
      assert.deepEqual(failures.slice(0, 15), [], `${failures.length} problems: ${[...kinds].map(([k, n]) => `${k} ×${n}`).join('; ')} (first 15 shown)`);
      assert.equal(stats.size, new Set(FAMILIES.map(([f]) => f)).size, 'every family was exercised');
    });
  });
}
