// Shared set-up for the UiO dialect tests: a server with the dialect on, virtual Macs acting as
// either generation of the extension, and the JSON/form calls a real extension makes.

import type { TestServer, TestServerOptions } from '../helpers/test-server.js';
import { startTestServer } from '../helpers/test-server.js';
import { ManualClock } from '../../src/app/clock.js';
import { VirtualMac } from '../../src/mac/agent.js';
import { MemoryStore } from '../../src/mac/state-store.js';

export const ALICE = 'alice@demo.openpsso.test';
export const BOB = 'bob@demo.openpsso.test';
export const UIO_PATH = '/realms/openpsso';

export function uioServer(o: TestServerOptions = {}): Promise<TestServer> {
  return startTestServer({ clock: new ManualClock(Date.now()), ...o, overrides: { extensions: { uio: { enabled: true } }, ...o.overrides } });
}

export const baseOf = (s: TestServer): string => `${s.url}${UIO_PATH}`;

export function newMac(s: TestServer): VirtualMac {
  return new VirtualMac({ store: new MemoryStore(), clock: s.ctx.clock as ManualClock, scryptCost: 1024 });
}

export async function nonce(s: TestServer, requestId?: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const r = await fetch(`${baseOf(s)}/psso/nonce`, {
    method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...(requestId ? { 'client-request-id': requestId } : {}) }, body: 'grant_type=srv_challenge',
  });
  return { status: r.status, body: await r.json() as Record<string, unknown> };
}

export async function postJson(s: TestServer, path: string, body: unknown, requestId?: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const r = await fetch(`${baseOf(s)}${path}`, {
    method: 'POST', headers: { 'content-type': 'application/json', ...(requestId ? { 'client-request-id': requestId } : {}) }, body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await r.text();
  return { status: r.status, body: text ? JSON.parse(text) as Record<string, unknown> : {} };
}
