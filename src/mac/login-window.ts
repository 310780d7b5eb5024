// The login window and screensaver: local password check, live authentication when needed, password sync and the PSSO 2.0 unlock key exchange (psso-protocol.md §6, §11 step 3).

import type { JWTPayload } from 'jose';
import type { VirtualMac } from './agent.js';
import { MacError } from './errors.js';
import type { KeyExchangeResult, TokenResult } from './psso-client.js';
import { afterNetworkStep, planLoginWindow, type LiveOutcome, type LoginWindowPlan } from './password-sync.js';
import { isoZ } from './status-format.js';
import { decideRenewal, tokenFreshness } from './token-policy.js';
import { verifyLocalPassword } from './local-password.js';
import type { Method, SsoTokens } from './types.js';

export interface LoginResult {
  /** The user reached the desktop (login) or the session (unlock). */
  ok: boolean;
  event: 'login' | 'unlock';
  user: string;
  method: Method;
  plan: LoginWindowPlan['kind'];
  /** The network path taken: none at all, a refresh, or a full login. */
  path: 'local' | 'refresh' | 'full_login' | 'none';
  reason: string;
  network: boolean;
  passwordSynced: boolean;
  tokens?: { received: string; expiration: string };
  claims?: JWTPayload;
  latencyMs?: number;
  keyExchanges: KeyExchangeResult[];
  /** Set when a key exchange ran: true when the server's key matched the unlock certificate. */
  unlockKeyVerified?: boolean;
  messages: string[];
  error?: Record<string, unknown>;
}

function outcomeOf(e: unknown): LiveOutcome {
  if (!(e instanceof MacError)) return 'refused';
  if (e.kind === 'credential') return 'credential';
  if (e.kind === 'network') return 'unreachable';
  // A response that fails verification counts as a failed login, like any other refusal.
  return 'refused';
}

export async function loginWindow(mac: VirtualMac, event: 'login' | 'unlock', o: { user: string; password?: string; keyExchanges?: number }): Promise<LoginResult> {
  const { device, cfg } = await mac.registered();
  const u = await mac.state.user(o.user);
  if (!u.account && event === 'login' && device.createUsersEnabled && device.sharedDeviceKeys) return createUserAtLogin(mac, o);
  if (!u.account) throw new MacError('state', `There is no local account for ${o.user} on this Mac. Register the user first (\`openpsso mac register\`).`);
  if (!u.config) throw new MacError('state', `${o.user} has a local account but is not registered for Platform SSO on this Mac.`);
  const method = u.config.method;
  const now = mac.clock.now();
  // A smart card login is card + PIN; the local password is only checked when one is typed.
  const matchesLocal = o.password === undefined ? method === 'smart_card' : await verifyLocalPassword(o.password, u.account.passwordHash);
  if (!u.config.registered) {
    // After the device keys changed the user must register again; until then only the local account works.
    const reason = 'This user needs to register for Platform SSO again (the device registration changed); only the local password is checked.';
    return { ok: matchesLocal, event, user: u.config.loginUserName, method, plan: matchesLocal ? 'local' : 'reject', path: matchesLocal ? 'local' : 'none', reason,
      network: false, passwordSynced: false, keyExchanges: [], messages: [reason, matchesLocal ? 'Signed in with the local password.' : 'Incorrect password.'] };
  }
  const plan = planLoginWindow({ method, matchesLocal, tokensFresh: tokenFreshness(now, u.tokens) === 'fresh' });
  const result: LoginResult = {
    ok: false, event, user: u.config.loginUserName, method, plan: plan.kind, path: 'none', reason: plan.reason,
    network: false, passwordSynced: false, keyExchanges: [], messages: [plan.reason],
  };
  if (plan.kind === 'reject') {
    result.messages.push('Incorrect password.');
    return result;
  }
  if (method === 'password' && o.password === undefined) throw new MacError('usage', 'The Password method needs --password at the login window.');

  let tokens: { result: TokenResult; tokens: SsoTokens } | undefined;
  let failure: unknown;
  if (plan.kind === 'local') {
    result.path = 'local';
  } else {
    result.network = true;
    let action: 'refresh' | 'full_login' = 'full_login';
    if (plan.kind === 'renew') {
      const d = decideRenewal({ now, method, tokens: u.tokens, lastLoginDate: u.config.lastLoginDate, loginFrequency: device.loginFrequency, refreshEndpointURL: cfg.refreshEndpointURL, force: true });
      result.messages.push(d.reason);
      if (d.action === 'refresh') action = 'refresh';
    }
    if (action === 'refresh') {
      try {
        tokens = await mac.refreshTokens(u.config.loginUserName);
        result.path = 'refresh';
      } catch (e) {
        if (e instanceof MacError && e.kind === 'refused') result.messages.push(`${e.message} Trying a full login instead.`);
        else failure = e;
      }
    }
    if (!tokens && !failure) {
      try {
        tokens = await mac.fullLogin(u.config.loginUserName, o.password !== undefined ? { password: o.password } : {});
        result.path = 'full_login';
      } catch (e) {
        failure = e;
      }
    }
  }
  if (failure !== undefined) {
    if (!(failure instanceof MacError) || failure.kind === 'state' || failure.kind === 'usage') throw failure;
    result.error = failure.toJSON();
    result.messages.push(failure.message);
  }
  const after = plan.kind === 'local'
    ? { loggedIn: true, updateLocalPassword: false, message: 'Signed in with the local password.' }
    : afterNetworkStep(method, matchesLocal, tokens ? 'ok' : outcomeOf(failure));
  result.ok = after.loggedIn;
  result.messages.push(after.message);
  if (after.updateLocalPassword && o.password !== undefined) {
    await mac.setLocalPassword(u.slug, { ...u.account, fullName: (await mac.state.user(o.user)).account?.fullName ?? u.account.fullName }, o.password);
    result.passwordSynced = true;
  }
  if (tokens) {
    result.tokens = { received: isoZ(tokens.tokens.received), expiration: isoZ(tokens.tokens.expiration) };
    result.claims = tokens.result.claims;
    result.latencyMs = tokens.result.latencyMs;
  }
  // PSSO 2.0: unlocking with IdP credentials unwraps the keybag through the server's unlock key.
  if (result.ok && device.sharedDeviceKeys && cfg.keyEndpointURL && (await mac.state.user(o.user)).config?.unlockCertificate) {
    try {
      const kx = await mac.keyExchange({ user: o.user, count: o.keyExchanges ?? 1 });
      result.keyExchanges = kx.exchanges;
      result.unlockKeyVerified = kx.verified;
      result.network = true;
      result.messages.push(`unlock key verified (${kx.exchanges.length} key exchange${kx.exchanges.length > 1 ? 's' : ''})`);
    } catch (e) {
      result.unlockKeyVerified = false;
      result.messages.push(`The unlock key could not be verified: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  return result;
}

/**
 * EnableCreateUserAtLogin: an unknown name at the login window is checked live with the IdP and, on
 * success, becomes a local account named after TokenToUserMapping (Password method only here).
 */
async function createUserAtLogin(mac: VirtualMac, o: { user: string; password?: string }): Promise<LoginResult> {
  if (o.password === undefined) throw new MacError('usage', 'Creating a user at the login window needs --password.');
  const slug = (await mac.state.user(o.user)).slug;
  const now = mac.clock.now();
  await mac.state.saveUserConfig(slug, { loginUserName: o.user, method: 'password', created: now, registered: true });
  const result: LoginResult = {
    ok: false, event: 'login', user: o.user, method: 'password', plan: 'live', path: 'full_login', network: true, passwordSynced: false, keyExchanges: [],
    reason: 'No local account has this name and the profile enables creating users at login, so the Mac authenticates live.', messages: [],
  };
  result.messages.push(result.reason);
  try {
    const t = await mac.fullLogin(o.user, { password: o.password });
    const { device } = await mac.registered();
    const map = device.tokenToUserMapping ?? {};
    const account = t.result.claims[map.AccountName ?? 'preferred_username'];
    const full = t.result.claims[map.FullName ?? 'name'];
    const shortName = (typeof account === 'string' ? account : o.user).split('@')[0]!.toLowerCase();
    await mac.setLocalPassword(slug, { shortName, fullName: typeof full === 'string' ? full : o.user }, o.password);
    Object.assign(result, { ok: true, claims: t.result.claims, latencyMs: t.result.latencyMs, tokens: { received: isoZ(t.tokens.received), expiration: isoZ(t.tokens.expiration) } });
    result.messages.push(`Local account ${shortName} created from the id_token; its password is the identity provider password.`);
  } catch (e) {
    await mac.state.store.remove(`users/${slug}`);
    if (!(e instanceof MacError) || e.kind === 'state' || e.kind === 'usage') throw e;
    result.error = e.toJSON();
    result.messages.push(e.message, 'No account was created.');
  }
  return result;
}
