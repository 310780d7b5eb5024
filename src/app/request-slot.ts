// The request's place in the server's fair admission (src/server/fair-admission.ts), carried in
// async context so use cases need not know about HTTP. Work that waits off the event loop (argon2id
// on the thread pool, often behind a queue) hands its place back meanwhile, so requests waiting for
// a password check never keep everyone else's requests from running.

import { AsyncLocalStorage } from 'node:async_hooks';

export interface RequestSlot {
  release(): void;
  reacquire(): Promise<void>;
}

export const requestSlots = new AsyncLocalStorage<RequestSlot>();

/** Runs `fn` without holding the request's admission slot, and takes a slot again afterwards. */
export async function offEventLoop<T>(fn: () => Promise<T>): Promise<T> {
  const slot = requestSlots.getStore();
  if (!slot) return fn();
  slot.release();
  try {
    return await fn();
  } finally {
    await slot.reacquire();
  }
}
