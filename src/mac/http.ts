// HTTP as AppSSOAgent does it: form POSTs with client-request-id and the agent's User-Agent, plus the JSON calls of the registration API (psso-protocol.md §3, §4.1).

import { randomUUID } from 'node:crypto';
import { MacError, refusalError } from './errors.js';

export interface HttpResponseLike {
  status: number;
  headers: { get(name: string): string | null };
  text(): Promise<string>;
}

/** The subset of global fetch the Mac uses; tests and the benchmark may inject their own. */
export type FetchLike = (url: string, init: { method: string; headers: Record<string, string>; body?: string }) => Promise<HttpResponseLike>;

export const USER_AGENT = 'AppSSOAgent/1 (OpenPSSO virtual Mac)';

export const ACCEPT = {
  json: 'application/json',
  login: 'application/platformsso-login-response+jwt',
  key: 'application/platformsso-key-response+jwt',
} as const;

export interface HttpResult {
  status: number;
  contentType: string;
  text: string;
}

/** Upper-case UUID, as macOS sends it; reused for a nonce and the request that follows it. */
export function newRequestId(): string {
  return randomUUID().toUpperCase();
}

export class MacHttp {
  constructor(readonly fetchFn: FetchLike = globalThis.fetch as unknown as FetchLike) {}

  private async send(url: string, init: { method: string; headers: Record<string, string>; body?: string }): Promise<HttpResult> {
    let res: HttpResponseLike;
    try {
      res = await this.fetchFn(url, init);
    } catch (e) {
      const cause = (e as { cause?: { code?: string } }).cause?.code;
      throw new MacError('network', `Could not reach ${url}${cause ? ` (${cause})` : ''}: is the server running and the URL right?`, { cause: e });
    }
    return { status: res.status, contentType: res.headers.get('content-type') ?? '', text: await res.text() };
  }

  /** A PSSO form POST (nonce, login, refresh, key); headers as in Apple's web-auth example. */
  postForm(url: string, body: string, accept: string, requestId: string): Promise<HttpResult> {
    return this.send(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        accept,
        'client-request-id': requestId,
        'user-agent': USER_AGENT,
        'accept-language': 'en-US,en;q=0.9',
        'cache-control': 'no-cache',
      },
      body,
    });
  }

  /** Registration API and sign-in (vendor-defined, JSON). */
  postJson(url: string, body: unknown, bearer?: string, requestId?: string): Promise<HttpResult> {
    const headers: Record<string, string> = {
      'content-type': 'application/json', accept: ACCEPT.json, 'user-agent': USER_AGENT, 'client-request-id': requestId ?? newRequestId(),
    };
    if (bearer) headers.authorization = `Bearer ${bearer}`;
    return this.send(url, { method: 'POST', headers, body: JSON.stringify(body) });
  }

  /**
   * A POST shaped as an extension's own URLSession call: its content type (URLSession's default is
   * form-urlencoded even for JSON) and no client-request-id, which only AppSSOAgent adds.
   */
  postRaw(url: string, body: string, contentType: string, accept: string = ACCEPT.json): Promise<HttpResult> {
    return this.send(url, { method: 'POST', headers: { 'content-type': contentType, accept, 'user-agent': USER_AGENT }, body });
  }

  getJson(url: string): Promise<HttpResult> {
    return this.send(url, { method: 'GET', headers: { accept: ACCEPT.json, 'user-agent': USER_AGENT } });
  }

  /** GET or POST JSON, requiring a 2xx answer; `what` names the step in the refusal message. */
  async json<T>(what: string, r: Promise<HttpResult>): Promise<T | undefined> {
    const res = await r;
    if (res.status < 200 || res.status > 299) throw refusalError(what, res.status, res.text);
    if (res.text.trim() === '') return undefined;
    try {
      return JSON.parse(res.text) as T;
    } catch {
      throw new MacError('verification', `The ${what} answer is not JSON.`);
    }
  }
}

/** Reads a dotted key path ("Nonce", "data.nonce") like nonceResponseKeypath does. */
export function readKeyPath(value: unknown, path: string): unknown {
  let cur = value;
  for (const part of path.split('.')) {
    if (typeof cur !== 'object' || cur === null) return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}
