// Turns sign-in events into Graph-shaped sign-in log rows (entra-mdm.md §4.1) and stores them.

import { randomUUID } from 'node:crypto';
import type { AppContext } from './context.js';
import type { Store } from '../storage/ports.js';
import type { Clock } from './clock.js';
import type { SignInEvent, SignInRecorder } from './sign-in-events.js';
import type { SignIn } from '../policy/sign-in.js';
import type { AccessDecision } from '../policy/types.js';
import { appDisplayName, DEVICE_REGISTRATION_APP_ID, PLATFORM_SSO_APP_ID, ADMIN_API_APP_ID } from '../policy/app-ids.js';
import { formatCode } from '../errors/catalogue.js';
import { isPssoError } from '../errors/psso-error.js';
import type { Metrics } from './metrics.js';

export function appIdFor(e: SignInEvent): string {
  if (e.appId) return e.appId;
  switch (e.operation) {
    case 'device_registration': case 'user_registration': case 'interactive_signin': return DEVICE_REGISTRATION_APP_ID;
    case 'admin_signin': case 'admin_action': return ADMIN_API_APP_ID;
    default: return PLATFORM_SSO_APP_ID;
  }
}

/** An admin action names what it changed (`admin_action revokeDevice target=dev_x ...`); sign-ins name their method. */
function successDetails(e: SignInEvent): string {
  if (e.operation === 'admin_action' && e.details) {
    const { action, ...rest } = e.details;
    return [e.operation, String(action), ...Object.entries(rest).map(([k, v]) => `${k}=${String(v)}`)].join(' ');
  }
  return `${e.operation}${e.method ? ` (${e.method})` : ''}${contextNotes(e)}`;
}

/** The extension dialect and the macOS 27 authorization scope, on success and refusal rows alike, so admins can filter by them. */
function contextNotes(e: SignInEvent): string {
  return `${e.extension !== undefined ? ` extension=${e.extension}` : ''}${e.userAction !== undefined ? ` userAction=${e.userAction}` : ''}`;
}

export function toSignInRow(e: SignInEvent, displayName: string | null): SignIn {
  const decision = (e.decision ?? e.error?.extra?.decision) as AccessDecision | undefined;
  const err = e.error?.entry;
  const appId = appIdFor(e);
  return {
    id: randomUUID(),
    createdDateTime: new Date(e.at).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    userId: e.userId ?? '',
    userPrincipalName: e.userPrincipalName ?? '',
    userDisplayName: displayName ?? '',
    appId,
    appDisplayName: e.appDisplayName ?? appDisplayName(appId),
    ipAddress: e.ipAddress,
    clientAppUsed: e.interactive ? 'Browser' : 'Mobile Apps and Desktop clients',
    isInteractive: e.interactive,
    correlationId: e.correlationId,
    status: err
      ? {
          // Admins search by the Entra number they know (50076); OpenPSSO's own code is in the details.
          errorCode: err.entra ?? err.code,
          failureReason: e.error!.message,
          additionalDetails: `${formatCode(err)} ${err.name}.${contextNotes(e)} Fix: ${err.remediation}`,
        }
      : { errorCode: 0, failureReason: null, additionalDetails: successDetails(e) },
    conditionalAccessStatus: decision?.conditionalAccessStatus ?? 'notApplied',
    appliedConditionalAccessPolicies: decision?.appliedConditionalAccessPolicies ?? [],
    authenticationRequirement: decision?.authenticationRequirement ?? 'singleFactorAuthentication',
    authenticationRequirementSource: decision?.authenticationRequirementSource ?? null,
    // The Mac's authorization scope is the authentication context it asked for (docs/apps.md).
    ...(e.userAction !== undefined ? { authenticationContextClassReferences: [{ id: e.userAction, detail: 'required' as const }] } : {}),
    deviceDetail: {
      deviceId: e.deviceId ?? null, displayName: e.deviceUuid ?? null, operatingSystem: e.deviceId ? 'macOS' : null,
      isCompliant: null, isManaged: e.deviceId ? true : null, trustType: e.deviceId ? 'Platform SSO' : null,
      serialNumber: e.deviceSerialNumber ?? null, isAttested: e.deviceId && e.deviceAttested !== undefined ? e.deviceAttested : null,
    },
  };
}

/** Refusals that say "slow down" rather than "wrong": one row per source and window, with a count. */
const AGGREGATED = new Set(['user_locked', 'sign_in_throttled', 'rate_limited', 'server_busy']);
const WINDOW_MS = 60_000;
const MAX_OPEN_AGGREGATES = 10_000;
const MAX_RETRY_QUEUE = 10_000;
const RETRY_DELAYS_MS = [200, 1000, 5000];

interface Aggregate { orgId: string; row: SignIn; windowEnd: number; count: number; accounts: Set<string>; dirty: boolean; stored: Promise<void> }
interface PendingWrite { orgId: string; row: SignIn; attempts: number; kind: 'append' | 'update' }

const iso = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

/** Strips what no database stores (NUL and other C0 controls) and bounds every string, for a last try. */
function sanitised(row: SignIn): SignIn {
  return JSON.parse(JSON.stringify(row, (_k, v: unknown) =>
    typeof v === 'string' ? v.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ud800-\udfff]/g, '\ufffd').slice(0, 2000) : v)) as SignIn;
}

/**
 * Stores every event, and never drops one silently: a failed write is retried in the background
 * (then once more with the row sanitised), counted in metrics and, if it still fails, logged as an
 * error with its correlation id. Throttled and locked refusals are folded into one row per source,
 * refusal and minute, so a flood cannot fill the log; the row is written at once and its count
 * brought up to date when the window closes.
 */
export class StoreSignInRecorder implements SignInRecorder {
  private readonly aggregates = new Map<string, Aggregate>();
  private readonly retries: PendingWrite[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly store: Store,
    private readonly log: (msg: string, err: unknown) => void = () => undefined,
    private readonly metrics?: Metrics,
    private readonly now: () => number = Date.now,
  ) {}

  async record(e: SignInEvent): Promise<void> {
    this.metrics?.signInEvents.inc({ operation: e.operation, code: e.error ? e.error.code : '0' });
    let orgId: string | undefined;
    let row: SignIn;
    try {
      orgId = e.orgId ?? (await this.store.organisations.list())[0]?.id;
      if (!orgId) return;
      // Handlers that loaded the user pass its names along; look it up only when they did not.
      const user = e.userId && e.userDisplayName === undefined ? await this.store.users.get(e.userId) : null;
      row = toSignInRow({ ...e, userPrincipalName: e.userPrincipalName ?? user?.userPrincipalName }, e.userDisplayName ?? user?.displayName ?? null);
    } catch (err) {
      this.metrics?.signInLogWriteFailures.inc();
      this.log(`sign-in log row for ${e.correlationId} could not be built`, err);
      this.metrics?.signInLogWritesDropped.inc();
      return;
    }
    if (e.error && AGGREGATED.has(e.error.entry.name)) {
      await this.aggregate(orgId, e, row);
      return;
    }
    await this.write({ orgId, row, attempts: 0, kind: 'append' });
  }

  /** Writes what is still pending (aggregate counts, retries) now; for shutdown and tests. */
  async flush(): Promise<void> {
    for (const [key, a] of this.aggregates) {
      this.aggregates.delete(key);
      await this.closeAggregate(a);
    }
    const pending = this.retries.splice(0);
    for (const w of pending) await this.write(w);
    // Writes that failed again are back in the queue; they are retried by the timer, or given up below.
    if (this.retries.length > 0) await this.retryNow(true);
  }

  /** Rows waiting for a retry (a gauge for tests and operators). */
  get pendingRetries(): number {
    return this.retries.length;
  }

  private async aggregate(orgId: string, e: SignInEvent, row: SignIn): Promise<void> {
    const key = `${orgId}|${e.ipAddress}|${e.error!.entry.code}|${e.operation}`;
    const open = this.aggregates.get(key);
    if (open && e.at < open.windowEnd) {
      open.count += 1;
      if (open.accounts.size < 100 && row.userPrincipalName) open.accounts.add(row.userPrincipalName.toLowerCase());
      open.dirty = true;
      open.row.aggregate!.lastDateTime = row.createdDateTime;
      this.metrics?.signInLogRowsAggregated.inc();
      this.schedule();
      return;
    }
    if (open) {
      this.aggregates.delete(key);
      await this.closeAggregate(open);
    }
    if (this.aggregates.size >= MAX_OPEN_AGGREGATES) {
      const [oldestKey, oldest] = this.aggregates.entries().next().value as [string, Aggregate];
      this.aggregates.delete(oldestKey);
      await this.closeAggregate(oldest);
    }
    row.aggregate = { count: 1, firstDateTime: row.createdDateTime, lastDateTime: row.createdDateTime, accounts: row.userPrincipalName ? 1 : 0 };
    const a: Aggregate = {
      orgId, row, windowEnd: e.at + WINDOW_MS, count: 1, dirty: false,
      accounts: new Set(row.userPrincipalName ? [row.userPrincipalName.toLowerCase()] : []), stored: Promise.resolve(),
    };
    this.aggregates.set(key, a);
    a.stored = this.write({ orgId, row: { ...row }, attempts: 0, kind: 'append' });
    await a.stored;
    this.schedule();
  }

  private async closeAggregate(a: Aggregate): Promise<void> {
    await a.stored;
    if (!a.dirty) return;
    const accounts = a.accounts.size;
    const row: SignIn = {
      ...a.row,
      // Several accounts from one source is spraying: the row names none of them in particular.
      userPrincipalName: accounts > 1 ? '' : a.row.userPrincipalName,
      userId: accounts > 1 ? '' : a.row.userId,
      status: { ...a.row.status, additionalDetails: `${a.count} refusals from ${a.row.ipAddress} between ${a.row.aggregate!.firstDateTime} and ${a.row.aggregate!.lastDateTime}${accounts > 1 ? ` at ${accounts}${accounts >= 100 ? '+' : ''} accounts` : ''}. ${a.row.status.additionalDetails ?? ''}` },
      aggregate: { ...a.row.aggregate!, count: a.count, accounts },
    };
    await this.write({ orgId: a.orgId, row, attempts: 0, kind: 'update' });
  }

  private async write(w: PendingWrite): Promise<void> {
    try {
      const row = w.attempts > RETRY_DELAYS_MS.length ? sanitised(w.row) : w.row;
      if (w.kind === 'update') {
        // The first write of an aggregate may itself be waiting for a retry: then append the final version.
        if (!(await this.store.signInLogs.update(w.orgId, row))) await this.store.signInLogs.append(w.orgId, row);
      } else {
        await this.store.signInLogs.append(w.orgId, row);
      }
      if (w.attempts > 0) this.metrics?.signInLogWritesRetried.inc();
    } catch (err) {
      // A retry of a write that did land after all (a lost reply): the row is there.
      if (isPssoError(err) && err.entry.name === 'conflict') return;
      if (w.attempts === 0) this.metrics?.signInLogWriteFailures.inc();
      if (w.attempts > RETRY_DELAYS_MS.length) {
        this.metrics?.signInLogWritesDropped.inc();
        this.log(`sign-in log row ${w.row.id} (correlation ${w.row.correlationId}) could not be stored after ${w.attempts + 1} tries`, err);
        return;
      }
      if (this.retries.length >= MAX_RETRY_QUEUE) {
        this.metrics?.signInLogWritesDropped.inc();
        this.log(`sign-in log retry queue full; row ${w.row.id} (correlation ${w.row.correlationId}) dropped`, err);
        return;
      }
      if (w.attempts === 0) this.log(`sign-in log write failed for ${w.row.correlationId}; retrying`, err);
      this.retries.push({ ...w, attempts: w.attempts + 1 });
      this.schedule();
    }
  }

  private schedule(): void {
    if (this.timer) return;
    const attempts = this.retries[0]?.attempts ?? 1;
    const delay = this.retries.length > 0 ? RETRY_DELAYS_MS[Math.min(attempts, RETRY_DELAYS_MS.length) - 1]! : 5000;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.tick();
    }, delay);
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    const now = this.now();
    for (const [key, a] of this.aggregates) {
      if (a.windowEnd > now) continue;
      this.aggregates.delete(key);
      await this.closeAggregate(a);
    }
    await this.retryNow(false);
    if (this.retries.length > 0 || this.aggregates.size > 0) this.schedule();
  }

  /** One pass over the queue; `exhaust` runs each row through every remaining try at once. */
  private async retryNow(exhaust: boolean): Promise<void> {
    let rounds = exhaust ? RETRY_DELAYS_MS.length + 2 : 1;
    while (rounds-- > 0 && this.retries.length > 0) {
      const pending = this.retries.splice(0);
      for (const w of pending) await this.write(w);
    }
  }
}

/**
 * Rows created before this are past retention. The log is purged across organisations by age alone,
 * so the longest retention any organisation chose wins (never under the 30-day default).
 */
export async function signInLogCutoff(ctx: Pick<AppContext, 'store'> & { clock: Clock }): Promise<number> {
  let days = 30;
  for (const org of await ctx.store.organisations.list()) days = Math.max(days, (await ctx.store.orgSettings.get(org.id)).signInLogRetentionDays);
  return ctx.clock.now() - days * 86400_000;
}
