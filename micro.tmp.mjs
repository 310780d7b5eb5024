// usage: node --import tsx micro.mjs <repo root>
const root = process.argv[2];
const { loadConfig } = await import(`${root}/src/config/load.ts`);
const { createAppContext } = await import(`${root}/src/app/bootstrap.ts`);
const { buildServer } = await import(`${root}/src/server/build-server.ts`);
const { seedDemo } = await import(`${root}/src/app/demo.ts`);
const { mkdtempSync } = await import('node:fs');
const dataDir = mkdtempSync('/tmp/micro-');
const config = loadConfig({ env: {}, overrides: { dataDir, demo: true, log: { level: 'silent' } } });
const ctx = await createAppContext(config);
await seedDemo(ctx);
const app = await buildServer(ctx, { logLevel: 'silent' });
await app.ready();
const one = () => app.inject({ method: 'POST', url: '/psso/token', payload: 'grant_type=srv_challenge', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
for (let i = 0; i < 1000; i++) await one();
const c0 = process.cpuUsage(); const t0 = performance.now();
const N = 5000;
for (let i = 0; i < N; i++) { const r = await one(); if (r.statusCode !== 200) throw new Error(r.body); }
const c = process.cpuUsage(c0);
console.log(root, 'nonce µs CPU/req', ((c.user + c.system) / N).toFixed(1), 'wall µs', ((performance.now() - t0) * 1000 / N).toFixed(1));
process.exit(0);
