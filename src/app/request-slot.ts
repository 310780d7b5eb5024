// The request's place in the server's fair admission (src/server/fair-admission.ts), handed to use
// cases as a plain value so they need not know about HTTP. Work that waits off the event loop
// (argon2id on the thread pool, often behind a queue) gives its place back meanwhile, so requests
// waiting for a password check never keep everyone else's requests from running. (Passed explicitly:
// AsyncLocalStorage would do it implicitly but costs every promise of every request.)

export interface RequestSlot {
  release(): void;
  reacquire(): Promise<void>;
}

/** Runs `fn` without holding the request's admission slot, and takes a slot again afterwards. */
export async function offEventLoop<T>(slot: RequestSlot | undefined, fn: () => Promise<T>): Promise<T> {
  if (!slot) return fn();
  slot.release();
  try {
    return await fn();
  } finally {
    await slot.reacquire();
  }
}
