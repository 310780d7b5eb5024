// Fair admission: at most `concurrency` requests are worked on at once, and requests wait in one
// queue per source address, started round robin. A flood from one address (256 wrong-
// password logins in flight from one managed Mac) then waits behind itself instead of in front of
// everyone else: every other address still gets a turn after at most one of the flood's requests.
// A source whose queue is full is answered at once, before its body is even read. A request that
// waits off the event loop (a password check) gives its slot back meanwhile (app/request-slot.ts).

import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { throttledError } from '../app/credential-guard.js';
import { sendError } from './error-reply.js';
import type { RequestSlot } from '../app/request-slot.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** This request's admission slot, for use cases that wait off the event loop. */
    admissionSlot?: RequestSlot;
  }
}

export interface AdmissionLimits {
  /** Requests worked on at once (the event loop interleaves them at every database await). */
  concurrency: number;
  /** Requests one source address may have waiting; beyond that it is refused at once. */
  perSourceQueue: number;
}

export class FairAdmission {
  private running = 0;
  private scheduled = false;
  /** Waiting requests by source; Map order is the round-robin order. */
  private readonly queues = new Map<string, Array<() => void>>();

  constructor(private readonly limits: AdmissionLimits) {}

  /**
   * Resolves when the request may run; false at once when its source's queue is full (unless
   * `force`). Even with a slot free a request waits for the next turn of the event loop: the
   * requests read in one poll phase are then started round robin by source, not in arrival order,
   * which is what keeps a second address's request from waiting behind a whole flood.
   */
  acquire(source: string, force = false): Promise<boolean> | boolean {
    let q = this.queues.get(source);
    if (q && q.length >= this.limits.perSourceQueue && !force) return false;
    if (!q && this.limits.perSourceQueue === 0 && !force && this.running >= this.limits.concurrency) return false;
    if (!q) this.queues.set(source, (q = []));
    const queue = q;
    const admitted = new Promise<boolean>((resolve) => queue.push(() => resolve(true)));
    this.schedule();
    return admitted;
  }

  /** Frees a slot; the next request in turn starts on the next turn of the event loop. */
  release(): void {
    this.running -= 1;
    if (this.queues.size > 0) this.schedule();
  }

  get waiting(): number {
    let n = 0;
    for (const q of this.queues.values()) n += q.length;
    return n;
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.drain();
    });
  }

  /** Starts waiting requests while slots are free, one per source in turn (a served source goes to the back). */
  private drain(): void {
    while (this.running < this.limits.concurrency) {
      const first = this.queues.entries().next();
      if (first.done) return;
      const [source, q] = first.value;
      const next = q.shift()!;
      this.queues.delete(source);
      if (q.length > 0) this.queues.set(source, q);
      this.running += 1;
      next();
    }
  }
}

/** Installs fair admission on every request of `app`. */
export function fairAdmission(app: FastifyInstance, limits: AdmissionLimits, now: () => Date): FairAdmission {
  const admission = new FairAdmission(limits);
  app.addHook('onRequest', (req: FastifyRequest, reply: FastifyReply, done: (err?: Error) => void) => {
    const refuse = () => {
      sendError(req, reply, throttledError(req.url.startsWith('/psso/') ? 'token_endpoint' : 'admission', 1000, 'too many requests in flight from this address'), now());
    };
    let held = false;
    let finished = false;
    const slot: RequestSlot = {
      release() {
        if (!held) return;
        held = false;
        admission.release();
      },
      async reacquire() {
        if (held || finished) return;
        // Already admitted once: it waits its turn again but is not refused.
        await admission.acquire(req.ip, true);
        held = true;
        if (finished) slot.release();
      },
    };
    // 'close' fires once whether the reply was sent, failed or the client went away.
    reply.raw.once('close', () => {
      finished = true;
      slot.release();
    });
    const admitted = admission.acquire(req.ip);
    if (admitted === false) { refuse(); return; }
    void (admitted as Promise<boolean>).then(() => {
      held = true;
      if (finished) { slot.release(); return; }
      req.admissionSlot = slot;
      done();
    });
  });
  return admission;
}
