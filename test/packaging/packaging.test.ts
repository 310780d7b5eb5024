// The deployment files, checked as far as a machine without a container engine can: the Dockerfile's
// stages and runtime user, the compose file's services and that every OPENPSSO_* variable it (or the
// image, or the systemd unit) sets is a real configuration key, the unit's hardening, and what
// `npm pack` ships. scripts/container-smoke.sh builds and runs the image where an engine works.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { loadConfig } from '../../src/config/load.js';
import type { Config } from '../../src/config/schema.js';

const ROOT = join(import.meta.dirname, '..', '..');
const read = (p: string) => readFileSync(join(ROOT, p), 'utf8');
const EMPTY_CONFIG = join(mkdtempSync(join(tmpdir(), 'openpsso-pack-')), 'empty.json');
writeFileSync(EMPTY_CONFIG, '{}');

interface Instruction { op: string; args: string }
interface Stage { from: string; name: string | undefined; body: Instruction[] }

/** Dockerfile instructions by stage: comments dropped, continuation lines joined. */
export function dockerStages(text: string): Stage[] {
  const joined = text.split('\n').filter((l) => !/^\s*#/.test(l)).join('\n').replace(/\\\n/g, ' ');
  const stages: Stage[] = [];
  for (const line of joined.split('\n').map((l) => l.trim()).filter(Boolean)) {
    const [, op, args] = /^(\w+)\s+(.*)$/.exec(line) ?? [];
    if (!op || args === undefined) continue;
    if (op.toUpperCase() === 'FROM') {
      const m = /^(\S+)(?:\s+AS\s+(\S+))?/i.exec(args)!;
      stages.push({ from: m[1]!, name: m[2], body: [] });
    } else if (stages.length > 0) stages.at(-1)!.body.push({ op: op.toUpperCase(), args: args.replace(/\s+/g, ' ') });
  }
  return stages;
}

/** The configuration path an OPENPSSO_* variable sets, as src/config/load.ts maps it. */
const envPath = (name: string) => name.slice('OPENPSSO_'.length).split('__').map((p) => p.toLowerCase().replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase()));

/** Loads the variables the way the server does, and checks each one lands on a key the schema has. */
function configFromEnv(env: Record<string, string>): Config {
  const cfg = loadConfig({ env, file: EMPTY_CONFIG }); // never a stray openpsso.config.json in the working directory
  for (const name of Object.keys(env).filter((n) => n.startsWith('OPENPSSO_') && n !== 'OPENPSSO_CONFIG')) {
    let cur: unknown = cfg;
    for (const key of envPath(name)) {
      assert.ok(cur !== null && typeof cur === 'object' && key in cur, `${name} names no configuration key (${envPath(name).join('.')})`);
      cur = (cur as Record<string, unknown>)[key];
    }
  }
  return cfg;
}

describe('Dockerfile', () => {
  const stages = dockerStages(read('Dockerfile'));
  const runtime = stages.at(-1)!;
  const ops = (s: Stage, op: string) => s.body.filter((i) => i.op === op).map((i) => i.args);
  const dockerignore = read('.dockerignore').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));

  it('builds in one stage and runs in another, from Node 20', () => {
    assert.ok(stages.length >= 2, 'multi-stage');
    const nodeImage = /ARG NODE_IMAGE=(\S+)/.exec(read('Dockerfile'))?.[1] ?? '';
    for (const s of stages) assert.match(s.from.replace('${NODE_IMAGE}', nodeImage), /^node:20-/);
    const build = stages.find((s) => s.name === /--from=(\S+)/.exec(ops(runtime, 'COPY').find((c) => c.includes('node_modules'))!)![1]);
    assert.ok(build, 'node_modules come from a named build stage');
    const runs = ops(build, 'RUN').join(' && ');
    assert.match(runs, /npm ci/);
    assert.match(runs, /npm run build/);
    assert.ok(runs.indexOf('npm prune --omit=dev') > runs.indexOf('npm run build'), 'dev dependencies pruned after the build');
  });

  it('installs no dependencies in the runtime stage and runs as a non-root user', () => {
    assert.ok(!ops(runtime, 'RUN').some((r) => /npm (ci|install|i)\b/.test(r) && !/--omit=dev/.test(r)), 'no dev dependencies installed at runtime');
    const user = ops(runtime, 'USER').at(-1);
    assert.ok(user && !/^(root|0)(:|$)/.test(user), `USER ${user}`);
  });

  it('has a node health check against /healthz, the CLI as entry point, a data volume', () => {
    const hc = ops(runtime, 'HEALTHCHECK').at(-1) ?? '';
    assert.match(hc, /CMD \["node", "deploy\/healthcheck\.mjs"\]/);
    assert.match(read('deploy/healthcheck.mjs'), /path: '\/healthz'/);
    assert.deepEqual(JSON.parse(ops(runtime, 'ENTRYPOINT').at(-1)!), ['node', 'bin/openpsso.js']);
    assert.deepEqual(JSON.parse(ops(runtime, 'CMD').at(-1)!), ['serve']);
    assert.deepEqual(JSON.parse(ops(runtime, 'VOLUME').at(-1)!), ['/var/lib/openpsso']);
  });

  it('sets only real configuration keys, with the data directory on the volume', () => {
    const env: Record<string, string> = {};
    for (const args of ops(runtime, 'ENV')) for (const m of args.matchAll(/(\w+)=(\S+)/g)) env[m[1]!] = m[2]!;
    const cfg = configFromEnv(env);
    assert.equal(cfg.dataDir, '/var/lib/openpsso');
    assert.equal(cfg.listen.host, '0.0.0.0');
  });

  it('copies only paths that exist and that .dockerignore lets through', () => {
    const sources = stages.flatMap((s) => ops(s, 'COPY')).filter((c) => !c.startsWith('--from')).flatMap((c) => c.split(' ').slice(0, -1));
    assert.ok(sources.length >= 5);
    for (const src of sources) {
      assert.ok(existsSync(join(ROOT, src)), `COPY ${src}: not in the repository`);
      assert.ok(!dockerignore.includes(src.split('/')[0]!), `COPY ${src}: excluded by .dockerignore`);
    }
    for (const never of ['node_modules', 'data', 'dist', '.git']) assert.ok(dockerignore.includes(never), `.dockerignore keeps ${never} out`);
  });
});

describe('compose.yaml', () => {
  const compose = parseYaml(read('compose.yaml')) as {
    services: Record<string, { image?: string; build?: string; environment?: Record<string, string>; healthcheck?: { test: string[] }; depends_on?: Record<string, { condition: string }>; volumes?: string[] }>;
  };

  it('runs PostgreSQL with a health check and a volume, and the server after it is healthy', () => {
    const pg = compose.services.postgres!;
    assert.match(pg.image ?? '', /^postgres:/);
    assert.match(pg.healthcheck!.test.join(' '), /pg_isready/);
    assert.ok(pg.volumes?.some((v) => v.endsWith(':/var/lib/postgresql/data')));
    const server = compose.services.openpsso!;
    assert.equal(server.build, '.');
    assert.equal(server.depends_on?.postgres?.condition, 'service_healthy');
  });

  it('configures the server with real keys only: PostgreSQL with the database credentials, data on a volume', () => {
    const server = compose.services.openpsso!;
    const cfg = configFromEnv(server.environment!);
    assert.equal(cfg.database.kind, 'postgres');
    const pg = compose.services.postgres!.environment!;
    const url = new URL((cfg.database as { url: string }).url);
    assert.equal(url.hostname, 'postgres');
    assert.equal(url.username, pg.POSTGRES_USER);
    assert.equal(url.password, pg.POSTGRES_PASSWORD);
    assert.equal(url.pathname, `/${pg.POSTGRES_DB}`);
    assert.match(cfg.issuer, /^https:\/\//);
    assert.ok(server.volumes?.some((v) => v.endsWith(`:${cfg.dataDir}`)), 'the master key is on a volume');
  });
});

describe('deploy/openpsso.service', () => {
  const unit = read('deploy/openpsso.service');
  const values = (key: string) => [...unit.matchAll(new RegExp(`^${key}=(.*)$`, 'gm'))].map((m) => m[1]!.trim());
  const one = (key: string) => values(key).at(-1);

  it('is hardened, and leaves V8 its JIT', () => {
    for (const [key, value] of Object.entries({
      NoNewPrivileges: 'yes', ProtectSystem: 'strict', ProtectHome: 'yes', PrivateTmp: 'yes', DynamicUser: 'yes',
      StateDirectory: 'openpsso', CapabilityBoundingSet: '', Restart: 'on-failure',
    })) assert.equal(one(key), value, key);
    assert.ok(values('SystemCallFilter').includes('@system-service'));
    assert.deepEqual(one('RestrictAddressFamilies')?.split(' ').sort(), ['AF_INET', 'AF_INET6', 'AF_UNIX']);
    assert.equal(values('MemoryDenyWriteExecute').length, 0, 'V8 needs writable, executable memory');
    assert.ok(Number(one('TimeoutStopSec')) >= 10, 'time for the graceful shutdown');
  });

  it('sets only real configuration keys', () => {
    const env = Object.fromEntries(values('Environment').map((v) => v.split('=', 2) as [string, string]).filter(([k]) => k.startsWith('OPENPSSO_')));
    assert.equal(configFromEnv(env).dataDir, '/var/lib/openpsso');
  });

  it('passes systemd-analyze verify', (t) => {
    const which = spawnSync('sh', ['-c', 'command -v systemd-analyze']);
    if (which.status !== 0) { t.skip('systemd-analyze is not installed here'); return; }
    const r = spawnSync('systemd-analyze', ['verify', join(ROOT, 'deploy', 'openpsso.service')], { encoding: 'utf8' });
    // verify also complains about the binary if node is not at /usr/bin/node on this machine.
    const problems = (r.stderr + r.stdout).split('\n').filter((l) => l.trim() && !/\/usr\/bin\/node/.test(l));
    assert.deepEqual(problems, []);
  });
});

describe('npm pack', () => {
  it('ships the CLI, the compiled code, the docs and the deployment files, not tests or data', () => {
    assert.ok(existsSync(join(ROOT, 'dist', 'cli', 'main.js')), 'dist/ is built by npm ci (prepare); run npm run build');
    const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    const files = (JSON.parse(out) as { files: { path: string }[] }[])[0]!.files.map((f) => f.path);
    for (const f of ['bin/openpsso.js', 'dist/cli/main.js', 'docs/configuration.md', 'deploy/openpsso.service', 'README.md', 'package.json']) assert.ok(files.includes(f), f);
    for (const prefix of ['test/', 'src/', 'data/', 'scripts/', 'node_modules/', '.ci/']) {
      assert.deepEqual(files.filter((f) => f.startsWith(prefix)), [], `${prefix} is not shipped`);
    }
  });
});
