// The virtual Mac (AppSSOAgent plus the login window) as a class that tests, the benchmark and the CLI drive in-process.

import { X509Certificate, createPrivateKey, type KeyObject } from 'node:crypto';
import { x963FromPublicKey } from '../protocol/ec-keys.js';
import { MacError, REPAIR_CODES } from './errors.js';
import { MacHttp, type FetchLike } from './http.js';
import { IdTokenVerifier, groupsAfterLogin } from './id-token.js';
import { DEFAULT_SCRYPT_COST, hashLocalPassword, verifyLocalPassword } from './local-password.js';
import { PssoClient, type DeviceKeys, type KeyExchangeResult, type KeyRequestResult, type TokenResult, type UserCredential } from './psso-client.js';
import { DirectoryStore, FILES, MacState, MemoryStore, type StateStore } from './state-store.js';
import { formatStatus, isoZ, statusJson, type StatusSnapshot } from './status-format.js';
import { decideRenewal, type RenewalDecision } from './token-policy.js';
import type { DeviceConfig, LoginConfig, MacClock, SsoTokens, UserState } from './types.js';
import { registerMac, type RegisterOptions, type RegisterResult } from './register.js';
import { loginWindow, type LoginResult } from './login-window.js';
import { readCard } from './smart-card.js';
import { webLogin, type WebLoginOptions, type WebLoginResult } from './web-login.js';

export interface VirtualMacOptions {
  /** State directory; default ./data/macs/default. Ignored when `store` or `memory` is given. */
  dir?: string;
  /** Keep everything in memory (benchmark). */
  memory?: boolean;
  store?: StateStore;
  fetch?: FetchLike;
  clock?: MacClock;
  /** Allowed clock difference with the server, seconds (default 60, like FLEET and KC). */
  skewSeconds?: number;
  /** scrypt N for local passwords (default 16384). */
  scryptCost?: number;
}

export interface RefreshResult {
  ok: boolean;
  user: string;
  action: 'none' | 'refresh' | 'full_login' | 'deferred';
  decision: RenewalDecision;
  /** True when a refused refresh fell back to a full login. */
  fellBack: boolean;
  reason: string;
  tokens?: { received: string; expiration: string };
  latencyMs?: number;
  messages: string[];
}

export interface KeyExchangeRunResult {
  user: string;
  verified: boolean;
  exchanges: KeyExchangeResult[];
}

export interface StatusResult {
  text: string;
  json: Record<string, unknown>;
  snapshot: StatusSnapshot;
}

export type { LoginResult, RegisterOptions, RegisterResult };

export class VirtualMac {
  readonly state: MacState;
  readonly http: MacHttp;
  readonly clock: MacClock;
  readonly client: PssoClient;
  readonly scryptCost: number;
  private keys: DeviceKeys | undefined;
  private readonly userKeys = new Map<string, KeyObject>();
  private readonly unlockCerts = new Map<string, KeyObject>();

  constructor(opts: VirtualMacOptions = {}) {
    const store = opts.store ?? (opts.memory ? new MemoryStore() : new DirectoryStore(opts.dir ?? './data/macs/default'));
    this.state = new MacState(store);
    this.http = new MacHttp(opts.fetch);
    this.clock = opts.clock ?? { now: () => Date.now() };
    this.scryptCost = opts.scryptCost ?? DEFAULT_SCRYPT_COST;
    this.client = new PssoClient(this.http, new IdTokenVerifier(this.http, this.state), this.clock, opts.skewSeconds ?? 60);
  }

  static inMemory(opts: Omit<VirtualMacOptions, 'memory' | 'dir' | 'store'> = {}): VirtualMac {
    return new VirtualMac({ ...opts, memory: true });
  }

  get location(): string {
    return this.state.store.location;
  }

  register(o: RegisterOptions): Promise<RegisterResult> {
    return registerMac(this, o);
  }

  login(o: { user: string; password?: string; keyExchanges?: number }): Promise<LoginResult> {
    return loginWindow(this, 'login', o);
  }

  unlock(o: { user: string; password?: string; keyExchanges?: number }): Promise<LoginResult> {
    return loginWindow(this, 'unlock', o);
  }

  /** macOS 27 web-based login (`mac login --web`). */
  webLogin(o: WebLoginOptions): Promise<WebLoginResult> {
    return webLogin(this, o);
  }

  /** Device and login configuration, or a plain-words error when the Mac is not registered. */
  async registered(): Promise<{ device: DeviceConfig; cfg: LoginConfig }> {
    const [device, cfg] = await Promise.all([this.state.device(), this.state.loginConfig()]);
    if (!device?.registrationCompleted || !cfg) throw new MacError('state', `This virtual Mac (${this.location}) is not registered. Run \`openpsso mac register\` first.`);
    return { device, cfg };
  }

  /** The login name to act for: the one given, else the only Platform SSO user of this Mac. */
  async resolveUser(user?: string): Promise<UserState> {
    if (user) return this.state.user(user);
    const users = (await this.state.users()).filter((u) => u.config);
    if (users.length === 1) return users[0]!;
    throw new MacError('usage', users.length === 0 ? 'This Mac has no Platform SSO user yet; register one first.' : `Several users on this Mac (${users.map((u) => u.config!.loginUserName).join(', ')}); pick one with --user.`);
  }

  async deviceKeys(): Promise<DeviceKeys> {
    if (this.keys) return this.keys;
    const [s, e, device] = await Promise.all([this.state.readPem(FILES.signingKey), this.state.readPem(FILES.encryptionKey), this.state.device()]);
    if (!s || !e || !device) throw new MacError('state', 'The device keys are missing; register the Mac again (`openpsso mac register --repair`).');
    const encryption = createPrivateKey(e);
    this.keys = { signing: createPrivateKey(s), signingKid: device.signingKid, encryption, encryptionX963: x963FromPublicKey(encryption) };
    return this.keys;
  }

  /** Forget cached keys after (re-)registration or reset. */
  dropKeyCache(): void {
    this.keys = undefined;
    this.userKeys.clear();
    this.unlockCerts.clear();
  }

  /** What the user's method signs with; a password must be supplied by the caller. */
  async credentialFor(u: UserState, device: DeviceConfig, password?: string): Promise<UserCredential> {
    const c = u.config!;
    if (c.method === 'password') {
      if (password === undefined) throw new MacError('usage', 'The Password method needs the password for a full login (--password).');
      return { kind: 'password', password, encrypt: device.encryptPassword };
    }
    if (c.method === 'openid') {
      throw new MacError('usage', `${c.loginUserName} uses the OpenID method: the web sign-in is the credential. Log in with \`openpsso mac login --web\`.`);
    }
    if (c.method === 'secure_enclave') {
      let key = this.userKeys.get(u.slug);
      if (!key) {
        const pem = await this.state.readPem(FILES.userKey(u.slug));
        if (!pem || !c.userKeyId) throw new MacError('state', `The Secure Enclave key of ${c.loginUserName} is missing; register the user again.`);
        key = createPrivateKey(pem);
        this.userKeys.set(u.slug, key);
      }
      return { kind: 'secure_enclave', key, kid: c.userKeyId! };
    }
    if (!c.smartCardKeyPath || !c.smartCardCertPath) throw new MacError('state', `No smart card is recorded for ${c.loginUserName}; register with --card-key and --card-cert.`);
    return readCard(c.smartCardKeyPath, c.smartCardCertPath);
  }

  /** Marks the device as needing repair when the server says it no longer knows it. */
  async noteFailure(e: unknown): Promise<void> {
    if (!(e instanceof MacError) || !e.code || !REPAIR_CODES.has(e.code)) return;
    const device = await this.state.device();
    if (device) await this.state.saveDevice({ ...device, needsRepair: `${e.code} ${e.body?.error_description ?? e.message}` });
  }

  /** A full login for one user (no local password logic): nonce, login, verify, store. */
  async fullLogin(user: string, o: { password?: string } = {}): Promise<{ result: TokenResult; tokens: SsoTokens }> {
    const { device, cfg } = await this.registered();
    const u = await this.state.user(user);
    if (!u.config) throw new MacError('state', `${user} is not registered for Platform SSO on this Mac.`);
    const credential = await this.credentialFor(u, device, o.password);
    try {
      const result = await this.client.login({ cfg, keys: await this.deviceKeys(), username: u.config.loginUserName, credential, groups: device.groupsToRequest });
      return { result, tokens: await this.storeTokens(u, result, true, device, cfg) };
    } catch (e) {
      await this.noteFailure(e);
      throw e;
    }
  }

  /** A refresh request with the stored refresh token. */
  async refreshTokens(user: string): Promise<{ result: TokenResult; tokens: SsoTokens }> {
    const { device, cfg } = await this.registered();
    const u = await this.state.user(user);
    if (!u.config || !u.tokens) throw new MacError('state', `${user} has no SSO tokens to refresh.`);
    try {
      const result = await this.client.refresh({ cfg, keys: await this.deviceKeys(), username: u.config.loginUserName, refreshToken: u.tokens.refreshToken, groups: device.groupsToRequest });
      return { result, tokens: await this.storeTokens(u, result, false, device, cfg) };
    } catch (e) {
      await this.noteFailure(e);
      throw e;
    }
  }

  async storeTokens(u: UserState, t: TokenResult, full: boolean, device: DeviceConfig, cfg: LoginConfig): Promise<SsoTokens> {
    const now = this.clock.now();
    const tokens: SsoTokens = { idToken: t.idToken, refreshToken: t.refreshToken, ...(t.tokenType ? { tokenType: t.tokenType } : {}), received: now, expiration: now + t.lifetimeSeconds * 1000 };
    const fresh = await this.state.user(u.config!.loginUserName);
    const config = { ...fresh.config! };
    const uid = t.claims[cfg.uniqueIdentifierClaimName ?? 'sub'];
    if (typeof uid === 'string') config.uniqueIdentifier = uid;
    if (full) {
      config.lastLoginDate = now;
      // Group membership changes only after a user authentication, never on a refresh (A-DM).
      const groups = groupsAfterLogin(device.groupsToRequest, t.claims.groups);
      if (groups) config.groups = groups;
      const fullName = t.claims[(cfg.tokenToUserMapping ?? device.tokenToUserMapping)?.FullName ?? 'name'];
      if (fresh.account && typeof fullName === 'string' && fullName !== fresh.account.fullName) await this.state.saveAccount(u.slug, { ...fresh.account, fullName });
    }
    await Promise.all([this.state.saveTokens(u.slug, tokens), this.state.saveUserConfig(u.slug, config)]);
    if (device.needsRepair) await this.state.saveDevice({ ...device, needsRepair: undefined } as DeviceConfig);
    return tokens;
  }

  /** PSSO 2.0 key_request: mint or fetch the user's unlock key and keep its certificate. */
  async keyRequest(user?: string, authScope?: string): Promise<KeyRequestResult> {
    const { cfg } = await this.registered();
    const u = await this.resolveUser(user);
    if (!u.config || !u.tokens) throw new MacError('state', 'A key request needs SSO tokens (its refresh token authorises it); log in first.');
    const r = await this.client.keyRequest({ cfg, keys: await this.deviceKeys(), username: u.config.loginUserName, refreshToken: u.tokens.refreshToken, authScope }).catch(async (e) => { await this.noteFailure(e); throw e; });
    const fresh = await this.state.user(u.config.loginUserName);
    await this.state.saveUserConfig(u.slug, { ...fresh.config!, unlockCertificate: r.certificate, ...(r.keyContext ? { keyContext: r.keyContext } : {}) });
    this.unlockCerts.delete(u.slug);
    return r;
  }

  /** Runs `count` key exchanges at once (macOS sends two or three during an unlock), each verified. */
  async keyExchange(o: { user?: string; count?: number; authScope?: string } = {}): Promise<KeyExchangeRunResult> {
    const { device, cfg } = await this.registered();
    const u = await this.resolveUser(o.user);
    if (!device.sharedDeviceKeys) throw new MacError('state', 'Key exchange needs shared device keys (PSSO 2.0); this Mac was registered without them.');
    if (!u.config?.unlockCertificate) throw new MacError('state', `${u.config?.loginUserName ?? 'This user'} has no unlock certificate: the key request runs after a Password-method user registration.`);
    if (!u.tokens) throw new MacError('state', 'Key exchange needs SSO tokens (the refresh token authorises it); log in first.');
    let cert = this.unlockCerts.get(u.slug);
    if (!cert) {
      cert = new X509Certificate(Buffer.from(u.config.unlockCertificate, 'base64url')).publicKey;
      this.unlockCerts.set(u.slug, cert);
    }
    const keys = await this.deviceKeys();
    const base = { cfg, keys, username: u.config.loginUserName, refreshToken: u.tokens.refreshToken, certificate: cert, keyContext: u.config.keyContext, authScope: o.authScope };
    const exchanges = await Promise.all(Array.from({ length: Math.max(1, o.count ?? 1) }, () => this.client.keyExchange(base)))
      .catch(async (e) => { await this.noteFailure(e); throw e; });
    const ctx = exchanges.find((x) => x.keyContext)?.keyContext;
    if (ctx && ctx !== u.config.keyContext) await this.state.saveUserConfig(u.slug, { ...u.config, keyContext: ctx });
    return { user: u.config.loginUserName, verified: exchanges.every((x) => x.verified), exchanges };
  }

  /** In-session token check (§6): nothing, a refresh or a full login, following Apple's rules. */
  async refresh(o: { user?: string; force?: boolean; password?: string } = {}): Promise<RefreshResult> {
    const { device, cfg } = await this.registered();
    const u = await this.resolveUser(o.user);
    if (!u.config) throw new MacError('state', 'That user is not registered for Platform SSO on this Mac.');
    const user = u.config.loginUserName;
    const decision = decideRenewal({
      now: this.clock.now(), method: u.config.method, tokens: u.tokens, lastLoginDate: u.config.lastLoginDate,
      loginFrequency: device.loginFrequency, refreshEndpointURL: cfg.refreshEndpointURL, ...(o.force ? { force: true } : {}),
    });
    const done = (action: RefreshResult['action'], t: { result: TokenResult; tokens: SsoTokens }, fellBack: boolean, messages: string[]): RefreshResult => ({
      ok: true, user, action, decision, fellBack, reason: decision.reason, latencyMs: t.result.latencyMs,
      tokens: { received: isoZ(t.tokens.received), expiration: isoZ(t.tokens.expiration) }, messages,
    });
    if (decision.action === 'none') return { ok: true, user, action: 'none', decision, fellBack: false, reason: decision.reason, messages: [decision.reason] };
    const messages = [decision.reason];
    let fellBack = false;
    if (decision.action === 'refresh') {
      try {
        return done('refresh', await this.refreshTokens(user), false, [...messages, 'Refreshed the SSO tokens.']);
      } catch (e) {
        // A refused refresh token is not fatal: macOS falls back to a full login.
        if (!(e instanceof MacError) || e.kind !== 'refused' || (e.code && REPAIR_CODES.has(e.code))) throw e;
        messages.push(`${e.message} Falling back to a full login.`);
        fellBack = true;
      }
    }
    if (u.config.method === 'password' && o.password === undefined) {
      messages.push('A full login with the Password method needs the password. A real Mac would wait for the next login or screen unlock, when the user types it (or pass --password).');
      return { ok: false, user, action: 'deferred', decision, fellBack, reason: decision.reason, messages };
    }
    const t = await this.fullLogin(user, o.password !== undefined ? { password: o.password } : {});
    return done('full_login', t, fellBack, [...messages, u.config.method === 'password' ? 'Full login done.' : 'Silent full login done.']);
  }

  /** Local account password change only (System Settings > Users & Groups > Change Password). */
  async changePassword(o: { user: string; oldPassword: string; newPassword: string }): Promise<{ ok: boolean; messages: string[] }> {
    const u = await this.state.user(o.user);
    if (!u.account) throw new MacError('state', `There is no local account for ${o.user} on this Mac.`);
    if (!(await verifyLocalPassword(o.oldPassword, u.account.passwordHash))) return { ok: false, messages: ['The old password is not the local account password; nothing changed.'] };
    await this.state.saveAccount(u.slug, { ...u.account, passwordHash: await hashLocalPassword(o.newPassword, this.scryptCost), passwordChanged: this.clock.now() });
    const messages = ['Local account password changed. This does not change the identity provider password.'];
    if (u.config?.method === 'password') messages.push('With the Password method, the next login or unlock with the identity provider password will authenticate live and set the local password back to it (password sync).');
    else if (u.config) messages.push('With a key method the local password stays independent of the identity provider password.');
    return { ok: true, messages };
  }

  /** Whether anything of a virtual Mac is stored at this location (see MacState.exists). */
  hasState(): Promise<boolean> {
    return this.state.exists();
  }

  async status(o: { user?: string } = {}): Promise<StatusResult> {
    const [device, login] = await Promise.all([this.state.device(), this.state.loginConfig()]);
    let u: UserState | undefined;
    if (o.user) u = await this.state.user(o.user);
    else {
      // Like the console user: with several Platform SSO users, show the one who logged in last.
      const users = (await this.state.users()).filter((x) => x.config);
      u = users.sort((a, b) => (b.config!.lastLoginDate ?? 0) - (a.config!.lastLoginDate ?? 0))[0];
    }
    const snapshot: StatusSnapshot = { now: this.clock.now(), device, login, user: u?.config, tokens: u?.tokens, fullName: u?.account?.fullName };
    return { text: formatStatus(snapshot), json: statusJson(snapshot), snapshot };
  }

  /** Forget the registration (keys, configurations, tokens); local accounts and their passwords stay. */
  async reset(): Promise<{ messages: string[] }> {
    await this.state.forgetRegistration();
    this.dropKeyCache();
    return { messages: ['Registration forgotten: device keys, login configuration, user Platform SSO state and SSO tokens were removed. Local accounts were kept.'] };
  }

  /** Creates or updates a local account password (used by registration and create-user-at-login). */
  async setLocalPassword(slug: string, account: { shortName: string; fullName: string; created?: number }, password: string): Promise<void> {
    await this.state.saveAccount(slug, { shortName: account.shortName, fullName: account.fullName, created: account.created ?? this.clock.now(), passwordHash: await hashLocalPassword(password, this.scryptCost) });
  }
}
