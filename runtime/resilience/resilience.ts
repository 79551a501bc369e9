// What the target walk (runtime/attempts/target-walk.ts) asks before and after each attempt: may this target be tried
// (circuit breaker), should a failed attempt be retried here and after how long (retry policy, Retry-After,
// retry budget), and what /health says about every target. Policies come from the generated route
// constants; the only state is the breaker store and one retry budget per route.
import type { Route, Target } from "../contract.ts";
import type { ClientResponse } from "../client/response.ts";
import { decideRetry, type FailureFacts, type RetryDecision } from "./backoff.ts";
import { ADMITTED, MemoryBreakerStore, type Admission, type AttemptResult, type BreakerPolicy, type BreakerScope, type BreakerSnapshot, type BreakerStore } from "./circuit-breaker.ts";
import { RetryBudget } from "./retry-budget.ts";
import { deadlines } from "../timers/deadline-wheel.ts";


/** One model's breaker behind a target that forwards the client's model (a glob route's `provider:*`). */
export interface ModelHealth {
  model: string;
  state: "closed" | "open" | "half_open";
  failures: number;
  window_requests: number;
  window_failures: number;
  opened_at: string | null;
  retry_at: string | null;
}

export interface TargetHealth {
  route: string;
  target: string;
  /** For a target with one breaker per model: the worst of them ("closed" while none has opened). */
  state: "closed" | "open" | "half_open" | "disabled";
  failures: number;
  window_requests: number;
  window_failures: number;
  opened_at: string | null;
  retry_at: string | null;
  /**
   * Targets that forward the client's model only: the models whose breaker is open, half-open or has counted
   * a failure, worst first (the top-level fields are the first one's), and how many models are followed.
   */
  models?: ModelHealth[];
  models_tracked?: number;
}

export interface ResilienceOptions {
  store?: BreakerStore;
  random?: () => number;
  /** Breakers followed per target that forwards the client's model (default MAX_MODELS_PER_TARGET). */
  maxModelsPerTarget?: number;
}

export interface Resilience {
  /** Once per request, before its first attempt: pays into the route's retry budget. */
  begin(route: Route): void;
  /** `model` is the model sent upstream (target.model ?? the client's): each has its own breaker. */
  admit(route: Route, target: Target, model: string): Admission;
  record(route: Route, target: Target, model: string, result: AttemptResult, probe: boolean): void;
  /**
   * Wall-clock ms when the breaker lets a probe through, while it is open (past when the probe time has
   * come); null when it is closed or the route has no breakers. Read-only: it takes no probe slot.
   */
  retryAt(route: Route, target: Target, model: string): number | null;
  /** `retry` is the number of the retry being considered (1 after the first attempt failed). */
  decide(route: Route, failure: FailureFacts, retry: number): RetryDecision;
  health(): TargetHealth[];
  /** Whether breaker state is shared with other instances right now. */
  scope(): BreakerScope;
}

/**
 * Models followed per glob target. A client can name any model a glob matches, so the breakers behind a
 * `provider:*` target are a bounded cache, not a map that grows with every name a client invents.
 */
export const MAX_MODELS_PER_TARGET = 256;
/** Eviction looks this far from the least recently used end for a breaker with nothing to remember. */
const EVICTION_SCAN = 16;

/**
 * A breaker per target and upstream model. A target with a fixed model (a rename, or an exact route, whose
 * label names the model) has one key, built once at start, so the store hashes the same string object every
 * time. A target that forwards the client's model (label `provider:*`, runtime/contract.ts) has one breaker
 * per model: one model timing out must not take the route's other models down with it. Both client APIs'
 * copies of a route share them, keyed by route id and `provider:model`.
 */
class TargetBreakers {
  /** The one key of a fixed-model target; null for a target that forwards the client's model. */
  readonly fixed: string | null;
  /** Model → key, in least-recently-used order (a Map keeps insertion order; a use re-inserts). */
  private readonly models = new Map<string, string>();
  private readonly prefix: string;
  constructor(route: Route, target: Target, private readonly store: BreakerStore, private readonly policy: BreakerPolicy | null, private readonly cap: number) {
    const forwards = target.model == null && target.label.endsWith(":*");
    this.fixed = forwards ? null : `${route.id} ${target.label}`;
    this.prefix = `${route.id} ${target.label.slice(0, -1)}`;
  }

  key(model: string): string {
    if (this.fixed !== null) return this.fixed;
    const models = this.models;
    let key = models.get(model);
    if (key !== undefined) {
      // Most recently used last; the delete and set are skipped when it already is.
      if (models.size > 1) {
        models.delete(model);
        models.set(model, key);
      }
      return key;
    }
    if (models.size >= this.cap) this.evict();
    key = this.prefix + model;
    models.set(model, key);
    return key;
  }

  /** Drops the least recently used breaker that remembers nothing (closed, no failure in its window), else the oldest. */
  private evict(): void {
    let victim: string | null = null;
    let scanned = 0;
    for (const [model, key] of this.models) {
      victim ??= model;
      if (this.policy === null) break;
      const s = this.store.snapshot(key, this.policy);
      if (s.state === "closed" && s.failures === 0 && s.windowFailures === 0) {
        victim = model;
        break;
      }
      if (++scanned >= EVICTION_SCAN) break;
    }
    if (victim === null) return;
    this.store.forget?.(this.models.get(victim)!);
    this.models.delete(victim);
  }

  /** Every followed model and its key (for /health). */
  entries(): IterableIterator<[string, string]> {
    return this.models.entries();
  }

  get size(): number {
    return this.models.size;
  }
}

const STATE_RANK = { closed: 0, half_open: 1, open: 2 } as const;

export function createResilience(routes: readonly Route[], options: ResilienceOptions = {}): Resilience {
  const store: BreakerStore = options.store ?? new MemoryBreakerStore();
  const random = options.random ?? Math.random;
  const cap = Math.max(1, options.maxModelsPerTarget ?? MAX_MODELS_PER_TARGET);
  const budgets = new Map<string, RetryBudget>();
  const unique = new Map<string, Route>();
  /** Per target object; both client APIs' copies of a target share one TargetBreakers through `byLabel`. */
  const breakers = new WeakMap<Target, TargetBreakers>();
  const byLabel = new Map<string, TargetBreakers>();
  const breakersOf = (route: Route, target: Target): TargetBreakers => {
    let b = breakers.get(target);
    if (b === undefined) {
      const id = `${route.id} ${target.label}`;
      b = byLabel.get(id);
      if (b === undefined) byLabel.set(id, (b = new TargetBreakers(route, target, store, route.breaker, cap)));
      breakers.set(target, b);
    }
    return b;
  };
  for (const route of routes) {
    if (!unique.has(route.id)) unique.set(route.id, route);
    if (!budgets.has(route.id)) budgets.set(route.id, new RetryBudget(route.retry.budget));
    for (const target of route.targets) {
      const b = breakersOf(route, target);
      if (route.breaker !== null && b.fixed !== null) store.track?.(b.fixed, route.breaker);
    }
  }
  const budgetOf = (route: Route): RetryBudget => {
    let budget = budgets.get(route.id);
    if (budget === undefined) budgets.set(route.id, (budget = new RetryBudget(route.retry.budget)));
    return budget;
  };
  const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
  const modelHealth = (model: string, s: BreakerSnapshot): ModelHealth => ({
    model,
    state: s.state,
    failures: s.failures,
    window_requests: s.windowRequests,
    window_failures: s.windowFailures,
    opened_at: iso(s.openedAt),
    retry_at: iso(s.retryAt),
  });

  return {
    begin(route) {
      budgetOf(route).deposit();
    },
    admit(route, target, model) {
      return route.breaker === null ? ADMITTED : store.admit(breakersOf(route, target).key(model), route.breaker);
    },
    record(route, target, model, result, probe) {
      if (route.breaker !== null) store.record(breakersOf(route, target).key(model), route.breaker, result, probe);
    },
    retryAt(route, target, model) {
      return route.breaker === null ? null : store.snapshot(breakersOf(route, target).key(model), route.breaker).retryAt;
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
          const b = breakersOf(route, target);
          if (b.fixed !== null) {
            const { model: _, ...fields } = modelHealth("", store.snapshot(b.fixed, route.breaker));
            out.push({ route: route.id, target: target.label, ...fields });
            continue;
          }
          const models: ModelHealth[] = [];
          for (const [model, key] of b.entries()) {
            const m = modelHealth(model, store.snapshot(key, route.breaker));
            if (m.state !== "closed" || m.failures > 0 || m.window_failures > 0) models.push(m);
          }
          models.sort((x, y) => STATE_RANK[y.state] - STATE_RANK[x.state] || y.failures - x.failures || y.window_failures - x.window_failures);
          const worst = models[0];
          out.push({
            route: route.id,
            target: target.label,
            state: worst?.state ?? "closed",
            failures: worst?.failures ?? 0,
            window_requests: worst?.window_requests ?? 0,
            window_failures: worst?.window_failures ?? 0,
            opened_at: worst?.opened_at ?? null,
            retry_at: worst?.retry_at ?? null,
            models,
            models_tracked: b.size,
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
