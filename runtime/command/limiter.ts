// Bounded concurrency for one command provider: a CLI run is a whole process (often a Node runtime and a
// model session), so at most `maxConcurrent` run at once. Further requests wait in a FIFO queue; once the
// queue holds `maxQueued`, a request is turned away at once as "busy" so its route falls back instead of
// piling up. A waiter whose signal fires (client gone, queue wait timed out) leaves the queue.

/** Gives the slot back; calling it again does nothing. */
export type Release = () => void;

export interface ConcurrencyLimiter {
  readonly maxConcurrent: number;
  readonly maxQueued: number;
  /** Slots in use. */
  readonly running: number;
  /** Requests waiting for a slot. */
  readonly waiting: number;
  /**
   * A slot: at once when one is free, else after the waiters ahead of this one. "busy" (at once) when the
   * queue is full; "aborted" when `signal` fires first.
   */
  acquire(signal?: AbortSignal): Promise<Release | "busy" | "aborted">;
}

interface Waiter {
  grant(release: Release): void;
}

export function createConcurrencyLimiter(maxConcurrent: number, maxQueued = 4 * maxConcurrent): ConcurrencyLimiter {
  let running = 0;
  const queue: Waiter[] = [];

  const makeRelease = (): Release => {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = queue.shift();
      // The slot passes straight to the next waiter, so a newcomer cannot overtake the queue.
      if (next) next.grant(makeRelease());
      else running--;
    };
  };

  return {
    maxConcurrent,
    maxQueued,
    get running() {
      return running;
    },
    get waiting() {
      return queue.length;
    },
    acquire(signal) {
      if (signal?.aborted) return Promise.resolve("aborted");
      if (running < maxConcurrent) {
        running++;
        return Promise.resolve(makeRelease());
      }
      if (queue.length >= maxQueued) return Promise.resolve("busy");
      return new Promise((resolve) => {
        const onAbort = () => {
          const at = queue.indexOf(waiter);
          if (at >= 0) queue.splice(at, 1);
          resolve("aborted");
        };
        const waiter: Waiter = {
          grant(release) {
            signal?.removeEventListener("abort", onAbort);
            resolve(release);
          },
        };
        queue.push(waiter);
        signal?.addEventListener("abort", onAbort, { once: true });
      });
    },
  };
}
