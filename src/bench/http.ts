// A small keep-alive HTTP client for the benchmark: node:http with one Agent per virtual Mac, so each
// Mac holds its own persistent connection as a real Mac's URLSession would.

import { Agent, request } from 'node:http';

export interface HttpReply {
  status: number;
  contentType: string;
  text: string;
}

export class HttpClient {
  readonly agent: Agent;
  private readonly host: string;
  private readonly port: number;

  /** `localAddress` lets the benchmark speak from another loopback network (an attacker elsewhere). */
  constructor(base: string, maxSockets = 1, private readonly timeoutMs = 30_000, private readonly localAddress?: string) {
    const u = new URL(base);
    this.host = u.hostname;
    this.port = Number(u.port || 80);
    this.agent = new Agent({ keepAlive: true, maxSockets, keepAliveMsecs: 10_000 });
  }

  post(path: string, body: string, contentType = 'application/x-www-form-urlencoded', headers: Record<string, string> = {}): Promise<HttpReply> {
    return new Promise((resolve, reject) => {
      const req = request({
        host: this.host, port: this.port, path, method: 'POST', agent: this.agent,
        ...(this.localAddress ? { localAddress: this.localAddress } : {}),
        headers: { 'content-type': contentType, 'content-length': Buffer.byteLength(body), ...headers },
      }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({
          status: res.statusCode ?? 0,
          contentType: String(res.headers['content-type'] ?? ''),
          text: chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8'),
        }));
        res.on('error', reject);
      });
      req.on('error', reject);
      // A reply that never comes is a finding, not a reason to hang the benchmark.
      req.setTimeout(this.timeoutMs, () => req.destroy(new Error(`no reply to POST ${path} within ${this.timeoutMs} ms`)));
      req.end(body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}
