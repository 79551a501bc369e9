// A circuit breaker per target. Closed: requests flow, outcomes are counted. Open (after `failures`
// consecutive failures, or an error rate above `errorRate` over the last `windowMs` with at least
// `minRequests` attempts): the target is skipped at once. After `openMs` it is half-open: one probe goes
// through while the others skip it; the probe's success closes the breaker, its failure re-opens it.
//
// State lives behind BreakerStore, keyed by a string, so it can be shared by both client APIs' copies of a
// route here and, with another store, by several gateway processes. The in-process store is synchronous
// and allocation-free per attempt: a Map lookup and a few integer updates on a ring of time buckets.

/** A route's breaker settings, emitted as a constant in its generated module; null turns breakers off. */
export interface BreakerPolicy {
  readonly failures: number;
  /** 0..1 */
  readonly errorRate: number;
  readonly windowMs: number;
  readonly minRequests: number;
  readonly openMs: number;
}

export type BreakerState = "closed" | "open" | "half_open";

/** May an attempt go to the target: yes, yes as the half-open probe, or no (with why, for the log). */
export type Admission = { readonly ok: true; readonly probe: boolean } | { readonly ok: false; readonly reason: string };

export type AttemptResult = "success" | "failure" | "cancelled";

export interface BreakerSnapshot {
  readonly key: string;
  readonly state: BreakerState;
  /** Consecutive failures. */
  readonly failures: number;
  readonly windowRequests: number;
  readonly windowFailures: number;
  /** Wall-clock ms when it last opened, null when it never did since it last closed. */
  readonly openedAt: number | null;
  /** Wall-clock ms when an open breaker lets its probe through. */
  readonly retryAt: number | null;
}

export interface BreakerStore {
  admit(key: string, policy: BreakerPolicy): Admission;
  /** The outcome of an admitted attempt; `probe` as admit said. A cancelled probe frees the slot. */
  record(key: string, policy: BreakerPolicy, result: AttemptResult, probe: boolean): void;
  snapshot(key: string, policy: BreakerPolicy): BreakerSnapshot;
  /** Announces a breaker at start, so a shared store follows it before its first request. */
  track?(key: string, policy: BreakerPolicy): void;
  /** Drops a breaker's state: the caller stopped following it (a glob target's model evicted from its cache). */
  forget?(key: string): void;
  /** Where decisions come from now; absent means "local". */
  scope?(): BreakerScope;
}

/** "shared": through Redis; "local": this process only; "local-fallback": Redis configured but not answering. */
export type BreakerScope = "shared" | "local" | "local-fallback";

/** The rolling window is this many buckets of windowMs / BUCKETS each. */
const BUCKETS = 10;

export const ADMITTED: Admission = Object.freeze({ ok: true, probe: false });
export const PROBE: Admission = Object.freeze({ ok: true, probe: true });
export const OPEN: Admission = Object.freeze({ ok: false, reason: "circuit open" });
export const PROBING: Admission = Object.freeze({ ok: false, reason: "circuit half-open, probe in flight" });

class Breaker {
  state: BreakerState = "closed";
  consecutive = 0;
  openedAt = -1;
  retryAt = -1;
  probing = false;
  /** Per bucket: the bucket's number (time / bucketMs) and its counts; stale buckets are reset on use. */
  readonly epochs = new Float64Array(BUCKETS).fill(-1);
  readonly requests = new Uint32Array(BUCKETS);
  readonly errors = new Uint32Array(BUCKETS);

  count(now: number, windowMs: number, failed: boolean): void {
    const epoch = Math.floor(now / Math.max(1, windowMs / BUCKETS));
    const slot = epoch % BUCKETS;
    if (this.epochs[slot] !== epoch) {
      this.epochs[slot] = epoch;
      this.requests[slot] = 0;
      this.errors[slot] = 0;
    }
    this.requests[slot]!++;
    if (failed) this.errors[slot]!++;
  }

  totals(now: number, windowMs: number): { requests: number; failures: number } {
    const epoch = Math.floor(now / Math.max(1, windowMs / BUCKETS));
    let requests = 0;
    let failures = 0;
    for (let i = 0; i < BUCKETS; i++) {
      if (this.epochs[i]! > epoch - BUCKETS) {
        requests += this.requests[i]!;
        failures += this.errors[i]!;
      }
    }
    return { requests, failures };
  }

  reset(): void {
    this.epochs.fill(-1);
    this.requests.fill(0);
    this.errors.fill(0);
  }
}

export class MemoryBreakerStore implements BreakerStore {
  private readonly breakers = new Map<string, Breaker>();

  /** `now` is wall-clock ms; tests pass their own clock. */
  constructor(private readonly now: () => number = Date.now) {}

  private get(key: string): Breaker {
    let breaker = this.breakers.get(key);
    if (breaker === undefined) {
      breaker = new Breaker();
      this.breakers.set(key, breaker);
    }
    return breaker;
  }

  forget(key: string): void {
    this.breakers.delete(key);
  }

  admit(key: string, _policy: BreakerPolicy): Admission {
    const breaker = this.breakers.get(key);
    if (breaker === undefined || breaker.state === "closed") return ADMITTED;
    if (breaker.state === "open") {
      if (this.now() < breaker.retryAt) return OPEN;
      breaker.state = "half_open";
      breaker.probing = false;
    }
    if (breaker.probing) return PROBING;
    breaker.probing = true;
    return PROBE;
  }

  record(key: string, policy: BreakerPolicy, result: AttemptResult, probe: boolean): void {
    const breaker = this.get(key);
    if (result === "cancelled") {
      if (probe) breaker.probing = false;
      return;
    }
    const now = this.now();
    const failed = result === "failure";
    if (breaker.state !== "closed") {
      // Only the probe decides a half-open breaker; a straggler admitted before it opened does not.
      if (!probe) return;
      breaker.probing = false;
      if (failed) this.open(breaker, policy, now);
      else this.close(breaker);
      return;
    }
    breaker.count(now, policy.windowMs, failed);
    if (!failed) {
      breaker.consecutive = 0;
      return;
    }
    breaker.consecutive++;
    if (breaker.consecutive >= policy.failures) return this.open(breaker, policy, now);
    const { requests, failures } = breaker.totals(now, policy.windowMs);
    if (requests >= policy.minRequests && failures / requests > policy.errorRate) this.open(breaker, policy, now);
  }

  snapshot(key: string, policy: BreakerPolicy): BreakerSnapshot {
    const breaker = this.breakers.get(key);
    if (breaker === undefined) {
      return { key, state: "closed", failures: 0, windowRequests: 0, windowFailures: 0, openedAt: null, retryAt: null };
    }
    const now = this.now();
    // An open breaker past its wait is reported as half-open: the next request probes it.
    const state = breaker.state === "open" && now >= breaker.retryAt ? "half_open" : breaker.state;
    const { requests, failures } = breaker.totals(now, policy.windowMs);
    return {
      key,
      state,
      failures: breaker.consecutive,
      windowRequests: requests,
      windowFailures: failures,
      openedAt: breaker.openedAt < 0 ? null : breaker.openedAt,
      retryAt: breaker.state === "closed" ? null : breaker.retryAt,
    };
  }

  private open(breaker: Breaker, policy: BreakerPolicy, now: number): void {
    breaker.state = "open";
    breaker.openedAt = now;
    breaker.retryAt = now + policy.openMs;
  }

  private close(breaker: Breaker): void {
    breaker.state = "closed";
    breaker.consecutive = 0;
    breaker.openedAt = -1;
    breaker.retryAt = -1;
    breaker.reset();
  }
}
