// Fair admission: at most `concurrency` requests are worked on at once, and when more arrive they
// wait in one queue per source address, served round robin. A flood from one address (256 wrong-
// password logins in flight from one managed Mac) then waits behind itself instead of in front of
// everyone else: every other address still gets a turn after at most one of the flood's requests.
// A source whose queue is full is answered at once, before its body is even read. A request that
// waits off the event loop (a password check) gives its slot back meanwhile (app/request-slot.ts).

import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { PssoError } from '../errors/psso-error.js';
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
  /** Waiting requests by source; Map order is the round-robin order. */
  private readonly queues = new Map<string, Array<() => void>>();

  constructor(private readonly limits: AdmissionLimits) {}

  /** Resolves when the request may run; false when its source's queue is full (unless `force`). */
  acquire(source: string, force = false): Promise<boolean> | boolean {
    if (this.running < this.limits.concurrency && this.queues.size === 0) {
      this.running += 1;
      return true;
    }
    let q = this.queues.get(source);
    if (!q) this.queues.set(source, (q = []));
    if (q.length >= this.limits.perSourceQueue && !force) {
      if (q.length === 0) this.queues.delete(source);
      return false;
    }
    return new Promise<boolean>((resolve) => q.push(() => resolve(true)));
  }

  /** Hands the slot to the next source in turn (which then goes to the back), or frees it. */
  release(): void {
    const first = this.queues.entries().next();
    if (first.done) {
      this.running -= 1;
      return;
    }
    const [source, q] = first.value;
    const next = q.shift()!;
    this.queues.delete(source);
    if (q.length > 0) this.queues.set(source, q);
    next();
  }

  get waiting(): number {
    let n = 0;
    for (const q of this.queues.values()) n += q.length;
    return n;
  }
}

/** Installs fair admission on every request of `app`. */
export function fairAdmission(app: FastifyInstance, limits: AdmissionLimits, now: () => Date): FairAdmission {
  const admission = new FairAdmission(limits);
  app.addHook('onRequest', (req: FastifyRequest, reply: FastifyReply, done: (err?: Error) => void) => {
    const refuse = () => {
      // The Mac's token endpoint never gets 429 (see the catalogue's status rules).
      const name = req.url.startsWith('/psso/') ? 'sign_in_throttled' : 'rate_limited';
      sendError(req, reply, new PssoError(name, 'too many requests in flight from this address', { retryAfterSeconds: 1 }), now());
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
    const go = (ok: boolean) => {
      if (!ok) { refuse(); return; }
      held = true;
      if (finished) { slot.release(); return; }
      req.admissionSlot = slot;
      done();
    };
    if (typeof admitted === 'boolean') go(admitted);
    else void admitted.then(go);
  });
  return admission;
}
