// Configuration schema: every setting with its default, validated once at start (zod). Every
// object is strict: an unknown key (a typo such as `databse`) is refused, never silently ignored.

import { availableParallelism } from 'node:os';
import { z } from 'zod';
import { parseCidr, parseIp } from '../policy/ip-range.js';

/** A token bucket: `burst` attempts at once, `perSecond` regained. */
const throttleRule = z.strictObject({ burst: z.coerce.number().int().min(1).max(100_000), perSecond: z.coerce.number().positive().max(10_000) });

/**
 * One reverse proxy in `trustProxy`: an IPv4 or IPv6 address, or a CIDR range with no host bits
 * set. Checked here so a typo is a configuration error at start, not a crash inside Fastify.
 */
export const proxyAddress = z.string().min(1).superRefine((s, ctx) => {
  if (s.includes('/')) {
    const cidr = s.includes('%') ? null : parseCidr(s);
    if (!cidr) ctx.addIssue({ code: 'custom', message: `${s} is not an IPv4 or IPv6 CIDR range` });
    else if (cidr.hostBitsSet) ctx.addIssue({ code: 'custom', message: `${s} has bits set below its /${cidr.prefix} prefix; write the network address` });
  } else if (s.includes('%') || !parseIp(s)) {
    ctx.addIssue({ code: 'custom', message: `${s} is not an IPv4 or IPv6 address (or CIDR range)` });
  }
});

/** A URL path prefix: starts with '/', no trailing slash (except '/' itself), no query. */
const basePath = z.string().regex(/^\/(?:[A-Za-z0-9._~-]+(?:\/[A-Za-z0-9._~-]+)*)?$/, "must be a path such as /fleet: a leading '/', no trailing '/'");

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

export const configSchema = z.strictObject({
  /** Public base URL of this identity provider; the id_token `iss` and the base of every endpoint. */
  issuer: url.default('http://127.0.0.1:9900'),
  listen: z.strictObject({
    host: z.string().min(1).default('127.0.0.1'),
    port: z.coerce.number().int().min(0).max(65535).default(9900),
  }).default({ host: '127.0.0.1', port: 9900 }),
  /** A real Mac only talks HTTPS with a publicly trusted certificate; local runs may use plain HTTP. */
  tls: z.strictObject({ certFile: z.string().min(1), keyFile: z.string().min(1) }).optional(),
  /** The SSO extension's clientID: `iss`/`client_id` of device requests, `aud` of id_tokens. */
  clientId: z.string().min(1).default('openpsso-macos'),
  /** The login configuration `audience`: the `aud` of embedded assertions. Defaults to clientId. */
  assertionAudience: z.string().min(1).optional(),
  dataDir: z.string().min(1).default('./data'),
  database: z.discriminatedUnion('kind', [
    z.strictObject({ kind: z.literal('sqlite'), file: z.string().min(1).optional() }),
    z.strictObject({ kind: z.literal('postgres'), url: z.string().min(1), schema: z.string().optional() }),
  ]).default({ kind: 'sqlite' }),
  tokens: z.strictObject({
    idTokenLifetimeSeconds: z.coerce.number().int().min(60).max(86400).default(3600),
    /** Rolling lifetime of refresh tokens (each refresh restarts it); stated as refresh_token_expires_in. */
    refreshTokenLifetimeSeconds: z.coerce.number().int().min(3600).max(90 * 86400).default(14 * 86400),
    nonceLifetimeSeconds: z.coerce.number().int().min(10).max(900).default(300),
    clockSkewSeconds: z.coerce.number().int().min(0).max(600).default(60),
    /**
     * Oldest iat accepted (plus the skew). 300 matches the 5 minutes a Mac itself gives a request
     * (exp = iat + 300), so a real Mac is never refused by it while a captured request cannot be
     * replayed later however far its exp reaches. Below 30 a slow link would start failing.
     */
    maxRequestAgeSeconds: z.coerce.number().int().min(30).max(3600).default(300),
    /**
     * Longest exp - iat accepted. Real Macs send 300; 600 leaves room for an OS release that
     * lengthens it without letting a client mint a request valid for years. Never below 300,
     * or every real Mac (and the macOS 13 flavour, given iat + 300) would be refused.
     */
    maxRequestLifetimeSeconds: z.coerce.number().int().min(300).max(3600).default(600),
    /**
     * How long a rotated refresh token may still be used once, if its successor was never used
     * (the reply carrying it was lost after the rotation committed). 120 s: such a reply only shows
     * as lost when the Mac's request times out (60 s is URLSession's default), so a retry lands
     * after that. Short enough that a copy of the old token is soon caught as reuse. 0 turns it off.
     */
    refreshGraceSeconds: z.coerce.number().int().min(0).max(300).default(120),
    bearerLifetimeSeconds: z.coerce.number().int().min(60).max(86400).default(900),
  }).default({
    idTokenLifetimeSeconds: 3600, refreshTokenLifetimeSeconds: 14 * 86400, nonceLifetimeSeconds: 300, clockSkewSeconds: 60,
    maxRequestAgeSeconds: 300, maxRequestLifetimeSeconds: 600, refreshGraceSeconds: 120, bearerLifetimeSeconds: 900,
  }),
  aasa: z.strictObject({
    /** TEAMID.bundle ids of the SSO app and extension, published under `authsrv`. */
    authsrvApps: z.array(z.string().regex(/^[A-Z0-9]{10}\.[\w.-]+$/, 'must look like TEAMID.com.vendor.app')).default([]),
    webcredentialsApps: z.array(z.string().regex(/^[A-Z0-9]{10}\.[\w.-]+$/, 'must look like TEAMID.com.vendor.app')).default([]),
  }).default({ authsrvApps: [], webcredentialsApps: [] }),
  registration: z.strictObject({
    /**
     * Deprecated (config/deprecations.ts): twocanoes-style unauthenticated POST /register at the root,
     * into the native login configuration; off by default because anyone could register. Superseded
     * by extensions.twocanoes, which gates registration by hardware UUID.
     */
    compatEndpoint: z.boolean().default(false),
    /** Organisation that compat registrations land in (the demo organisation by default). */
    compatOrgId: z.string().optional(),
  }).default({ compatEndpoint: false }),
  /**
   * The open SSO extensions' server contracts (../shared/reference/extensions.md), each an adapter at
   * the HTTP edge over the same registration and token use cases. Off unless enabled; each lives
   * under its own base path, so the extension's BaseURL is issuer + basePath.
   */
  extensions: z.strictObject({
    /** twocanoes Scissors (§2): BaseURL = issuer + basePath + '/', paths register, nonce, token, .well-known/jwks.json. */
    twocanoes: z.strictObject({
      enabled: z.boolean().default(false),
      basePath: basePath.default('/twocanoes'),
      /**
       * Accepted request client ids; the id_token aud echoes the one sent. @0dd3952 hard-codes `psso`;
       * the newer build reads its client id from the NonceEndpoint key by mistake, hence `nonce`.
       */
      clientIds: z.array(z.string().min(1)).min(1).default(['psso', 'nonce']),
      /** id_token iss; default the BaseURL with its trailing slash (what @0dd3952 saves as issuer). */
      idTokenIssuer: z.string().min(1).optional(),
      /** Organisation registrations land in (the first organisation when unset). */
      orgId: z.string().optional(),
      /**
       * Scissors registers unauthenticated (no token, no sign-in): only Macs whose hardware UUID
       * (IOPlatformUUID, compared case-insensitively) is listed here may register; anything else gets
       * OPSSO2000. Supply the list from the MDM inventory.
       */
      allowedDeviceUuids: z.array(z.string().min(1)).default([]),
      /** Let any Mac register through this dialect, without the allow-list: test set-ups only. */
      openRegistration: z.boolean().default(false),
    }).prefault({}),
    /** Fleet's FleetPSSOExtension (§3): BaseURL = issuer + basePath, paths api/mdm/apple/psso/{nonce,registration,token,jwks}. */
    fleet: z.strictObject({
      enabled: z.boolean().default(false),
      basePath: basePath.default('/fleet'),
      /** The extension's clientID: its bundle id. */
      clientId: z.string().min(1).default('com.fleetdm.fleet-desktop.pssoextension'),
      /** id_token iss (and the extension's issuer/audience); default the issuer's host without port, as the extension derives it. */
      idTokenIssuer: z.string().min(1).optional(),
      /**
       * Registration is by the profile's RegistrationToken (an OpenPSSO registration token, rgt.…); the
       * device lands in the token's organisation. When set, tokens of other organisations are refused.
       */
      orgId: z.string().optional(),
    }).prefault({}),
    /** UiO Weblogin SSO (§4), both generations: BaseURL = issuer + basePath (no trailing slash), Keycloak-style paths. */
    uio: z.strictObject({
      enabled: z.boolean().default(false),
      basePath: basePath.default('/realms/openpsso'),
      /** ClientID of the profile: the PSSO request iss and the public OAuth client of its registration sign-in. */
      clientId: z.string().min(1).default('psso'),
      /** Audience of the profile: the aud of Secure Enclave assertions. */
      audience: z.string().min(1).default('psso'),
      /** id_token iss, the profile's Issuer; default the BaseURL (the realm URL). */
      idTokenIssuer: z.string().min(1).optional(),
      orgId: z.string().optional(),
    }).prefault({}),
  }).prefault({}),
  /** Apple Managed Device Attestation (extensions.md §4.6); the per-organisation mode is an org setting. */
  attestation: z.strictObject({
    /** PEM files of attestation roots; empty means Apple's Enterprise Attestation Root CA, built in. Tests configure their own. */
    trustedRootFiles: z.array(z.string().min(1)).default([]),
  }).prefault({}),
  smartCard: z.strictObject({
    /** PEM files of CAs that issue smart card certificates. */
    trustedCaFiles: z.array(z.string()).default([]),
    /** How a card certificate names its user when it was not registered explicitly. */
    userMapping: z.enum(['upn-san', 'email-san', 'subject-cn']).default('upn-san'),
  }).default({ trustedCaFiles: [], userMapping: 'upn-san' }),
  limits: z.strictObject({
    bodyLimitBytes: z.coerce.number().int().min(1024).max(1024 * 1024).default(64 * 1024),
    ...socketLimits,
  }).refine((l) => l.requestTimeoutMs === 0 || l.headersTimeoutMs <= l.requestTimeoutMs, { message: 'headersTimeoutMs must not exceed requestTimeoutMs', path: ['headersTimeoutMs'] })
    .default({ bodyLimitBytes: 64 * 1024, ...SOCKET_DEFAULTS }),
  /**
   * The credential guard (every secret check): throttles per source address and per account,
   * smart lockout, and bounded password work. Lockout threshold and first lock length are per
   * organisation (org settings); these are the server-wide parts.
   */
  credentialGuard: z.strictObject({
    /** Attempts from one address at unfamiliar accounts: wide, as an office NAT signs many people in at 9:00. */
    perAddress: throttleRule.default({ burst: 30, perSecond: 1 }),
    /** Attempts at one account (per familiar/unfamiliar class); above the lockout threshold so users see "locked until" first. */
    perAccount: throttleRule.default({ burst: 20, perSecond: 1 / 6 }),
    lockoutWindowSeconds: z.coerce.number().int().min(60).max(86400).default(900),
    /** Each lock in a row doubles, up to this. */
    maxLockoutSeconds: z.coerce.number().int().min(60).max(86400).default(3600),
    /** argon2id verifications running at once; default: one per core, less one for the event loop (at least 1). */
    passwordConcurrency: z.coerce.number().int().min(1).max(256).default(Math.max(1, availableParallelism() - 1)),
    /** Verifications waiting per lane (familiar / other) before "busy, retry" is answered at once. */
    passwordQueueLimit: z.coerce.number().int().min(0).max(10_000).default(32),
    /** Longest wait for a password worker before "busy, retry". */
    passwordMaxWaitMs: z.coerce.number().int().min(10).max(60_000).default(2000),
  }).prefault({}),
  /**
   * Fair admission: requests worked on at once, and how many one source address may have waiting
   * (served round robin across addresses, so one address's flood waits behind itself). Behind a
   * reverse proxy, set trustProxy so the address is the client's, or the proxy is one source.
   */
  admission: z.strictObject({
    concurrency: z.coerce.number().int().min(1).max(10_000).default(16),
    /**
     * Waiting costs no CPU, answering does: a flood refused at once comes straight back, so the
     * queue is as deep as the connection cap and a flood's extra requests simply wait their turn.
     */
    perSourceQueue: z.coerce.number().int().min(0).max(100_000).default(1000),
  }).prefault({}),
  /**
   * The reverse proxies in front of this server (addresses or CIDR ranges). A request whose direct
   * peer is one of them has its client address taken from X-Forwarded-For: the right-most address
   * that is not a listed proxy. From any other peer the header is ignored. `false`: no proxy.
   * `openpsso init --behind-proxy --proxy ADDR` writes it.
   */
  trustProxy: z.union([z.literal(false), z.array(proxyAddress)]).default(false),
  ops: z.strictObject({
    /** Addresses (CIDR) allowed to scrape GET /metrics; health and readiness are open to all. */
    metricsAllowFrom: z.array(z.string().min(1)).default(['127.0.0.0/8', '::1/128']),
  }).prefault({}),
  shutdown: z.strictObject({
    /**
     * On SIGTERM or SIGINT, how long requests in flight may take to finish before their
     * connections are closed and the process exits 1. 10 s fits the 30 s a Kubernetes pod gets by
     * default and is far above a password sign-in's worst wait (credentialGuard.passwordMaxWaitMs).
     */
    timeoutMs: ms.default(10_000),
  }).prefault({}),
  /** Create the demo organisation, users and groups on first start. */
  demo: z.boolean().default(false),
  log: z.strictObject({ level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'silent']).default('info') }).default({ level: 'info' }),
});

export type Config = z.infer<typeof configSchema>;
