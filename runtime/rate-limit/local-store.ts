// Rate-limit buckets in this process: the default, and the fallback whenever Redis is configured but not
// answering. A missing entry is a full bucket (bucket.ts deletes entries that refill to full when touched);
// a sweep, at most once a window, drops entries that have refilled since, so memory follows the set of
// clients active in the last minute, not every address ever seen.
import { charge, levelAt, WINDOW_MS, type BucketCharge, type BucketState, type ChargeResult } from "./bucket.ts";

export class LocalBucketStore {
  private readonly states = new Map<string, BucketState & { capacity: number }>();
  private lastSweep: number;

  constructor(private readonly now: () => number = () => performance.now()) {
    this.lastSweep = now();
  }

  charge(charges: readonly BucketCharge[], force: boolean): ChargeResult {
    const now = this.now();
    if (now - this.lastSweep >= WINDOW_MS) this.sweep(now);
    const result = charge(this.states as Map<string, BucketState>, charges, now, force);
    // Remember each stored bucket's capacity so the sweep can tell when it is full again.
    for (const c of charges) {
      const state = this.states.get(c.key);
      if (state !== undefined) state.capacity = c.capacity;
    }
    return result;
  }

  /** Entries held (for tests and /health-style introspection). */
  get size(): number {
    return this.states.size;
  }

  private sweep(now: number): void {
    this.lastSweep = now;
    for (const [key, state] of this.states) {
      if (levelAt(state, state.capacity, now) >= state.capacity) this.states.delete(key);
    }
  }
}
