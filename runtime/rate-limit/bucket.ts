// Token-bucket arithmetic, shared by the in-process store and mirrored line for line by the Redis Lua script
// (runtime/rate-limit/redis-store.ts), so a limit means the same thing wherever its state lives.
//
// A bucket holds up to `capacity` units (the per-minute limit) and refills continuously at capacity per
// minute. A check takes `cost` units from every bucket of a request, or from none: it passes when each
// bucket holds at least min(cost, capacity) — a request larger than a whole minute's budget still passes
// on a full bucket, and leaves it in debt. Settling (the usage an upstream reported, minus the estimate
// charged) is applied unconditionally, so a level may go below zero and later requests wait it out.

export const WINDOW_MS = 60_000;

export interface BucketState {
  /** Units available; may be negative after a settle. */
  level: number;
  /** When `level` was computed, in the store's clock (ms). */
  at: number;
}

/** One bucket a request touches: its store key, its per-minute capacity and what this request costs it. */
export interface BucketCharge {
  readonly key: string;
  readonly capacity: number;
  readonly cost: number;
}

/** A bucket's level after a check or settle, as the x-ratelimit headers report it. */
export interface BucketReport {
  /** Whole units left, never negative. */
  remaining: number;
  /** Milliseconds until the bucket is full again. */
  resetMs: number;
}

export interface ChargeResult {
  allowed: boolean;
  /** When refused: milliseconds until every short bucket holds enough. 0 when allowed. */
  waitMs: number;
  /** Per charge, in order. */
  reports: BucketReport[];
}

/** The level of a bucket at `now`: refilled since `state.at`, capped at capacity; a missing state is full. */
export function levelAt(state: BucketState | undefined, capacity: number, now: number): number {
  if (state === undefined) return capacity;
  return Math.min(capacity, state.level + ((now - state.at) * capacity) / WINDOW_MS);
}

/** Milliseconds until a bucket at `level` holds `units`. */
export function msUntil(level: number, units: number, capacity: number): number {
  return level >= units ? 0 : Math.ceil(((units - level) * WINDOW_MS) / capacity);
}

export function report(level: number, capacity: number): BucketReport {
  return { remaining: Math.max(0, Math.floor(level)), resetMs: msUntil(level, capacity, capacity) };
}

/**
 * Checks and takes atomically over `states` (a map the caller owns). `force` applies every cost without
 * checking (settling; negative costs refund, capped at capacity). Full buckets are deleted: a missing
 * state means full, which keeps the map as small as the set of recently active clients.
 */
export function charge(states: Map<string, BucketState>, charges: readonly BucketCharge[], now: number, force: boolean): ChargeResult {
  const levels: number[] = [];
  let waitMs = 0;
  for (const c of charges) {
    const level = levelAt(states.get(c.key), c.capacity, now);
    levels.push(level);
    if (!force) waitMs = Math.max(waitMs, msUntil(level, Math.min(c.cost, c.capacity), c.capacity));
  }
  const allowed = waitMs === 0;
  const reports: BucketReport[] = [];
  for (let i = 0; i < charges.length; i++) {
    const c = charges[i]!;
    let level = levels[i]!;
    if (allowed) {
      level = Math.min(c.capacity, level - c.cost);
      if (level >= c.capacity) states.delete(c.key);
      else states.set(c.key, { level, at: now });
    }
    reports.push(report(level, c.capacity));
  }
  return { allowed, waitMs, reports };
}
