// Configuration schema: every setting with its default, validated once at start (zod).

import { z } from 'zod';

const url = z.string().url().refine((u) => /^https?:\/\//.test(u), 'must be an http(s) URL');

/**
 * Socket limits (Node's http server through Fastify). Macs send requests of a few kilobytes, so a
 * whole request that takes longer than 10 s (headers 5 s) is a stalled or hostile client. Idle
 * keep-alive sockets live 72 s, Fastify's default: longer than the 60 s idle timeout of common
 * reverse proxies (nginx, AWS ALB), so the proxy, not us, closes a pooled connection and never
 * sends on one we are closing. Any socket silent for 120 s is closed. 1000 connections stays under
 * the usual 1024 open-file limit, leaving room for the database and files; behind a proxy a few
 * dozen are used. 0 turns a timeout (other than keep-alive) or the cap off.
 */
const SOCKET_DEFAULTS = { requestTimeoutMs: 10_000, headersTimeoutMs: 5_000, keepAliveTimeoutMs: 72_000, connectionTimeoutMs: 120_000, maxConnections: 1000 };
const ms = z.coerce.number().int().min(0).max(3_600_000);
const socketLimits = {
  requestTimeoutMs: ms.default(SOCKET_DEFAULTS.requestTimeoutMs),
  headersTimeoutMs: ms.default(SOCKET_DEFAULTS.headersTimeoutMs),
  // At least 1: Node reads 0 as "idle keep-alive sockets live for ever".
  keepAliveTimeoutMs: ms.min(1).default(SOCKET_DEFAULTS.keepAliveTimeoutMs),
  connectionTimeoutMs: ms.default(SOCKET_DEFAULTS.connectionTimeoutMs),
  maxConnections: z.coerce.number().int().min(0).max(1_000_000).default(SOCKET_DEFAULTS.maxConnections),
};

export const configSchema = z.object({
  /** Public base URL of this identity provider; the id_token `iss` and the base of every endpoint. */
  issuer: url.default('http://127.0.0.1:9900'),
  listen: z.object({
    host: z.string().min(1).default('127.0.0.1'),
    port: z.coerce.number().int().min(0).max(65535).default(9900),
  }).default({ host: '127.0.0.1', port: 9900 }),
  /** A real Mac only talks HTTPS with a publicly trusted certificate; local runs may use plain HTTP. */
  tls: z.object({ certFile: z.string().min(1), keyFile: z.string().min(1) }).optional(),
  /** The SSO extension's clientID: `iss`/`client_id` of device requests, `aud` of id_tokens. */
  clientId: z.string().min(1).default('openpsso-macos'),
  /** The login configuration `audience`: the `aud` of embedded assertions. Defaults to clientId. */
  assertionAudience: z.string().min(1).optional(),
  dataDir: z.string().min(1).default('./data'),
  database: z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('sqlite'), file: z.string().min(1).optional() }),
    z.object({ kind: z.literal('postgres'), url: z.string().min(1), schema: z.string().optional() }),
  ]).default({ kind: 'sqlite' }),
  tokens: z.object({
    idTokenLifetimeSeconds: z.coerce.number().int().min(60).max(86400).default(3600),
    /** Rolling lifetime of refresh tokens (each refresh restarts it); stated as refresh_token_expires_in. */
    refreshTokenLifetimeSeconds: z.coerce.number().int().min(3600).max(90 * 86400).default(14 * 86400),
    nonceLifetimeSeconds: z.coerce.number().int().min(10).max(900).default(300),
    clockSkewSeconds: z.coerce.number().int().min(0).max(600).default(60),
    bearerLifetimeSeconds: z.coerce.number().int().min(60).max(86400).default(900),
  }).default({ idTokenLifetimeSeconds: 3600, refreshTokenLifetimeSeconds: 14 * 86400, nonceLifetimeSeconds: 300, clockSkewSeconds: 60, bearerLifetimeSeconds: 900 }),
  aasa: z.object({
    /** TEAMID.bundle ids of the SSO app and extension, published under `authsrv`. */
    authsrvApps: z.array(z.string().regex(/^[A-Z0-9]{10}\.[\w.-]+$/, 'must look like TEAMID.com.vendor.app')).default([]),
    webcredentialsApps: z.array(z.string().regex(/^[A-Z0-9]{10}\.[\w.-]+$/, 'must look like TEAMID.com.vendor.app')).default([]),
  }).default({ authsrvApps: [], webcredentialsApps: [] }),
  registration: z.object({
    /** twocanoes-style unauthenticated POST /register; off by default because anyone could register. */
    compatEndpoint: z.boolean().default(false),
    /** Organisation that compat registrations land in (the demo organisation by default). */
    compatOrgId: z.string().optional(),
  }).default({ compatEndpoint: false }),
  smartCard: z.object({
    /** PEM files of CAs that issue smart card certificates. */
    trustedCaFiles: z.array(z.string()).default([]),
    /** How a card certificate names its user when it was not registered explicitly. */
    userMapping: z.enum(['upn-san', 'email-san', 'subject-cn']).default('upn-san'),
  }).default({ trustedCaFiles: [], userMapping: 'upn-san' }),
  limits: z.object({
    bodyLimitBytes: z.coerce.number().int().min(1024).max(1024 * 1024).default(64 * 1024),
    ...socketLimits,
  }).refine((l) => l.requestTimeoutMs === 0 || l.headersTimeoutMs <= l.requestTimeoutMs, { message: 'headersTimeoutMs must not exceed requestTimeoutMs', path: ['headersTimeoutMs'] })
    .default({ bodyLimitBytes: 64 * 1024, ...SOCKET_DEFAULTS }),
  /** Create the demo organisation, users and groups on first start. */
  demo: z.boolean().default(false),
  log: z.object({ level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'silent']).default('info') }).default({ level: 'info' }),
});

export type Config = z.infer<typeof configSchema>;
