// Unit tests of the resilience pieces the target loop composes: Retry-After parsing, backoff bounds,
// the retry decision, the retry budget and circuit-breaker transitions (with an injected clock).
import { describe, expect, it, vi } from "vitest";
import { parseRetryAfter } from "../../runtime/resilience/retry-after.ts";
import { backoffMs, decideRetry, DEFAULT_RATE_LIMIT_WAIT_MS, isRetryable, type RetryPolicy } from "../../runtime/resilience/backoff.ts";
import { RetryBudget, RETRY_RESERVE } from "../../runtime/resilience/retry-budget.ts";
import { MemoryBreakerStore, type BreakerPolicy } from "../../runtime/resilience/circuit-breaker.ts";
import { streamErrorEvent } from "../../runtime/resilience/stream-error.ts";
import { createResilience } from "../../runtime/resilience/resilience.ts";
import type { HttpUpstream, Route, Target } from "../../runtime/contract.ts";
import { armDeadline } from "../../runtime/attempts/settle.ts";
import { describeTransportError } from "../../runtime/attempts/failure-kind.ts";

describe("parseRetryAfter", () => {
  const now = Date.parse("2026-01-01T00:00:00Z");
  it.each([
    ["delta seconds", { "retry-after": "3" }, 3000],
    ["fractional seconds", { "retry-after": "1.5" }, 1500],
    ["zero", { "retry-after": "0" }, 0],
    ["HTTP date", { "retry-after": "Thu, 01 Jan 2026 00:00:07 GMT" }, 7000],
    ["HTTP date in the past", { "retry-after": "Wed, 31 Dec 2025 23:59:00 GMT" }, 0],
    ["retry-after-ms", { "retry-after-ms": "250" }, 250],
    ["Azure x-ms-retry-after-ms", { "x-ms-retry-after-ms": "1200" }, 1200],
    ["retry-after-ms wins over retry-after", { "retry-after-ms": "40", "retry-after": "9" }, 40],
    ["x-ms-retry-after-ms wins over retry-after", { "x-ms-retry-after-ms": "60", "retry-after": "9" }, 60],
    ["an unreadable retry-after-ms falls through to retry-after", { "retry-after-ms": "soon", "retry-after": "2" }, 2000],
    ["a repeated header takes the first", { "retry-after": ["4", "8"] }, 4000],
    ["padding", { "retry-after": " 2 " }, 2000],
  ])("%s", (_, headers, want) => {
    expect(parseRetryAfter(headers as Record<string, string | string[]>, now)).toBe(want);
  });

  it.each([
    ["absent", {}],
    ["garbage", { "retry-after": "later" }],
    ["negative", { "retry-after": "-5" }],
    ["empty", { "retry-after": "" }],
  ])("null when %s", (_, headers) => {
    expect(parseRetryAfter(headers as Record<string, string>, now)).toBeNull();
  });
});

const policy: RetryPolicy = { maxAttempts: 3, baseMs: 100, maxMs: 1000, patienceMs: 5000, budget: 0.2 };
const always = () => true;

describe("backoffMs (full jitter)", () => {
  it("stays within [0, min(max, base·2^(n-1))] for every retry", () => {
    for (let retry = 1; retry <= 8; retry++) {
      const ceiling = Math.min(1000, 100 * 2 ** (retry - 1));
      expect(backoffMs(retry, 100, 1000, () => 0)).toBe(0);
      expect(backoffMs(retry, 100, 1000, () => 0.999999)).toBe(ceiling - 1);
      for (let i = 0; i < 50; i++) {
        const wait = backoffMs(retry, 100, 1000);
        expect(wait).toBeGreaterThanOrEqual(0);
        expect(wait).toBeLessThan(ceiling);
      }
    }
  });

  it("doubles the ceiling per retry until the cap", () => {
    const half = () => 0.5;
    expect([1, 2, 3, 4, 5, 6].map((n) => backoffMs(n, 100, 1000, half))).toEqual([50, 100, 200, 400, 500, 500]);
  });

  it("does not overflow for absurd retry numbers", () => {
    expect(backoffMs(5000, 100, 1000, () => 0.5)).toBe(500);
  });
});

describe("decideRetry", () => {
  const failure = (status: number | null, retryAfterMs: number | null = null, timeout = false) => ({ status, timeout, retryAfterMs });

  it("retries 429, 408, 5xx, transport errors and timeouts; not 401/403", () => {
    for (const status of [429, 408, 500, 502, 503, 529, null]) expect(isRetryable(failure(status))).toBe(true);
    expect(isRetryable(failure(504, null, true))).toBe(true);
    for (const status of [401, 403]) {
      expect(isRetryable(failure(status))).toBe(false);
      expect(decideRetry(failure(status), 1, policy, always)).toEqual({ stop: "not retryable" });
    }
  });

  it("uses the backoff for a 5xx without Retry-After", () => {
    expect(decideRetry(failure(503), 2, policy, always, () => 0.5)).toEqual({ waitMs: 100 });
  });

  it("honours Retry-After up to the patience, beyond the backoff cap", () => {
    expect(decideRetry(failure(429, 3000), 1, policy, always)).toEqual({ waitMs: 3000 });
    expect(decideRetry(failure(503, 20), 1, policy, always)).toEqual({ waitMs: 20 });
  });

  it("falls back at once when Retry-After exceeds the patience", () => {
    expect(decideRetry(failure(429, 5001), 1, policy, always)).toEqual({ stop: "retry-after 5001 ms exceeds patience 5000 ms" });
  });

  it("gives a 429 without a wait the default one, capped by max_ms", () => {
    expect(decideRetry(failure(429), 1, policy, always)).toEqual({ waitMs: DEFAULT_RATE_LIMIT_WAIT_MS });
    expect(decideRetry(failure(429), 1, { ...policy, maxMs: 300 }, always)).toEqual({ waitMs: 300 });
  });

  it("stops after max_attempts tries", () => {
    expect("waitMs" in decideRetry(failure(500), 2, policy, always)).toBe(true);
    expect(decideRetry(failure(500), 3, policy, always)).toEqual({ stop: "max attempts (3)" });
  });

  it("asks the budget last, and only when it would retry", () => {
    let asked = 0;
    const spend = () => (asked++, false);
    expect(decideRetry(failure(401), 1, policy, spend)).toEqual({ stop: "not retryable" });
    expect(decideRetry(failure(429, 9000), 1, policy, spend)).toMatchObject({ stop: expect.stringContaining("patience") });
    expect(asked).toBe(0);
    expect(decideRetry(failure(500), 1, policy, spend)).toEqual({ stop: "retry budget exhausted" });
    expect(asked).toBe(1);
  });
});

describe("RetryBudget", () => {
  it("allows the reserve, then one retry per 1/ratio requests", () => {
    const budget = new RetryBudget(0.2);
    let granted = 0;
    while (budget.withdraw()) granted++;
    expect(granted).toBe(RETRY_RESERVE);
    // 100 requests during an outage, each wanting a retry: at most 20 are granted.
    granted = 0;
    for (let i = 0; i < 100; i++) {
      budget.deposit();
      if (budget.withdraw()) granted++;
    }
    expect(granted).toBeGreaterThanOrEqual(19);
    expect(granted).toBeLessThanOrEqual(20);
  });

  it("never holds more than the reserve", () => {
    const budget = new RetryBudget(0.5, 3);
    for (let i = 0; i < 100; i++) budget.deposit();
    expect(budget.tokens).toBe(3);
  });

  it("budget 0 allows no retries at all", () => {
    const budget = new RetryBudget(0);
    for (let i = 0; i < 10; i++) budget.deposit();
    expect(budget.withdraw()).toBe(false);
  });
});

describe("MemoryBreakerStore", () => {
  const breaker: BreakerPolicy = { failures: 3, errorRate: 0.5, windowMs: 10_000, minRequests: 10, openMs: 1000 };
  const setup = () => {
    let now = 1_000_000;
    const store = new MemoryBreakerStore(() => now);
    return { store, advance: (ms: number) => (now += ms), now: () => now };
  };

  it("opens after N consecutive failures and skips the target at once", () => {
    const { store } = setup();
    for (let i = 0; i < 2; i++) store.record("k", breaker, "failure", false);
    expect(store.admit("k", breaker)).toEqual({ ok: true, probe: false });
    store.record("k", breaker, "failure", false);
    expect(store.admit("k", breaker)).toEqual({ ok: false, reason: "circuit open" });
    expect(store.snapshot("k", breaker)).toMatchObject({ state: "open", failures: 3, openedAt: 1_000_000, retryAt: 1_001_000 });
  });

  it("a success resets the consecutive count", () => {
    const { store } = setup();
    store.record("k", breaker, "failure", false);
    store.record("k", breaker, "failure", false);
    store.record("k", breaker, "success", false);
    store.record("k", breaker, "failure", false);
    store.record("k", breaker, "failure", false);
    expect(store.snapshot("k", breaker).state).toBe("closed");
  });

  it("half-opens after open_ms with exactly one probe; success closes", () => {
    const { store, advance } = setup();
    for (let i = 0; i < 3; i++) store.record("k", breaker, "failure", false);
    advance(999);
    expect(store.admit("k", breaker).ok).toBe(false);
    advance(1);
    expect(store.snapshot("k", breaker).state).toBe("half_open");
    expect(store.admit("k", breaker)).toEqual({ ok: true, probe: true });
    expect(store.admit("k", breaker)).toEqual({ ok: false, reason: "circuit half-open, probe in flight" });
    store.record("k", breaker, "success", true);
    expect(store.snapshot("k", breaker)).toMatchObject({ state: "closed", failures: 0, openedAt: null, retryAt: null, windowRequests: 0 });
    expect(store.admit("k", breaker)).toEqual({ ok: true, probe: false });
  });

  it("a failed probe re-opens for another open_ms", () => {
    const { store, advance, now } = setup();
    for (let i = 0; i < 3; i++) store.record("k", breaker, "failure", false);
    advance(1000);
    expect(store.admit("k", breaker).ok).toBe(true);
    store.record("k", breaker, "failure", true);
    expect(store.snapshot("k", breaker)).toMatchObject({ state: "open", openedAt: now(), retryAt: now() + 1000 });
    expect(store.admit("k", breaker).ok).toBe(false);
  });

  it("a cancelled probe frees the slot for the next request", () => {
    const { store, advance } = setup();
    for (let i = 0; i < 3; i++) store.record("k", breaker, "failure", false);
    advance(1000);
    expect(store.admit("k", breaker)).toEqual({ ok: true, probe: true });
    store.record("k", breaker, "cancelled", true);
    expect(store.admit("k", breaker)).toEqual({ ok: true, probe: true });
  });

  it("stragglers admitted before it opened do not decide a half-open breaker", () => {
    const { store, advance } = setup();
    for (let i = 0; i < 3; i++) store.record("k", breaker, "failure", false);
    advance(1000);
    store.admit("k", breaker);
    store.record("k", breaker, "success", false);
    expect(store.snapshot("k", breaker).state).toBe("half_open");
  });

  it("opens on the error rate over the window once min_requests is reached", () => {
    const { store } = setup();
    // Alternating failure/success never makes 3 in a row, but 50% + one failure is above error_rate 0.5.
    for (let i = 0; i < 4; i++) {
      store.record("k", breaker, "failure", false);
      store.record("k", breaker, "success", false);
    }
    store.record("k", breaker, "failure", false); // 5 of 9: below min_requests
    expect(store.snapshot("k", breaker).state).toBe("closed");
    store.record("k", breaker, "failure", false); // 6 of 10 = 0.6 > 0.5
    expect(store.snapshot("k", breaker)).toMatchObject({ state: "open", windowRequests: 10, windowFailures: 6 });
  });

  it("forgets failures older than the window", () => {
    const { store, advance } = setup();
    for (let i = 0; i < 8; i++) {
      store.record("k", breaker, i % 2 ? "success" : "failure", false);
    }
    advance(11_000);
    expect(store.snapshot("k", breaker)).toMatchObject({ windowRequests: 0, windowFailures: 0 });
    store.record("k", breaker, "failure", false);
    store.record("k", breaker, "success", false);
    expect(store.snapshot("k", breaker)).toMatchObject({ state: "closed", windowRequests: 2, windowFailures: 1 });
  });

  it("keeps keys apart", () => {
    const { store } = setup();
    for (let i = 0; i < 3; i++) store.record("a", breaker, "failure", false);
    expect(store.admit("a", breaker).ok).toBe(false);
    expect(store.admit("b", breaker).ok).toBe(true);
  });
});

describe("streamErrorEvent", () => {
  it("speaks each client's SSE error dialect", () => {
    expect(streamErrorEvent("openai", 504, "idle")).toBe(
      '\n\ndata: {"error":{"message":"idle","type":"api_error","param":null,"code":null}}\n\n',
    );
    expect(streamErrorEvent("anthropic", 504, "idle")).toBe('\n\nevent: error\ndata: {"type":"error","error":{"type":"timeout_error","message":"idle"}}\n\n');
    expect(streamErrorEvent("responses", 504, "idle")).toBe('\n\nevent: error\ndata: {"type":"error","code":"timeout","message":"idle","param":null}\n\n');
  });
});

describe("createResilience", () => {
  const retry: RetryPolicy = { maxAttempts: 2, baseMs: 10, maxMs: 100, patienceMs: 1000, budget: 0.5 };
  const breakerPolicy: BreakerPolicy = { failures: 1, errorRate: 0.5, windowMs: 1000, minRequests: 10, openMs: 1000 };
  // Only the fields the resilience layer reads; one object per client API, as the generated router builds them.
  const target = (label: string) => ({ label }) as unknown as Target;
  const route = (id: string, breaker: BreakerPolicy | null, labels: string[]) => ({ id, targets: labels.map(target), retry, breaker }) as unknown as Route;

  it("shares one breaker per target between the route objects of both client APIs", () => {
    const forOpenai = route("r", breakerPolicy, ["a:x", "b:y"]);
    const forAnthropic = route("r", breakerPolicy, ["a:x", "b:y"]);
    const resilience = createResilience([forOpenai, forAnthropic]);
    resilience.record(forOpenai, forOpenai.targets[0]!, "x", "failure", false);
    expect(resilience.admit(forAnthropic, forAnthropic.targets[0]!, "x")).toEqual({ ok: false, reason: "circuit open" });
    expect(resilience.admit(forAnthropic, forAnthropic.targets[1]!, "y").ok).toBe(true);
    expect(resilience.health()).toEqual([
      expect.objectContaining({ route: "r", target: "a:x", state: "open", failures: 1 }),
      expect.objectContaining({ route: "r", target: "b:y", state: "closed", failures: 0, opened_at: null }),
    ]);
  });

  it("keeps one breaker per upstream model behind a target that forwards the client's model", () => {
    // A glob route's `provider:*` target: failures on five model names open five breakers, not the target's.
    const glob = route("g", breakerPolicy, ["a:*"]);
    const resilience = createResilience([glob]);
    const t = glob.targets[0]!;
    for (const model of ["m1", "m2", "m3", "m4", "m5"]) resilience.record(glob, t, model, "failure", false);
    expect(resilience.admit(glob, t, "m6")).toEqual({ ok: true, probe: false });
    expect(resilience.admit(glob, t, "m1")).toEqual({ ok: false, reason: "circuit open" });
    expect(resilience.retryAt(glob, t, "m6")).toBeNull();
    expect(resilience.retryAt(glob, t, "m1")).toBeGreaterThan(Date.now());
    const [health] = resilience.health();
    expect(health).toMatchObject({ route: "g", target: "a:*", state: "open", failures: 1, models_tracked: 6 });
    expect(health!.models!.map((m) => [m.model, m.state]).sort()).toEqual(["m1", "m2", "m3", "m4", "m5"].map((m) => [m, "open"]));
  });

  it("bounds the models followed per target, dropping breakers with nothing to remember first", () => {
    const glob = route("g", { ...breakerPolicy, failures: 2 }, ["a:*"]);
    const resilience = createResilience([glob], { maxModelsPerTarget: 4 });
    const t = glob.targets[0]!;
    resilience.record(glob, t, "bad", "failure", false);
    resilience.record(glob, t, "bad", "failure", false);
    for (let i = 0; i < 1000; i++) resilience.record(glob, t, `invented-${i}`, "success", false);
    const [health] = resilience.health();
    expect(health!.models_tracked).toBe(4);
    // The open breaker outlived a thousand invented names.
    expect(resilience.admit(glob, t, "bad").ok).toBe(false);
    expect(health!.models!.map((m) => m.model)).toEqual(["bad"]);
  });

  it("admits everything and reports disabled when a route's breaker is off", () => {
    const off = route("off", null, ["a:x"]);
    const resilience = createResilience([off]);
    for (let i = 0; i < 10; i++) resilience.record(off, off.targets[0]!, "x", "failure", false);
    expect(resilience.admit(off, off.targets[0]!, "x").ok).toBe(true);
    expect(resilience.health()).toEqual([expect.objectContaining({ route: "off", target: "a:x", state: "disabled" })]);
  });

  it("keeps one retry budget per route, paid by begin()", () => {
    const a = route("a", null, ["p:m"]);
    const b = route("b", null, ["p:m"]);
    const resilience = createResilience([a, b], { random: () => 0 });
    const failure = { status: 503, timeout: false, retryAfterMs: null };
    let granted = 0;
    while ("waitMs" in resilience.decide(a, failure, 1)) granted++;
    expect(granted).toBe(RETRY_RESERVE);
    expect(resilience.decide(a, failure, 1)).toEqual({ stop: "retry budget exhausted" });
    expect(resilience.decide(b, failure, 1)).toEqual({ waitMs: 0 });
    resilience.begin(a);
    resilience.begin(a);
    expect(resilience.decide(a, failure, 1)).toEqual({ waitMs: 0 });
  });
});

describe("armDeadline (total_ms)", () => {
  const upstream = (totalTimeoutMs: number) => ({ totalTimeoutMs }) as unknown as HttpUpstream;
  const controller = () => {
    const aborted: Error[] = [];
    return { aborted, abort: (reason: Error) => void aborted.push(reason) };
  };

  it("aborts a started request with a total-timeout error when the time runs out", () => {
    vi.useFakeTimers();
    try {
      const expired = vi.fn();
      const deadline = armDeadline(upstream(500), expired);
      const c = controller();
      expect(deadline.bind(c)).toBe(true);
      vi.advanceTimersByTime(499);
      expect(c.aborted).toHaveLength(0);
      vi.advanceTimersByTime(1);
      expect(c.aborted).toHaveLength(1);
      expect(describeTransportError(c.aborted[0])).toEqual({ reason: "total timeout", timeout: true });
      expect(expired).not.toHaveBeenCalled();
    } finally {
      vi.useRealTimers();
    }
  });

  it("settles an attempt whose request never started (queued, or waiting for credentials), and aborts it when it does", () => {
    vi.useFakeTimers();
    try {
      const expired = vi.fn();
      const deadline = armDeadline(upstream(500), expired);
      vi.advanceTimersByTime(500);
      expect(expired).toHaveBeenCalledWith("total timeout");
      const c = controller();
      expect(deadline.bind(c)).toBe(false);
      expect(c.aborted).toHaveLength(1);
    } finally {
      vi.useRealTimers();
    }
  });

  it("disarm stops the timer; no total_ms arms nothing", () => {
    vi.useFakeTimers();
    try {
      const expired = vi.fn();
      const deadline = armDeadline(upstream(500), expired);
      deadline.disarm();
      vi.advanceTimersByTime(10_000);
      expect(expired).not.toHaveBeenCalled();
      const none = armDeadline(upstream(0), expired);
      expect(vi.getTimerCount()).toBe(0);
      expect(none.bind(controller())).toBe(true);
    } finally {
      vi.useRealTimers();
    }
  });
});
