// Retention for every table that grows with use: nonces, refresh and bearer tokens, interactive
// sign-in sessions, temporary access passes, sign-in logs, the credential guard's counters and web login states and codes. Deletes run in bounded batches so one
// run never holds a long lock, and `scheduleRetention` runs the job on an interval without overlap.

import type { AppContext } from './context.js';
import { signInLogCutoff } from './sign-in-log.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

export interface RetentionSettings {
  /** Rows per DELETE statement. */
  batchSize: number;
  /** Statements per table per run; the rest waits for the next run. */
  maxBatchesPerTable: number;
  /** Expired nonces are kept this long, so a late request is still told "expired" rather than "unknown". */
  nonceKeepMs: number;
  /** Refresh tokens are kept this long after they expire. */
  refreshExpiredKeepMs: number;
  /** Refresh tokens revoked without rotation (admin revocation, family revocation) are kept this long. */
  refreshRevokedKeepMs: number;
  /** Bearer tokens are kept this long after they expire or are revoked. */
  bearerKeepMs: number;
  /** Temporary access passes are kept this long after they expire, are revoked or (one-time) used. */
  temporaryAccessPassKeepMs: number;
  /** Web login states and codes are kept this long after they expire (a late use is told "expired"). */
  webLoginKeepMs: number;
  /** Credential guard: throttle buckets untouched this long are full again, so they can go. */
  throttleKeepMs: number;
  /** Credential guard: a network not signed in from for this long is no longer familiar. */
  familiarKeepMs: number;
  /** Credential guard: lockouts whose window and lock ended this long ago (a later lock starts short again). */
  lockoutKeepMs: number;
}

/**
 * Rotated refresh tokens are not on this list on purpose: the store keeps them until their own expiry
 * (plus `refreshExpiredKeepMs`). A Mac that was asleep for days may present its token only then; if a
 * thief rotated it first, that late presentation is the only signal of reuse, and it needs the row.
 */
export const DEFAULT_RETENTION: RetentionSettings = {
  batchSize: 1000,
  maxBatchesPerTable: 100,
  nonceKeepMs: 10 * MINUTE,
  webLoginKeepMs: 10 * MINUTE,
  refreshExpiredKeepMs: HOUR,
  refreshRevokedKeepMs: DAY,
  bearerKeepMs: HOUR,
  temporaryAccessPassKeepMs: 7 * DAY,
  throttleKeepMs: DAY,
  familiarKeepMs: 90 * DAY,
  lockoutKeepMs: DAY,
};

export const RETENTION_TABLES = ['nonces', 'refreshTokens', 'bearerTokens', 'signInSessions', 'temporaryAccessPasses', 'signInLogs', 'credentialGuard', 'oidcArtefacts', 'webLogin'] as const;
export type RetentionTable = (typeof RETENTION_TABLES)[number];

export interface TableResult {
  deleted: number;
  /** DELETE statements issued. */
  batches: number;
  /** The per-run cap stopped the table with rows possibly left; the next run continues. */
  capped: boolean;
}

export type RetentionReport = Record<RetentionTable, TableResult>;

/** Deletes batch after batch until one comes back short (nothing left) or the cap is reached. */
async function drain(purge: (limit: number) => Promise<number>, s: RetentionSettings): Promise<TableResult> {
  const r: TableResult = { deleted: 0, batches: 0, capped: false };
  while (r.batches < s.maxBatchesPerTable) {
    const n = await purge(s.batchSize);
    r.batches++;
    r.deleted += n;
    if (n < s.batchSize) return r;
  }
  r.capped = true;
  return r;
}

/** One retention run over every table, each batch its own statement (no transaction spans the run). */
export async function runRetention(ctx: Pick<AppContext, 'store' | 'clock'>, settings: Partial<RetentionSettings> = {}): Promise<RetentionReport> {
  const s = { ...DEFAULT_RETENTION, ...settings };
  const now = ctx.clock.now();
  const { store } = ctx;
  const logCutoff = await signInLogCutoff(ctx);
  const purges: Record<RetentionTable, (limit: number) => Promise<number>> = {
    nonces: (n) => store.nonces.purgeExpired(now - s.nonceKeepMs, n),
    refreshTokens: (n) => store.refreshTokens.purgeEnded({ expiredBefore: now - s.refreshExpiredKeepMs, revokedBefore: now - s.refreshRevokedKeepMs }, n),
    bearerTokens: (n) => store.bearerTokens.purgeEnded(now - s.bearerKeepMs, n),
    signInSessions: (n) => store.signInSessions.purgeExpired(now, n),
    temporaryAccessPasses: (n) => store.temporaryAccessPasses.purgeEnded(now - s.temporaryAccessPassKeepMs, n),
    signInLogs: (n) => store.signInLogs.purgeBefore(logCutoff, n),
    credentialGuard: (n) => store.credentialGuard.purgeStale({
      bucketsBefore: now - s.throttleKeepMs, familiarBefore: now - s.familiarKeepMs, lockoutsBefore: now - s.lockoutKeepMs,
    }, n),
    // The OpenID Provider's sessions, interactions, grants, codes and tokens past their expiry.
    oidcArtefacts: (n) => store.oidcArtefacts.purgeExpired(now, n),
    // States first, then codes, within one batch budget.
    webLogin: async (n) => {
      const states = await store.webLoginStates.purgeExpired(now - s.webLoginKeepMs, n);
      return states + (states < n ? await store.webLoginCodes.purgeExpired(now - s.webLoginKeepMs, n - states) : 0);
    },
  };
  const report = {} as RetentionReport;
  for (const table of RETENTION_TABLES) report[table] = await drain(purges[table], s);
  return report;
}

export interface RetentionSchedule {
  /** Stops the timer and waits for a run in progress to finish. */
  stop(): Promise<void>;
}

export interface ScheduleOptions {
  intervalMs?: number;
  settings?: Partial<RetentionSettings>;
  onRun?: (r: RetentionReport) => void;
  onError?: (err: unknown) => void;
}

/**
 * Runs retention every `intervalMs` (first run one interval after start). The next run is scheduled
 * only when the previous one has finished, so runs never overlap; timers are unref'd so a pending run
 * never keeps the process alive.
 */
export function scheduleRetention(ctx: Pick<AppContext, 'store' | 'clock'>, opts: ScheduleOptions = {}): RetentionSchedule {
  const interval = opts.intervalMs ?? MINUTE;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  const arm = () => {
    if (stopped) return;
    timer = setTimeout(tick, interval);
    timer.unref();
  };
  const tick = () => {
    running = runRetention(ctx, opts.settings)
      .then((r) => opts.onRun?.(r), (e: unknown) => opts.onError?.(e))
      .finally(() => { running = undefined; arm(); });
  };
  arm();
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
