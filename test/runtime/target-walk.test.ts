// The target walk on its own (runtime/attempts/target-walk.ts), with fake steps and the real resilience layer: how
// the all-failed status is chosen, skips and stops from `prepare`, retries, and the 503 when every target
// is behind an open breaker. The e2e suites cover the same paths through real endpoints.
import { describe, expect, it } from "vitest";
import type { Route, Target } from "../../runtime/contract.ts";
import type { ClientResponse } from "../../runtime/client/response.ts";
import type { AttemptOutcome, AttemptRequest } from "../../runtime/attempts/http.ts";
import type { AttemptRecord } from "../../runtime/log/request-log.ts";
import type { BreakerPolicy } from "../../runtime/resilience/circuit-breaker.ts";
import type { RetryPolicy } from "../../runtime/resilience/backoff.ts";
import { createResilience } from "../../runtime/resilience/resilience.ts";
import { ConnectionQueue } from "../../runtime/upstream/connection-queue.ts";
import { createTargetWalk, Skip, Stop, type WalkContext, type WalkSteps, exhaustedError, exhaustedHeaders, type Exhausted } from "../../runtime/attempts/target-walk.ts";

const retry: RetryPolicy = { maxAttempts: 2, baseMs: 0, maxMs: 0, patienceMs: 1000, budget: 1 };
const breaker: BreakerPolicy = { failures: 1, errorRate: 1, windowMs: 1000, minRequests: 100, openMs: 30_000 };

// Only the fields the walk reads.
const target = (name: string, queue = new ConnectionQueue(128, 128, 5000)): Target =>
  ({ label: `${name}:m`, model: "m", upstream: { kind: "http", name, enabled: true, bodyLimitBytes: Infinity, queue } }) as unknown as Target;
const route = (names: string[], policy: BreakerPolicy | null = null): Route =>
  ({ id: names.join("+"), targets: names.map((name) => target(name)), rateLimits: null, retry, breaker: policy }) as unknown as Route;
const request = { model: "m", stream: false, rawBytes: Buffer.from("{}"), client: { keyId: null, ip: "127.0.0.1" } } as unknown as AttemptRequest;
const context = (): WalkContext => ({ client: { aborted: false, onAbort() {} } as unknown as ClientResponse, attempts: [] as AttemptRecord[], served: null, span: null });

const relayed: AttemptOutcome = { kind: "relayed", status: 200, latencyMs: 1, ttfbMs: 1, summary: null, responseBody: "{}" };
const failed = (status: number | null, timeout = false): AttemptOutcome => ({ kind: "failed", status, latencyMs: 1, reason: `HTTP ${status}`, timeout });

/** Steps that answer each try from a script per provider name (then relayed). */
function scripted(script: Record<string, AttemptOutcome[]>, prepare: WalkSteps<WalkContext, null>["prepare"] = () => null): WalkSteps<WalkContext, null> {
  return {
    untriedStatus: 400,
    prepare,
    translated: () => undefined,
    attempt: (_ctx, _request, _json, t) => Promise.resolve(script[(t.upstream as { name: string }).name]?.shift() ?? relayed),
  };
}

describe("createTargetWalk", () => {
  it("retries on the same target, then falls back, and ends with the response that went out", async () => {
    const ctx = context();
    const walk = createTargetWalk(createResilience([]), scripted({ a: [failed(503), failed(503)] }));
    const end = await walk(route(["a", "b"]), request, {}, ctx);
    expect(end).toBe(relayed);
    expect(ctx.attempts.map((a) => [a.provider, a.status, a.retry, a.no_retry])).toEqual([
      ["a", 503, undefined, undefined],
      ["a", 503, 1, "max attempts (2)"],
      ["b", 200, undefined, undefined],
    ]);
  });

  it.each([
    ["every last try rate limited", [failed(429), failed(429)], [failed(429), failed(429)], 429],
    ["every last try timed out", [failed(null, true), failed(null, true)], [failed(null, true), failed(null, true)], 504],
    ["mixed failures", [failed(429), failed(429)], [failed(500), failed(500)], 502],
  ])("%s: %i", async (_name, a, b, status) => {
    const walk = createTargetWalk(createResilience([]), scripted({ a: [...a], b: [...b] }));
    expect(await walk(route(["a", "b"]), request, {}, context())).toEqual({ kind: "exhausted", status, retryAfterMs: null });
  });

  it("a Skip from prepare is logged and the next target tried; nothing tried at all is untriedStatus", async () => {
    const ctx = context();
    const walk = createTargetWalk(createResilience([]), scripted({}, () => new Skip("no such endpoint")));
    expect(await walk(route(["a"]), request, {}, ctx)).toEqual({ kind: "exhausted", status: 400, retryAfterMs: null });
    expect(ctx.attempts).toEqual([{ provider: "a", model: "m", status: null, latency_ms: 0, skipped: "no such endpoint" }]);
  });

  it("a Stop from prepare ends the walk with its error", async () => {
    const stop = new Stop({ status: 400, message: "cannot translate" });
    const walk = createTargetWalk(createResilience([]), scripted({}, () => stop));
    expect(await walk(route(["a", "b"]), request, {}, context())).toBe(stop);
  });

  it("every target behind an open breaker: 503 with the wait until the first probe", async () => {
    const r = route(["a", "b"], breaker);
    const resilience = createResilience([r]);
    for (const t of r.targets) resilience.record(r, t, "m", "failure", false);
    const ctx = context();
    const end = await createTargetWalk(resilience, scripted({}))(r, request, {}, ctx);
    expect(end).toMatchObject({ kind: "exhausted", status: 503 });
    const headers = exhaustedHeaders(end as Parameters<typeof exhaustedHeaders>[0])!;
    expect(Number(headers["retry-after"])).toBeGreaterThanOrEqual(29);
    expect(Number(headers["retry-after"])).toBeLessThanOrEqual(30);
    expect(Number(headers["retry-after-ms"])).toBeGreaterThan(28_000);
    expect(ctx.attempts.map((a) => a.skipped)).toEqual(["circuit open", "circuit open"]);
  });

  it("failures the client caused are not counted by the breaker; the upstream's own are", async () => {
    const byok = (name: string): Target => ({ ...target(name), forwardsClientKey: true }) as Target;
    const withKey = { ...request, client: { key: "sk-client-own", keyId: "k", ip: "127.0.0.1" } } as unknown as AttemptRequest;
    const r = { id: "byok", targets: [byok("a")], rateLimits: null, retry: { ...retry, maxAttempts: 1 }, breaker } as unknown as Route;
    const resilience = createResilience([r]);
    const cut: AttemptOutcome = { ...relayed, error: "upstream stream broke: total timeout", clientCaused: true };
    const tooLarge: AttemptOutcome = { kind: "failed", status: 200, latencyMs: 1, reason: "response larger than the limit", timeout: false, clientCaused: true };
    // The client's own key refused or rate limited (bring-your-own-key), a long answer cut, an answer too large.
    const walk = createTargetWalk(resilience, scripted({ a: [failed(401), failed(429), cut, tooLarge] }));
    for (let i = 0; i < 4; i++) await walk(r, withKey, {}, context());
    expect(resilience.admit(r, r.targets[0]!, "m")).toEqual({ ok: true, probe: false });
    // A 503 is the provider's: it opens the breaker (failures: 1).
    await createTargetWalk(resilience, scripted({ a: [failed(503)] }))(r, withKey, {}, context());
    expect(resilience.admit(r, r.targets[0]!, "m").ok).toBe(false);
    // Without bring-your-own-key, a 401 is the gateway's key: counted.
    const plain = route(["p"], breaker);
    const counted = createResilience([plain]);
    await createTargetWalk(counted, scripted({ p: [failed(401)] }))(plain, withKey, {}, context());
    expect(counted.admit(plain, plain.targets[0]!, "m").ok).toBe(false);
  });

  it("one open breaker and a target that failed is a 502, not a 503", async () => {
    const r = route(["a", "b"], breaker);
    const resilience = createResilience([r]);
    resilience.record(r, r.targets[0]!, "m", "failure", false);
    const end = await createTargetWalk(resilience, scripted({ b: [failed(500), failed(500)] }))(r, request, {}, context());
    expect(end).toEqual({ kind: "exhausted", status: 502, retryAfterMs: null });
  });

  describe("a provider's bounded connection queue", () => {
    const routeOf = (targets: Target[]): Route => ({ id: "r", targets, rateLimits: null, retry, breaker: null }) as unknown as Route;

    it("a full queue skips the target at once and the next one serves; the slot taken for a try is given back", async () => {
      const busy = new ConnectionQueue(1, 0, 5000);
      expect(busy.tryAcquire()).toBe(true);
      const free = new ConnectionQueue(1, 0, 5000);
      const ctx = context();
      const end = await createTargetWalk(createResilience([]), scripted({}))(routeOf([target("a", busy), target("b", free)]), request, {}, ctx);
      expect(end).toBe(relayed);
      expect(ctx.attempts.map((a) => [a.provider, a.status, a.skipped])).toEqual([
        ["a", null, "connection queue full: 1 connections in use, 0 requests waiting"],
        ["b", 200, undefined],
      ]);
      expect([busy.inFlight, busy.rejectedFull, free.inFlight]).toEqual([1, 1, 0]);
    });

    it("every target's queue full: 503 asking the client to come back in a second", async () => {
      const busy = new ConnectionQueue(1, 0, 5000);
      busy.tryAcquire();
      const ctx = context();
      const end = (await createTargetWalk(createResilience([]), scripted({}))(routeOf([target("a", busy)]), request, {}, ctx)) as Exhausted;
      expect(end).toEqual({ kind: "exhausted", status: 503, retryAfterMs: 1000 });
      expect(exhaustedHeaders(end)).toEqual({ "retry-after": "1", "retry-after-ms": "1000" });
      expect(exhaustedError("r", end, ctx.attempts, "every target of route r failed").message).toContain("a:m → connection queue full");
    });

    it("a waiter gets the connection a finished try gives back, before any newcomer", async () => {
      const queue = new ConnectionQueue(1, 4, 5000);
      expect(queue.tryAcquire()).toBe(true);
      const walk = createTargetWalk(createResilience([]), scripted({}));
      const waiting = walk(routeOf([target("a", queue)]), request, {}, context());
      await Promise.resolve();
      expect(queue.depth).toBe(1);
      queue.release();
      expect(queue.tryAcquire()).toBe(false);
      expect(await waiting).toBe(relayed);
      expect([queue.depth, queue.inFlight]).toEqual([0, 0]);
    });

    it("a try that throws still gives its connection back", async () => {
      const queue = new ConnectionQueue(1, 0, 5000);
      const steps: WalkSteps<WalkContext, null> = { ...scripted({}), attempt: () => Promise.reject(new Error("boom")) };
      await expect(createTargetWalk(createResilience([]), steps)(routeOf([target("a", queue)]), request, {}, context())).rejects.toThrow("boom");
      expect(queue.inFlight).toBe(0);
    });
  });

  describe("providers disabled by configuration (an empty key)", () => {
    const disabled = (name: string, variable: string): Target =>
      ({ label: `${name}:m`, model: "m", upstream: { kind: "http", name, enabled: false, disabledReason: `provider disabled: its api key is empty; set ${variable} in the gateway's environment and restart it`, bodyLimitBytes: Infinity } }) as unknown as Target;
    const routeOf = (targets: Target[], policy: BreakerPolicy | null = null): Route => ({ id: "r", targets, rateLimits: null, retry, breaker: policy }) as unknown as Route;

    it("nothing tried because every provider is disabled: 424, x-should-retry: false, a message naming each variable", async () => {
      const ctx = context();
      const walk = createTargetWalk(createResilience([]), scripted({}));
      const end = (await walk(routeOf([disabled("a", "A_KEY"), disabled("b", "B_KEY")]), request, {}, ctx)) as Exhausted;
      expect(end).toEqual({ kind: "exhausted", status: 424, retryAfterMs: null });
      expect(exhaustedHeaders(end)).toEqual({ "x-should-retry": "false" });
      const error = exhaustedError("r", end, ctx.attempts, "every target of route r failed");
      expect(error).toMatchObject({ status: 424, code: "provider_not_configured" });
      expect(error.message).toContain("a:m → provider disabled: its api key is empty; set A_KEY");
      expect(error.message).toContain("b:m → provider disabled: its api key is empty; set B_KEY");
    });

    it("a disabled provider and one that cannot take the body: still 424, only configuration can help", async () => {
      const small = { label: "s:m", model: "m", upstream: { kind: "http", name: "s", enabled: true, bodyLimitBytes: 1 } } as unknown as Target;
      const walk = createTargetWalk(createResilience([]), scripted({}));
      expect(await walk(routeOf([disabled("a", "A_KEY"), small]), request, {}, context())).toMatchObject({ status: 424 });
    });

    it("a disabled provider beside one that was tried and failed: the failure decides (502), which a retry may fix", async () => {
      const walk = createTargetWalk(createResilience([]), scripted({ b: [failed(500), failed(500)] }));
      const end = (await walk(routeOf([disabled("a", "A_KEY"), target("b")]), request, {}, context())) as Exhausted;
      expect(end.status).toBe(502);
      expect(exhaustedHeaders(end)).toBeUndefined();
    });
  });
});
