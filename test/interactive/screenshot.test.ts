// Renders the MFA page in headless Chromium, under the server's real headers (CSP included), and
// checks the screenshot is a real rendering. Skipped without Chromium unless CI=true.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { existsSync, mkdtempSync, readFileSync, rmSync, mkdirSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { DEMO_PASSWORD } from '../../src/app/demo.js';
import { issueTemporaryAccessPass } from '../../src/app/interactive/admin.js';
import { BOB, PageClient, addTotp, setMfaState, user } from './helpers.js';

const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];
const chromium = CANDIDATES.find((p) => existsSync(p));
const skip = chromium || process.env.CI === 'true' ? false : 'Chromium is not installed (apt-get install -y chromium); CI=true makes this a failure';

/** Width, height and the number of distinct bytes in the decompressed image data. */
function pngFacts(png: Buffer): { width: number; height: number; distinct: number } {
  assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'PNG signature');
  const idat: Buffer[] = [];
  for (let off = 8; off < png.length;) {
    const len = png.readUInt32BE(off);
    if (png.toString('latin1', off + 4, off + 8) === 'IDAT') idat.push(png.subarray(off + 8, off + 8 + len));
    off += 12 + len;
  }
  const raw = inflateSync(Buffer.concat(idat));
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20), distinct: new Set(raw).size };
}

describe('sign-in page screenshot', { skip }, () => {
  let s: TestServer;
  let proxy: Server;
  let proxyUrl = '';
  const work = mkdtempSync(join(tmpdir(), 'openpsso-shot-'));

  before(async () => {
    s = await startTestServer();
    await setMfaState(s, BOB, 'enforced');
    await addTotp(s, BOB);
    await issueTemporaryAccessPass(s.ctx, await user(s, BOB), { minutes: 60 });
    const c = new PageClient(s.url);
    await c.get('/signin');
    await c.post('/signin/username', { username: BOB });
    assert.equal((await c.post('/signin/password', { password: DEMO_PASSWORD })).location, '/signin/mfa');
    // Chromium cannot be handed a cookie on the command line: a loopback proxy adds the session cookie.
    proxy = createServer((req, res) => {
      void fetch(`${s.url}${req.url}`, { headers: { cookie: c.cookie }, redirect: 'manual' }).then(async (r) => {
        const headers: Record<string, string> = {};
        r.headers.forEach((v, k) => { if (k !== 'content-length' && k !== 'transfer-encoding') headers[k] = v; });
        res.writeHead(r.status, headers).end(Buffer.from(await r.arrayBuffer()));
      }, () => res.writeHead(502).end());
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', () => r()));
    proxyUrl = `http://127.0.0.1:${(proxy.address() as { port: number }).port}`;
  });
  after(async () => {
    await new Promise((r) => proxy.close(r));
    await s.close();
    rmSync(work, { recursive: true, force: true });
  });

  it('renders the MFA page styled (the CSP lets the nonce stylesheet in)', async () => {
    const file = join(work, 'mfa.png');
    const args = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
      '--disable-sync', '--no-first-run', '--hide-scrollbars', `--user-data-dir=${join(work, 'profile')}`, '--window-size=900,1100',
      `--screenshot=${file}`, `${proxyUrl}/signin/mfa`];
    // Asynchronous on purpose: the proxy answering Chromium runs on this event loop.
    await new Promise<void>((resolve, reject) => execFile(chromium!, args, { timeout: 90_000 }, (err) => (err && !existsSync(file) ? reject(err) : resolve())));
    assert.ok(existsSync(file), 'chromium wrote the screenshot');
    const png = readFileSync(file);
    const f = pngFacts(png);
    assert.equal(f.width, 900);
    assert.equal(f.height, 1100);
    assert.ok(png.length > 8_000, `a blank page compresses to almost nothing (${png.length} bytes)`);
    assert.ok(f.distinct > 32, `text and colours, not a blank page (${f.distinct} distinct byte values)`);
    if (process.env.OPENPSSO_SCREENSHOT_DIR) {
      mkdirSync(process.env.OPENPSSO_SCREENSHOT_DIR, { recursive: true });
      copyFileSync(file, join(process.env.OPENPSSO_SCREENSHOT_DIR, 'mfa.png'));
    }
  });
});
