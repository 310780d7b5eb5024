// `openpsso serve`: starts the identity provider and, on first start with --demo, seeds the demo organisation.

import { loadServeConfig, type ServeFlags } from './serve-config.js';
import { createAppContext } from '../app/bootstrap.js';
import { buildServer } from '../server/build-server.js';
import { join } from 'node:path';
import { seedDemo, DEMO_PASSWORD, DEMO_TOKEN_FILE, DEMO_USERS, type DemoSeed } from '../app/demo.js';
import type { AppContext } from '../app/context.js';
import { PssoError } from '../errors/psso-error.js';
import { scheduleRetention } from '../app/retention.js';
import { shutDownOnSignals } from '../server/graceful-shutdown.js';
import { readTlsFiles } from '../app/tls-files.js';
import { aasaWarnings } from '../server/routes/aasa-apps.js';
import { listenOrExplain } from '../server/listen-or-explain.js';
import { dialectBaseUrl } from '../app/client-profile.js';
import { deprecationNotes } from '../config/deprecations.js';
import { dialectAttestationConflicts } from '../app/dialect-attestation-conflicts.js';

export type ServeOptions = ServeFlags;

export async function serve(opts: ServeOptions): Promise<void> {
  const { config } = loadServeConfig(opts);
  // Start-up failures (TLS files, database, master key, listen address) are catalogue errors that
  // main.ts prints as one line: the TLS files are checked first, before the database is touched.
  const https = config.tls ? readTlsFiles(config.tls) : undefined;
  const ctx = await createAppContext(config);
  const seed = await demoOrRefuseEmpty(ctx).catch(async (e: unknown) => { await ctx.store.close(); throw e; });
  const app = await buildServer(ctx, { ...(https ? { https } : {}) });
  const address = await listenOrExplain(app, config.listen, () => ctx.store.close());
  // Housekeeping: every minute, ended tokens, nonces, sessions, passes and old sign-in logs go, in
  // bounded batches (app/retention.ts). A table still capped after a run continues at the next one.
  const retention = scheduleRetention(ctx, {
    onRun: (r) => {
      const capped = Object.entries(r).filter(([, t]) => t.capped).map(([name]) => name);
      if (capped.length > 0) console.error(`openpsso: retention: more to purge in ${capped.join(', ')}; continuing next run`);
    },
    onError: (err) => console.error('openpsso: retention run failed:', err),
  });
  shutDownOnSignals(app, {
    timeoutMs: config.shutdown.timeoutMs,
    cleanUp: async () => { await retention.stop(); await ctx.signIns.flush?.(); await ctx.store.close(); },
    exit: (code) => process.exit(code),
    report: (line) => console.error(line),
  });

  const lines = [
    '',
    `OpenPSSO identity provider listening on ${address}`,
    `  issuer          ${config.issuer}`,
    `  discovery       ${ctx.urls.discovery}`,
    `  token endpoint  ${ctx.urls.tokenEndpoint}`,
    `  apps (OpenID)   ${config.issuer}/oidc   (register one: npx openpsso app create --help)`,
    `  database        ${config.database.kind === 'sqlite' ? (config.database.file ?? `${config.dataDir}/openpsso.db`) : 'postgres'}`,
  ];
  for (const name of ['twocanoes', 'fleet', 'uio'] as const) {
    if (config.extensions[name].enabled) lines.push(`  ${`${name} BaseURL`.padEnd(16)}${dialectBaseUrl(ctx, name)}${name === 'twocanoes' ? '/' : ''}`);
  }
  for (const note of deprecationNotes(config)) lines.push('', `  deprecated: ${note}`);
  if (!config.tls && !/^http:\/\/(127\.|localhost|\[::1\])/.test(config.issuer)) {
    lines.push('', '  warning: a real Mac only talks HTTPS with a publicly trusted certificate; set tls.certFile/keyFile.');
  }
  for (const w of [...aasaWarnings(config), ...await dialectAttestationConflicts(ctx)]) lines.push('', `  warning: ${w}`);
  if (seed) {
    const token = seed.registrationToken;
    lines.push('', 'Demo organisation' + (seed.created ? ' (created now)' : ''),
      ...DEMO_USERS.map((u) => `  ${u.userPrincipalName.padEnd(28)} password ${DEMO_PASSWORD}   groups ${u.groups.join(', ')}`),
      `  registration token  ${token}`,
      `                      (${seed.tokenCreated ? 'created now and saved' : 'the same as before, saved'} in ${join(config.dataDir, DEMO_TOKEN_FILE)})`,
      '', 'Next, in another terminal, try a virtual Mac:',
      `  npx openpsso mac register --mac ./data/macs/mac1 --server ${config.issuer} --token ${token} --user alice@demo.openpsso.test --method password --password '${DEMO_PASSWORD}'`,
      `  npx openpsso mac login    --mac ./data/macs/mac1 --user alice@demo.openpsso.test --password '${DEMO_PASSWORD}'`,
      '  npx openpsso mac status   --mac ./data/macs/mac1',
      '  npx openpsso mac key-exchange --mac ./data/macs/mac1',
      '  npx openpsso device list',
      '  npx openpsso profile generate --method password --out openpsso.mobileconfig   (the virtual Mac\'s; a real Mac: --extension, docs/real-macs.md)',
    );
  }
  console.log(lines.join('\n'));
}

/** Demo data only with --demo; without it, a database with no organisation cannot serve anyone. */
async function demoOrRefuseEmpty(ctx: AppContext): Promise<DemoSeed | undefined> {
  if (ctx.config.demo) return seedDemo(ctx);
  if ((await ctx.store.organisations.list()).length === 0) throw new PssoError('not_initialised', 'run `openpsso init` first');
  return undefined;
}
