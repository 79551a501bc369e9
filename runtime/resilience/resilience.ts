// What the target walk (runtime/target-walk.ts) asks before and after each attempt: may this target be tried
// (circuit breaker), should a failed attempt be retried here and after how long (retry policy, Retry-After,
// retry budget), and what /health says about every target. Policies come from the generated route
// constants; the only state is the breaker store and one retry budget per route.
import type { Route, Target } from "../contract.ts";
import type { ClientResponse } from "../client-response.ts";
import { decideRetry, type FailureFacts, type RetryDecision } from "./backoff.ts";
import { ADMITTED, MemoryBreakerStore, type Admission, type AttemptResult, type BreakerScope, type BreakerStore } from "./circuit-breaker.ts";
import { RetryBudget } from "./retry-budget.ts";
import { deadlines } from "../timers/deadline-wheel.ts";


export interface TargetHealth {
  route: string;
  target: string;
  state: "closed" | "open" | "half_open" | "disabled";
  failures: number;
  window_requests: number;
  window_failures: number;
  opened_at: string | null;
  retry_at: string | null;
}

export interface ResilienceOptions {
  store?: BreakerStore;
  random?: () => number;
}

export interface Resilience {
  /** Once per request, before its first attempt: pays into the route's retry budget. */
  begin(route: Route): void;
  admit(route: Route, target: Target): Admission;
  record(route: Route, target: Target, result: AttemptResult, probe: boolean): void;
  /**
   * Wall-clock ms when the target's breaker lets a probe through, while it is open (past when the probe
   * time has come); null when it is closed or the route has no breakers. Read-only: it takes no probe slot.
   */
  retryAt(route: Route, target: Target): number | null;
  /** `retry` is the number of the retry being considered (1 after the first attempt failed). */
  decide(route: Route, failure: FailureFacts, retry: number): RetryDecision;
  health(): TargetHealth[];
  /** Whether breaker state is shared with other instances right now. */
  scope(): BreakerScope;
}

/**
 * Both client APIs' copies of a route (and of its targets) share one breaker per target, keyed by route id
 * and target label. Keys are built once at start, so the store hashes the same string object every time.
 */
const keys = new WeakMap<Target, string>();
function breakerKey(route: Route, target: Target): string {
  let key = keys.get(target);
  if (key === undefined) keys.set(target, (key = `${route.id} ${target.label}`));
  return key;
}

export function createResilience(routes: readonly Route[], options: ResilienceOptions = {}): Resilience {
  const store: BreakerStore = options.store ?? new MemoryBreakerStore();
  const random = options.random ?? Math.random;
  const budgets = new Map<string, RetryBudget>();
  const unique = new Map<string, Route>();
  for (const route of routes) {
    if (!unique.has(route.id)) unique.set(route.id, route);
    if (!budgets.has(route.id)) budgets.set(route.id, new RetryBudget(route.retry.budget));
    for (const target of route.targets) {
      const key = breakerKey(route, target);
      if (route.breaker !== null) store.track?.(key, route.breaker);
    }
  }
  const budgetOf = (route: Route): RetryBudget => {
    let budget = budgets.get(route.id);
    if (budget === undefined) budgets.set(route.id, (budget = new RetryBudget(route.retry.budget)));
    return budget;
  };
  const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

  return {
    begin(route) {
      budgetOf(route).deposit();
    },
    admit(route, target) {
      return route.breaker === null ? ADMITTED : store.admit(breakerKey(route, target), route.breaker);
    },
    record(route, target, result, probe) {
      if (route.breaker !== null) store.record(breakerKey(route, target), route.breaker, result, probe);
    },
    retryAt(route, target) {
      return route.breaker === null ? null : store.snapshot(breakerKey(route, target), route.breaker).retryAt;
    },
    decide(route, failure, retry) {
      const budget = budgetOf(route);
      return decideRetry(failure, retry, route.retry, () => budget.withdraw(), random);
    },
    scope() {
      return store.scope?.() ?? "local";
    },
    health() {
      const out: TargetHealth[] = [];
      for (const route of unique.values()) {
        const seen = new Set<string>();
        for (const target of route.targets) {
          if (seen.has(target.label)) continue;
          seen.add(target.label);
          if (route.breaker === null) {
            out.push({ route: route.id, target: target.label, state: "disabled", failures: 0, window_requests: 0, window_failures: 0, opened_at: null, retry_at: null });
            continue;
          }
          const s = store.snapshot(breakerKey(route, target), route.breaker);
          out.push({
            route: route.id,
            target: target.label,
            state: s.state,
            failures: s.failures,
            window_requests: s.windowRequests,
            window_failures: s.windowFailures,
            opened_at: iso(s.openedAt),
            retry_at: iso(s.retryAt),
          });
        }
      }
      return out;
    },
  };
}

/** Waits `ms` unless the client goes away first; resolves false then. */
export function pause(ms: number, client: ClientResponse): Promise<boolean> {
  if (client.aborted) return Promise.resolve(false);
  if (ms <= 0) return Promise.resolve(true);
  return new Promise((resolve) => {
    // A backoff on the deadline wheel: it waits at least `ms`, at most one tick (25 ms) more.
    const timer = deadlines.schedule(ms, () => {
      client.onAbort(null);
      resolve(true);
    });
    client.onAbort(() => {
      timer.cancel();
      resolve(false);
    });
  });
}
