// Bounded, prioritised argon2id work. Each verification costs ~20 ms of a core and 19 MiB, so an
// unbounded flood of wrong passwords starves everything else: at most `concurrency` run at once,
// at most `queueLimit` wait per lane, and a request that cannot start within `maxWaitMs` is
// answered at once with a non-401 "busy, retry" error instead of queueing forever. Attempts from an
// address the account is familiar with take the priority lane, so an attacker's flood from
// elsewhere cannot push the real user to the back.

import { PssoError } from '../errors/psso-error.js';
import type { Metrics } from './metrics.js';

export type Lane = 'priority' | 'normal';

export interface PasswordWorkLimits {
  concurrency: number;
  queueLimit: number;
  maxWaitMs: number;
}

interface Waiting { start: () => void; reject: (e: unknown) => void; queuedAt: number }

export class PasswordWork {
  private running = 0;
  private readonly lanes: Record<Lane, Waiting[]> = { priority: [], normal: [] };

  constructor(private readonly limits: PasswordWorkLimits, private readonly metrics?: Metrics) {}

  /** Runs `fn` when a worker is free; throws server_busy when the lane is full or the wait too long. */
  async run<T>(lane: Lane, fn: () => Promise<T>): Promise<T> {
    if (this.running >= this.limits.concurrency) await this.wait(lane);
    else this.running += 1;
    try {
      return await fn();
    } finally {
      this.release();
    }
  }

  get queued(): number {
    return this.lanes.priority.length + this.lanes.normal.length;
  }

  private busy(lane: Lane): PssoError {
    this.metrics?.passwordWorkRejected.inc({ lane });
    const retryAfterSeconds = Math.max(1, Math.ceil(this.limits.maxWaitMs / 1000));
    return new PssoError('server_busy', `password checks are saturated; try again in ${retryAfterSeconds} s`, { retryAfterSeconds });
  }

  private wait(lane: Lane): Promise<void> {
    const queue = this.lanes[lane];
    if (queue.length >= this.limits.queueLimit) return Promise.reject(this.busy(lane));
    return new Promise<void>((resolve, reject) => {
      queue.push({ start: resolve, reject, queuedAt: Date.now() });
      this.metrics?.passwordWorkQueued.set({ lane }, queue.length);
    });
  }

  /** Hands the freed worker to the next waiter that has not waited too long, priority lane first. */
  private release(): void {
    const now = Date.now();
    for (const lane of ['priority', 'normal'] as const) {
      const queue = this.lanes[lane];
      let next: Waiting | undefined;
      while ((next = queue.shift()) !== undefined) {
        this.metrics?.passwordWorkQueued.set({ lane }, queue.length);
        if (now - next.queuedAt > this.limits.maxWaitMs) { next.reject(this.busy(lane)); continue; }
        next.start(); // the worker passes straight to it: `running` stays the same
        return;
      }
    }
    this.running -= 1;
  }
}
