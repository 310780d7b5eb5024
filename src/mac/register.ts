// Device then user registration as a vendor SSO extension does it (native API or twocanoes style), followed by the first full login and, for Password + shared keys, the key request (psso-protocol.md §2.4, §11 steps 1-2).

import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { generateP256, kidFromX963, pemFromX963 } from '../protocol/ec-keys.js';
import type { VirtualMac } from './agent.js';
import { MacError, parseErrorBody } from './errors.js';
import { totpAt } from '../policy/totp.js';
import { base32Decode } from '../policy/base32.js';
import { FILES, userSlug } from './state-store.js';
import { readCard } from './smart-card.js';
import { ACCEPT } from './http.js';
import { attestKey, virtualMacIdentifiers, type AttestationAuthority } from './attestation.js';
import { DEFAULT_LOGIN_FREQUENCY } from './token-policy.js';
import { CLI_METHOD_NAMES, type DeviceConfig, type LoginConfig, type Method, type UserConfig } from './types.js';
import { profileDefaults, type MacProfileSettings } from './profile-settings.js';
import { macExtension } from './extensions/index.js';
import type { ExtensionName, MacKey } from './extensions/types.js';
import { EXTENSIONS } from '../profile/extensions.js';

export interface CompatLoginOptions {
  clientId?: string;
  issuer?: string;
  tokenUrl?: string;
  jwksUrl?: string;
  nonceUrl?: string;
  refreshUrl?: string;
  keyUrl?: string;
  audience?: string;
}

export interface RegisterOptions {
  /** Server base URL (the issuer); may come from the profile. */
  server?: string;
  /** Registration token (rgt.…), as in the MDM profile. */
  token?: string;
  /** Sign in with user and password to get a bearer token instead of a registration token. */
  interactive?: boolean;
  /** Base32 TOTP secret of the user's authenticator app, to answer an MFA step of the interactive sign-in. */
  totpSecret?: string;
  user: string;
  method?: Method;
  /** The IdP password: proves the user at registration and is used for the first Password login. */
  password?: string;
  /** The local account password when it should differ from `password` (key methods). */
  localPassword?: string;
  sharedDeviceKeys?: boolean;
  cardKeyPath?: string;
  cardCertPath?: string;
  compat?: boolean;
  compatLogin?: CompatLoginOptions;
  profile?: MacProfileSettings;
  /** Use loginRequestEncryptionPublicKey for password logins when offered (default true, as macOS). */
  encryptPassword?: boolean;
  groups?: string[];
  /** Register the device again with new keys even if it is registered. */
  repair?: boolean;
  /** macOS 27 web-based login: the OpenID method, with tokenExchange among the grant types. */
  webLogin?: boolean;
  /** Act as this open SSO extension (its paths, encodings and registration); native: OpenPSSO's own API. */
  extension?: ExtensionName;
  /** Attest the keys with this test root (attestKey stand-in; docs/attestation.md): native API and --extension uio. */
  attestation?: AttestationAuthority;
  /** With --extension uio: which generation of the UiO extension (wl0: the first release; wln: the newer ones, default). */
  generation?: 'wl0' | 'wln';
  /** With --extension uio --generation wln: ExtensionData UseRefreshToken (refresh requests are sent). */
  useRefreshToken?: boolean;
}

export interface RegisterResult {
  deviceUuid: string;
  serverDeviceId?: string;
  device: 'registered' | 'already registered' | 're-registered';
  user: string;
  method: Method;
  sharedDeviceKeys: boolean;
  signingKid: string;
  encryptionKid: string;
  userKeyId?: string;
  loginLatencyMs: number;
  unlockCertificateSubject?: string;
  messages: string[];
}

interface NativeAnswer {
  device?: { id?: string };
  loginConfiguration?: Omit<LoginConfig, 'created'>;
}

const trimSlash = (u: string) => u.replace(/\/+$/, '');

/** Registration token, or the bearer token of an interactive sign-in (a stand-in for the extension's web view). */
async function authorisation(mac: VirtualMac, server: string, o: RegisterOptions, profileToken?: string): Promise<string> {
  if (o.interactive) {
    if (o.password === undefined) throw new MacError('usage', 'Interactive registration signs in with --user and --password.');
    const r = await interactiveSignIn(mac, server, o.user, o.password, o.totpSecret);
    if (!r?.access_token) throw new MacError('verification', 'The sign-in answer has no access_token.');
    return r.access_token;
  }
  const token = o.token ?? profileToken;
  if (!token) throw new MacError('usage', 'Registration needs --token (the registration token from the profile) or --interactive.');
  return token;
}

/**
 * The extension's web view, scripted: password first; when the server asks for a second factor
 * (401 OPSSO1706 with a sign_in_session), answer with the authenticator app's current code.
 */
async function interactiveSignIn(mac: VirtualMac, server: string, user: string, password: string, totpSecret: string | undefined): Promise<{ access_token?: string } | undefined> {
  const first = await mac.http.postJson(`${server}/api/v1/signin`, { username: user, password });
  const body = parseErrorBody(first.text);
  if (first.status === 401 && body?.error_code === 'OPSSO1706' && typeof body.sign_in_session === 'string') {
    if (!totpSecret) {
      throw new MacError('usage', `The sign-in asks for a second factor (${String(body.mfa_reason ?? 'MFA required')}). Pass --totp-secret with the authenticator app's secret, or use the sign-in page at ${server}/signin.`, { status: 401, body });
    }
    const secret = base32Decode(totpSecret);
    if (!secret) throw new MacError('usage', '--totp-secret is not base32.');
    const code = totpAt(secret, Math.floor(mac.clock.now() / 1000));
    return mac.http.json('interactive sign-in (second factor)', mac.http.postJson(`${server}/api/v1/signin/mfa`, { sign_in_session: body.sign_in_session, totp_code: code }));
  }
  return mac.http.json('interactive sign-in', Promise.resolve(first));
}

async function compatLoginConfig(mac: VirtualMac, server: string, c: CompatLoginOptions, now: number): Promise<LoginConfig> {
  let discovered: { issuer?: string; token_endpoint?: string; jwks_uri?: string } = {};
  if (!c.tokenUrl || !c.jwksUrl || !c.issuer) {
    discovered = (await mac.http.json<typeof discovered>('discovery', mac.http.getJson(`${server}/.well-known/openid-configuration`))) ?? {};
  }
  const clientID = c.clientId;
  const tokenEndpointURL = c.tokenUrl ?? discovered.token_endpoint;
  const jwksEndpointURL = c.jwksUrl ?? discovered.jwks_uri;
  const issuer = c.issuer ?? discovered.issuer;
  if (!clientID) throw new MacError('usage', 'With --compat the client id must be given (--client-id): it is part of the extension, not of the server.');
  if (!tokenEndpointURL || !jwksEndpointURL || !issuer) throw new MacError('usage', 'With --compat give --token-url, --jwks-url and --issuer, or a server that serves /.well-known/openid-configuration.');
  return {
    clientID, issuer, audience: c.audience ?? clientID, tokenEndpointURL, jwksEndpointURL,
    nonceEndpointURL: c.nonceUrl ?? tokenEndpointURL,
    ...(c.refreshUrl ? { refreshEndpointURL: c.refreshUrl } : {}),
    ...(c.keyUrl ? { keyEndpointURL: c.keyUrl } : {}),
    nonceResponseKeypath: 'Nonce', serverNonceClaimName: 'request_nonce', additionalScopes: 'urn:apple:platformsso', created: now,
  };
}

/**
 * A fresh server nonce, then attestKey(.sharedDeviceSigning, clientDataHash = SHA-256(nonce)) as the UiO
 * extension does (extensions.md §4.5), with serial and UDID as AllowDeviceIdentifiersInAttestation adds them.
 */
async function attestSigningKey(mac: VirtualMac, server: string, ca: AttestationAuthority, signingX963: Buffer, deviceUuid: string) {
  const answer = await mac.http.json<{ Nonce?: unknown }>('attestation nonce request', mac.http.postForm(`${server}/psso/nonce`, 'grant_type=srv_challenge', ACCEPT.json, randomUUID()));
  if (typeof answer?.Nonce !== 'string') throw new MacError('verification', 'The nonce answer has no "Nonce" string.');
  const chain = await attestKey(ca, { attestedKeyX963: signingX963, nonce: answer.Nonce, ...virtualMacIdentifiers(deviceUuid), now: mac.clock.now() });
  return { attestation: chain.map((c) => c.toString('base64')), attestationNonce: answer.Nonce };
}

/** The Mac's hardware UUID survives a reset, like a real Mac's. */
async function hardwareUuid(mac: VirtualMac): Promise<string> {
  const text = await mac.state.store.readText('hardware.json');
  if (text) return (JSON.parse(text) as { deviceUuid: string }).deviceUuid;
  const deviceUuid = randomUUID().toUpperCase();
  await mac.state.store.writeText('hardware.json', `${JSON.stringify({ deviceUuid }, null, 2)}\n`);
  return deviceUuid;
}

export async function registerMac(mac: VirtualMac, o: RegisterOptions): Promise<RegisterResult> {
  const p = profileDefaults(o.profile);
  if (o.webLogin && o.method !== undefined && o.method !== 'openid') throw new MacError('usage', '--web-login registers the OpenID method; leave out --method.');
  const method: Method = o.webLogin ? 'openid' : o.method ?? p.method ?? 'password';
  if (method === 'openid' && o.password === undefined) throw new MacError('usage', 'Web login registration signs in on the web pages right away: give --password (and --totp-secret if the user has MFA).');
  const shared = o.sharedDeviceKeys ?? p.sharedDeviceKeys ?? true;
  // An extension's profile names its BaseURL (issuer + the dialect's base path); OpenPSSO's own, the issuer.
  const extensionChoice = o.extension ?? p.extension;
  const serverRaw = o.server ?? (extensionChoice && extensionChoice !== 'native' ? p.baseUrl : undefined) ?? p.issuerBaseUrl;
  if (!serverRaw) throw new MacError('usage', 'Registration needs the server URL (--server), or a profile that names it.');
  const server = trimSlash(serverRaw);
  const compat = o.compat ?? false;
  if (compat && method === 'secure_enclave') throw new MacError('usage', 'The twocanoes-style registration has no user registration, so the Secure Enclave key cannot be uploaded; use the native API or the Password method.');
  const ext = macExtension(extensionChoice);
  if (ext && compat) throw new MacError('usage', '--compat registers with another PSSO server; --extension acts as an open SSO extension against OpenPSSO. Choose one.');
  if (ext && !ext.methods.includes(method)) throw new MacError('usage', `The ${ext.name} extension implements ${ext.methods.map((m) => CLI_METHOD_NAMES[m]).join(' and ')}, not ${CLI_METHOD_NAMES[method]}.`);
  const extensionName: ExtensionName = ext?.name ?? 'native';
  let carried: Record<string, string> | undefined;
  const messages: string[] = [];
  const now = mac.clock.now();

  let device = await mac.state.device();
  let cfg = await mac.state.loginConfig();
  let deviceOutcome: RegisterResult['device'] = 'already registered';
  const reuse = device?.registrationCompleted && cfg && !o.repair && !device.needsRepair && device.serverUrl === server
    && device.compat === compat && (device.extension ?? 'native') === extensionName && device.sharedDeviceKeys === shared && (method !== 'openid' || device.supportedGrantTypes?.includes('tokenExchange') === true);
  let bearer: string | undefined;
  if (!reuse) {
    deviceOutcome = device?.registrationCompleted ? 're-registered' : 'registered';
    const deviceUuid = await hardwareUuid(mac);
    const signing = generateP256();
    const encryption = generateP256();
    const signingKid = kidFromX963(signing.x963);
    const encryptionKid = kidFromX963(encryption.x963);
    let serverDeviceId: string | undefined;
    if (ext) {
      const key = (k: ReturnType<typeof generateP256>): MacKey => ({ privateKey: k.privateKey, x963: k.x963, kid: kidFromX963(k.x963) });
      const r = await ext.registerDevice(mac, { deviceUuid, signing: key(signing), encryption: key(encryption), baseUrl: serverRaw, options: o, profile: p });
      serverDeviceId = r.serverDeviceId;
      carried = r.carried;
      cfg = { ...r.cfg, created: now };
    } else if (compat) {
      await mac.http.json('device registration', mac.http.postJson(`${server}/register`, {
        DeviceUUID: deviceUuid, DeviceSigningKey: pemFromX963(signing.x963), DeviceEncryptionKey: pemFromX963(encryption.x963), SignKeyID: signingKid, EncKeyID: encryptionKid,
      }));
      cfg = await compatLoginConfig(mac, server, o.compatLogin ?? {}, now);
    } else {
      bearer = await authorisation(mac, server, o, p.registrationToken);
      const attested = o.attestation ? await attestSigningKey(mac, server, o.attestation, signing.x963, deviceUuid) : {};
      const answer = await mac.http.json<NativeAnswer>('device registration', mac.http.postJson(`${server}/api/v1/devices`, {
        ...attested, deviceUuid, signingKey: pemFromX963(signing.x963), encryptionKey: pemFromX963(encryption.x963), signingKeyId: signingKid, encryptionKeyId: encryptionKid, sharedDeviceKeys: shared,
        // supportedGrantTypes(): web-based login requires tokenExchange (web-login-macos27.md §1).
        supportedGrantTypes: method === 'openid' ? ['password', 'jwtBearer', 'tokenExchange'] : ['password', 'jwtBearer'],
      }, bearer));
      if (!answer?.device?.id || !answer.loginConfiguration) throw new MacError('verification', 'The device registration answer lacks the device id or the login configuration.');
      serverDeviceId = answer.device.id;
      cfg = { ...answer.loginConfiguration, created: now };
    }
    await mac.state.writePem(FILES.signingKey, signing.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString());
    await mac.state.writePem(FILES.encryptionKey, encryption.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString());
    device = {
      version: 1, deviceUuid, created: device?.created ?? now, signingKid, encryptionKid, sharedDeviceKeys: shared, registrationCompleted: true,
      ...(serverDeviceId ? { serverDeviceId } : {}), serverUrl: server, compat, ...(ext ? { extension: ext.name } : {}), ...(ext?.name === 'uio' ? { extensionGeneration: o.generation ?? 'wln' } : {}), extensionIdentifier: p.extensionIdentifier ?? (ext ? EXTENSIONS[ext.name].extensionIdentifier : 'org.openpsso.mac.ssoextension'),
      method: p.method ?? method, loginFrequency: p.loginFrequency ?? DEFAULT_LOGIN_FREQUENCY, createUsersEnabled: p.createUsersEnabled ?? false,
      encryptPassword: o.encryptPassword ?? true, lastEncryptionKeyChange: now,
      ...((o.groups ?? p.groups)?.length ? { groupsToRequest: o.groups ?? p.groups } : {}),
      ...(p.accountDisplayName ? { accountDisplayName: p.accountDisplayName } : {}),
      ...(!compat && !ext ? { supportedGrantTypes: method === 'openid' ? ['password', 'jwtBearer', 'tokenExchange'] : ['password', 'jwtBearer'] } : {}),
      tokenToUserMapping: p.tokenToUserMapping ?? cfg.tokenToUserMapping ?? { AccountName: 'preferred_username', FullName: 'name' },
    } satisfies DeviceConfig;
    await mac.state.saveLoginConfig(cfg);
    await mac.state.saveDevice(device);
    mac.dropKeyCache();
    // New device keys end every user registration bound to the old ones (the server drops them too).
    for (const u of await mac.state.users()) {
      if (u.config) await mac.state.saveUserConfig(u.slug, { ...u.config, registered: false, unlockCertificate: undefined, keyContext: undefined } as UserConfig);
      if (u.tokens) await mac.state.removeTokens(u.slug);
    }
    messages.push(`Device ${deviceOutcome}: ${deviceUuid}${compat ? ' (twocanoes-style /register)' : ext ? ` (as the ${ext.name} extension)` : ''}, ${shared ? 'shared device keys' : 'per-user device keys'}.`);
  } else {
    messages.push(`Device already registered (${device!.deviceUuid}); registering the user only.`);
  }
  device = device!;
  cfg = cfg!;

  // User registration: the extension saves the login name and, for key methods, its key or certificate.
  const slug = userSlug(o.user);
  const existing = await mac.state.user(o.user);
  const userConfig: UserConfig = { loginUserName: o.user, method, created: existing.config?.created ?? now, registered: true };
  const body: Record<string, unknown> = { userPrincipalName: o.user, method };
  if (o.password !== undefined && !o.interactive) body.password = o.password;
  let userKey: MacKey | undefined;
  if (method === 'secure_enclave') {
    const key = generateP256();
    userConfig.userKeyId = kidFromX963(key.x963);
    userKey = { privateKey: key.privateKey, x963: key.x963, kid: userConfig.userKeyId };
    await mac.state.writePem(FILES.userKey(slug), key.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString());
    Object.assign(body, { userKey: pemFromX963(key.x963), userKeyId: userConfig.userKeyId });
    mac.dropKeyCache();
  } else if (method === 'smart_card') {
    if (!o.cardKeyPath || !o.cardCertPath) throw new MacError('usage', 'The smart card method needs --card-key and --card-cert (PEM files).');
    readCard(o.cardKeyPath, o.cardCertPath); // fails early when the key does not match the certificate
    Object.assign(userConfig, { smartCardKeyPath: o.cardKeyPath, smartCardCertPath: o.cardCertPath });
    body.certificate = readFileSync(o.cardCertPath, 'utf8').match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/)![0];
  }
  if (ext) {
    await ext.registerUser(mac, { baseUrl: serverRaw, deviceUuid: device.deviceUuid, options: o, method, userKey, cfg, carried });
  } else if (!compat) {
    bearer ??= await authorisation(mac, server, o, p.registrationToken);
    await mac.http.json('user registration', mac.http.postJson(`${server}/api/v1/devices/${encodeURIComponent(device.serverDeviceId!)}/users`, body, bearer));
  }
  messages.push(`User ${o.user} registered for the ${CLI_METHOD_NAMES[method]} method.`);

  if (!existing.account) {
    const local = o.localPassword ?? o.password;
    const shortName = o.user.split('@')[0]!.toLowerCase();
    if (local !== undefined) await mac.setLocalPassword(slug, { shortName, fullName: o.user }, local);
    else await mac.state.saveAccount(slug, { shortName, fullName: o.user, created: now, passwordHash: 'none' });
    messages.push(`Local account ${shortName} created${local === undefined ? ' without a usable password' : ''}.`);
  }
  await mac.state.saveUserConfig(slug, userConfig);

  // macOS performs a full login right after user registration to obtain the SSO tokens; with the
  // OpenID method that is a web login, which also runs the key service.
  let login: { result: { latencyMs: number } };
  try {
    if (method === 'openid') {
      const w = await mac.webLogin({ user: o.user, password: o.password!, ...(o.totpSecret ? { totpSecret: o.totpSecret } : {}) });
      login = { result: { latencyMs: w.latencyMs ?? 0 } };
    } else {
      login = await mac.fullLogin(o.user, o.password !== undefined ? { password: o.password } : {});
    }
  } catch (e) {
    throw e instanceof MacError ? new MacError(e.kind, `The user is registered, but the first login failed: ${e.message}`, { ...(e.status !== undefined ? { status: e.status } : {}), ...(e.body ? { body: e.body } : {}) }) : e;
  }
  messages.push(`First full login done; SSO tokens stored (${{ password: 'password', secure_enclave: 'Secure Enclave assertion', smart_card: 'smart card assertion', openid: 'web login, token exchange' }[method]}).`);

  const result: RegisterResult = {
    deviceUuid: device.deviceUuid, ...(device.serverDeviceId ? { serverDeviceId: device.serverDeviceId } : {}), device: deviceOutcome, user: o.user, method,
    sharedDeviceKeys: device.sharedDeviceKeys, signingKid: device.signingKid, encryptionKid: device.encryptionKid,
    ...(userConfig.userKeyId ? { userKeyId: userConfig.userKeyId } : {}), loginLatencyMs: login.result.latencyMs, messages,
  };
  // PSSO 2.0 key_request follows a Password-method user registration with shared device keys (A-REG).
  if (method === 'password' && device.sharedDeviceKeys && cfg.keyEndpointURL) {
    try {
      const kr = await mac.keyRequest(o.user);
      result.unlockCertificateSubject = kr.subject;
      messages.push(`Key request done: unlock certificate stored (${kr.subject.replace(/\n/g, ', ')}).`);
    } catch (e) {
      // UiO's first release points keyEndpointURL at BaseURL/psso/key, which no server serves
      // (extensions.md §4.11): a real Mac's key request fails there too, and registration still stands.
      if (!(ext && e instanceof MacError && e.status === 404)) throw e;
      messages.push(`Key request failed: ${cfg.keyEndpointURL} does not exist (HTTP 404), so this extension cannot use the PSSO 2.0 key service.`);
    }
  }
  return result;
}
