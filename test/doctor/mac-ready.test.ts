// `doctor --mac-ready` against real servers on loopback: the AASA built from the enabled dialects,
// the native paths, a dialect's path table (Fleet's, served here by stand-in routes under their own
// base paths so the test holds once the real dialect routes are merged), what a broken dialect
// looks like, and TLS (test CA, leaf lifetime, serverAuth) over HTTPS.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync, webcrypto, type KeyObject } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Server } from 'node:https';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { freePort } from '../helpers/ports.js';
import { Command } from 'commander';
import { addAccessCommands } from '../../src/cli/access-commands.js';
import { runDoctorCommand } from '../../src/doctor/cli.js';
import { runMacReady, type MacReadyCheck } from '../../src/doctor/mac-ready.js';
import { aasaWarnings } from '../../src/server/routes/aasa-apps.js';
import { loadConfig } from '../../src/config/load.js';
import { createAppContext } from '../../src/app/bootstrap.js';
import { buildServer } from '../../src/server/build-server.js';
import { x509 } from '../../src/app/x509.js';

const quiet = { out: () => {} };
const status = (checks: MacReadyCheck[], id: string) => checks.find((c) => c.id === id)?.status;
const FLEET_EXT = '8VBZ3948LU.com.fleetdm.fleet-desktop.pssoextension';

/** Fleet's paths under a base, answered wrongly: what the doctor must catch. */
function fleetStandIn(app: FastifyInstance): void {
  const p = 'api/mdm/apple/psso';
  // Broken: an enc key with a 31-byte x, a plain-text nonce, a crashing token endpoint, no registration route.
  app.get(`/bad-fleet/${p}/jwks`, async () => ({ keys: [{ kty: 'EC', crv: 'P-256', use: 'sig', x: 'A'.repeat(43), y: 'A'.repeat(43) }, { kty: 'EC', crv: 'P-256', use: 'enc', x: Buffer.alloc(31).toString('base64url'), y: Buffer.alloc(32).toString('base64url') }] }));
  app.post(`/bad-fleet/${p}/nonce`, async (_req, reply) => reply.type('text/plain').send('nonce'));
  app.post(`/bad-fleet/${p}/token`, async (_req, reply) => reply.code(500).send({ error: 'boom' }));
}

describe('doctor --mac-ready over HTTP', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer({
      overrides: { extensions: { fleet: { enabled: true } }, aasa: { authsrvApps: ['QWERTY1234.no.uio.WebloginSSO.ssoe'] } },
      beforeListen: (app) => fleetStandIn(app),
    });
  });
  after(async () => { await s?.close(); });

  it('the AASA lists the enabled dialects\' published ids after the configured ones', async () => {
    const r = await fetch(`${s.url}/.well-known/apple-app-site-association`, { redirect: 'manual' });
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('content-type')?.split(';')[0], 'application/json');
    assert.deepEqual(((await r.json()) as { authsrv: { apps: string[] } }).authsrv.apps,
      ['QWERTY1234.no.uio.WebloginSSO.ssoe', FLEET_EXT, '8VBZ3948LU.com.fleetdm.fleet-desktop']);
  });

  it('checks the native paths and every dialect the AASA lists; plain HTTP fails', async () => {
    const r = await runMacReady({ url: s.url, ...quiet });
    assert.equal(r.exitCode, 1);
    assert.equal(status(r.checks, 'https'), 'fail');
    assert.equal(status(r.checks, 'aasa'), 'ok');
    for (const id of ['native:jwks', 'native:nonce', 'native:probe psso/token']) assert.equal(status(r.checks, id), 'ok', id);
    // UiO is listed (from aasa.authsrvApps) but not enabled: one finding, not one per path.
    const uio = r.checks.filter((c) => c.id.startsWith('uio:'));
    assert.deepEqual(uio.map((c) => `${c.id} ${c.status}`), ['uio:served fail']);
    assert.match(uio[0]!.fix!, /extensions\.uio\.enabled/);
    assert.ok(r.checks.some((c) => c.id.startsWith('fleet:')), 'the Fleet dialect is checked because the AASA lists it');
  });

  it('each real dialect passes every path check (only plain HTTP fails)', async () => {
    const r = await runMacReady({ url: s.url, extension: 'fleet', ...quiet });
    assert.deepEqual(r.checks.filter((c) => c.status !== 'ok').map((c) => c.id), ['https']);
    assert.deepEqual(r.checks.filter((c) => c.id.startsWith('fleet:')).map((c) => c.id),
      ['fleet:jwks', 'fleet:jwks-enc', 'fleet:nonce', 'fleet:probe api/mdm/apple/psso/token', 'fleet:probe api/mdm/apple/psso/registration']);
    assert.match(r.checks.find((c) => c.id === 'aasa')!.detail, new RegExp(FLEET_EXT.replace(/\./g, '\\.')));
    // The other two on a server with every dialect on.
    const all = await startTestServer({ overrides: { extensions: { twocanoes: { enabled: true }, uio: { enabled: true } }, aasa: { authsrvApps: ['QWERTY1234.no.uio.WebloginSSO.ssoe'] } } });
    try {
      const twocanoes = await runMacReady({ url: all.url, extension: 'twocanoes', ...quiet });
      assert.deepEqual(twocanoes.checks.filter((c) => c.status !== 'ok').map((c) => c.id), ['https']);
      assert.ok(twocanoes.checks.filter((c) => c.id.startsWith('twocanoes:')).length >= 4);
      const uio = await runMacReady({ url: all.url, extension: 'uio', teamId: 'QWERTY1234', ...quiet });
      assert.deepEqual(uio.checks.filter((c) => c.status !== 'ok').map((c) => c.id), ['https']);
      assert.ok(uio.checks.some((c) => c.id === 'uio:nonce' && c.status === 'ok'), 'the UiO nonce is a UUID under nonce');
    } finally {
      await all.close();
    }
  });

  it('a broken dialect: each fault is named with its fix', async () => {
    const r = await runMacReady({ url: s.url, extension: 'fleet', basePath: '/bad-fleet', ...quiet });
    const fails = Object.fromEntries(r.checks.filter((c) => c.status === 'fail').map((c) => [c.id, c]));
    assert.match(fails['fleet:jwks-enc']!.detail, /decode to 31\/32 bytes/);
    assert.match(fails['fleet:nonce']!.detail, /text\/plain/);
    assert.match(fails['fleet:probe api/mdm/apple/psso/token']!.fix!, /5xx on bad input is a server bug/);
    assert.match(fails['fleet:probe api/mdm/apple/psso/registration']!.detail, /answers 404/);
    assert.equal(status(r.checks, 'fleet:jwks'), 'ok');
  });

  it('the AASA must list the extension signed by the given team', async () => {
    const r = await runMacReady({ url: s.url, extension: 'uio', teamId: 'OTHER12345', ...quiet });
    const aasa = r.checks.find((c) => c.id === 'aasa')!;
    assert.equal(aasa.status, 'fail');
    assert.match(aasa.fix!, /OTHER12345\.no\.uio\.WebloginSSO\.ssoe and OTHER12345\.no\.uio\.WebloginSSO/);
    const ok = await runMacReady({ url: s.url, extension: 'uio', teamId: 'QWERTY1234', ...quiet });
    assert.equal(status(ok.checks, 'aasa'), 'ok');
  });

  it('the command line: openpsso doctor --mac-ready with --extension, --base-path and --json; bad flags are refused', async () => {
    // The doctor command as main.ts registers it, parsed in-process; console.log is where it prints.
    const program = new Command().exitOverride();
    addAccessCommands(program);
    const printed: string[] = [];
    const log = console.log;
    const exitCode = process.exitCode;
    console.log = (...a: unknown[]) => { printed.push(a.join(' ')); };
    try {
      await program.parseAsync(['doctor', '--mac-ready', s.url, '--extension', 'fleet', '--base-path', '/fleet', '--json'], { from: 'user' });
      assert.equal(process.exitCode, 1);
    } finally {
      console.log = log;
      process.exitCode = exitCode;
    }
    const report = JSON.parse(printed.join('\n')) as { ok: boolean; checks: MacReadyCheck[] };
    assert.equal(report.ok, false);
    assert.deepEqual(report.checks.filter((c) => c.status === 'fail').map((c) => c.id), ['https']);
    await assert.rejects(runDoctorCommand({ macReady: s.url, extension: 'okta' }, {} as never), /--extension is twocanoes, fleet, uio or native/);
    await assert.rejects(runDoctorCommand({ macReady: 'sso.example.com' }, {} as never), /--mac-ready takes the instance's URL/);
    await assert.rejects(runDoctorCommand({ macReady: s.url, basePath: '/x' }, {} as never), /--base-path goes with --extension/);
  });

  it('warns at start-up when UiO is enabled without its (self-signed) app ids', () => {
    const cfg = (apps: string[]) => loadConfig({ env: {}, overrides: { dataDir: tmpdir(), extensions: { uio: { enabled: true } }, aasa: { authsrvApps: apps } } });
    assert.match(aasaWarnings(cfg([])).join(), /aasa\.authsrvApps lists no TEAMID\.no\.uio\.WebloginSSO/);
    assert.deepEqual(aasaWarnings(cfg(['QWERTY1234.no.uio.WebloginSSO'])), []);
  });
});

async function webKeys(k: { privateKey: KeyObject; publicKey: KeyObject }) {
  const alg = { name: 'ECDSA', namedCurve: 'P-256' };
  return {
    privateKey: await webcrypto.subtle.importKey('pkcs8', k.privateKey.export({ format: 'der', type: 'pkcs8' }), alg, false, ['sign']),
    publicKey: await webcrypto.subtle.importKey('spki', k.publicKey.export({ format: 'der', type: 'spki' }), alg, true, ['verify']),
  };
}

/** A test CA and two leaves for 127.0.0.1: a good one (90 days, serverAuth) and a bad one (500 days, no EKU). */
async function testPki(dir: string) {
  const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
  const caPair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const caKeys = await webKeys(caPair);
  const day = 86_400_000;
  const ca = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '01', name: 'CN=OpenPSSO Test TLS CA', notBefore: new Date(Date.now() - day), notAfter: new Date(Date.now() + 900 * day), signingAlgorithm: alg, keys: caKeys,
    extensions: [new x509.BasicConstraintsExtension(true, 0, true), new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign, true)],
  });
  const leaf = async (serial: string, days: number, eku: boolean) => {
    const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const cert = await x509.X509CertificateGenerator.create({
      serialNumber: serial, subject: 'CN=127.0.0.1', issuer: ca.subject, notBefore: new Date(Date.now() - day), notAfter: new Date(Date.now() + (days - 1) * day),
      signingAlgorithm: alg, publicKey: (await webKeys(pair)).publicKey, signingKey: caKeys.privateKey,
      extensions: [new x509.SubjectAlternativeNameExtension([{ type: 'ip', value: '127.0.0.1' }]), ...(eku ? [new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth])] : [])],
    });
    return { cert: Buffer.from(cert.toString('pem')), key: Buffer.from(pair.privateKey.export({ format: 'pem', type: 'pkcs8' }) as string) };
  };
  const caFile = join(dir, 'test-ca.pem');
  writeFileSync(caFile, ca.toString('pem'));
  return { caFile, good: await leaf('02', 90, true), bad: await leaf('03', 500, false) };
}

describe('doctor --mac-ready over HTTPS', () => {
  let app: FastifyInstance;
  let close: () => Promise<void>;
  let url: string;
  let pki: Awaited<ReturnType<typeof testPki>>;
  before(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mac-ready-tls-'));
    pki = await testPki(dir);
    const port = await freePort();
    url = `https://127.0.0.1:${port}`;
    const config = loadConfig({ env: {}, overrides: { dataDir: dir, issuer: url, listen: { host: '127.0.0.1', port }, log: { level: 'silent' }, extensions: { twocanoes: { enabled: true } } } });
    const ctx = await createAppContext(config);
    app = await buildServer(ctx, { logLevel: 'silent', https: pki.good });
    await app.listen({ host: '127.0.0.1', port });
    close = async () => { await app.close(); await ctx.store.close(); };
  });
  after(async () => { await close?.(); });

  it('a test CA verifies the chain but is flagged as not trusted by a real Mac; without it the chain fails', async () => {
    const lines: string[] = [];
    const r = await runMacReady({ url, extension: 'native', caFile: pki.caFile, out: (t) => lines.push(t) });
    assert.equal(status(r.checks, 'https'), 'ok');
    assert.equal(status(r.checks, 'tls-trust'), 'warn');
    assert.equal(status(r.checks, 'tls-lifetime'), 'ok');
    assert.equal(status(r.checks, 'tls-eku'), 'ok');
    assert.equal(status(r.checks, 'native:nonce'), 'ok');
    assert.equal(r.exitCode, 0);
    assert.match(lines.join('\n'), /test CA .*not trusted by a real Mac/);
    const pub = await runMacReady({ url, extension: 'native', ...quiet });
    assert.equal(status(pub.checks, 'tls-trust'), 'fail');
    assert.equal(pub.exitCode, 1);
  });

  it('a leaf valid for more than 398 days or without serverAuth fails', async () => {
    (app.server as Server).setSecureContext(pki.bad);
    const r = await runMacReady({ url, extension: 'native', caFile: pki.caFile, ...quiet });
    assert.equal(status(r.checks, 'tls-lifetime'), 'fail');
    assert.match(r.checks.find((c) => c.id === 'tls-lifetime')!.detail, /valid for 500 days/);
    assert.equal(status(r.checks, 'tls-eku'), 'fail');
  });
});
