// Circuit breakers shared through a real redis-server: two stores (two gateway processes, in effect) see one
// breaker, only one of them probes a half-open breaker, keys carry the prefix and expire, and with Redis
// gone each store keeps deciding on its own local breakers.
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SharedRedis } from "../../runtime/redis/connection.ts";
import { RedisBreakerStore, type RedisBreakerStoreOptions } from "../../runtime/resilience/redis-breaker-store.ts";
import type { BreakerPolicy } from "../../runtime/resilience/circuit-breaker.ts";
import { startRedisServer, type RedisServer } from "../support/redis-server.ts";

let server: RedisServer;
let inspect: Redis;
const connections: SharedRedis[] = [];
const stores: RedisBreakerStore[] = [];

beforeAll(async () => {
  server = await startRedisServer();
  inspect = new Redis(server.url);
  inspect.on("error", () => {}); // the outage test kills the server under it
});
afterAll(async () => {
  for (const s of stores) s.close();
  for (const r of connections) r.close();
  inspect?.disconnect();
  await server?.stop();
});

/** A store on its own connection, as each gateway process has; the periodic sync is slowed so tests drive it. */
async function store(prefix: string, options: RedisBreakerStoreOptions = {}, warnings: string[] = []): Promise<RedisBreakerStore> {
  const redis = new SharedRedis({ url: server.url, keyPrefix: prefix }, { warn: (m) => warnings.push(m) });
  connections.push(redis);
  const s = new RedisBreakerStore(redis, { syncMs: 60_000, staleMs: 60_000, ...options });
  stores.push(s);
  expect(await redis.whenReady(5000)).toBe(true);
  await s.flush();
  return s;
}

const policy: BreakerPolicy = { failures: 3, errorRate: 1, windowMs: 60_000, minRequests: 1000, openMs: 300 };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("RedisBreakerStore", () => {
  it("failures from two stores add up to one breaker, open for both; keys are prefixed and expire", async () => {
    const a = await store("cb1:");
    const b = await store("cb1:");
    const key = "route-x oa:route-x";
    a.track(key, policy);
    b.track(key, policy);
    expect(a.admit(key, policy)).toMatchObject({ ok: true });
    a.record(key, policy, "failure", false);
    a.record(key, policy, "failure", false);
    await a.flush();
    b.record(key, policy, "failure", false);
    await b.flush();
    await a.flush();
    expect(b.admit(key, policy)).toEqual({ ok: false, reason: "circuit open" });
    expect(a.admit(key, policy)).toEqual({ ok: false, reason: "circuit open" });
    const [sa, sb] = [a.snapshot(key, policy), b.snapshot(key, policy)];
    expect(sa).toMatchObject({ state: "open", failures: 3, windowRequests: 3, windowFailures: 3 });
    // The same breaker; its times are given in each store's own clock (Redis's, less the offset each
    // store measured), so they agree up to that measurement's error.
    expect({ ...sb, openedAt: 0, retryAt: 0 }).toEqual({ ...sa, openedAt: 0, retryAt: 0 });
    expect(Math.abs(sb.openedAt! - sa.openedAt!)).toBeLessThan(100);
    expect(sa.retryAt! - sa.openedAt!).toBeGreaterThanOrEqual(299);
    expect(sa.retryAt! - sa.openedAt!).toBeLessThanOrEqual(301);
    // Neither local store saw three consecutive failures: the breaker is open because the state is shared.
    expect(a.local.snapshot(key, policy).state).toBe("closed");
    expect(await inspect.hget(`cb1:cb:${key}`, "s")).toBe("1");
    expect(await inspect.pttl(`cb1:cb:${key}`)).toBeGreaterThan(60_000);
    expect(a.scope()).toBe("shared");
  });

  it("a success in between resets the consecutive count, across stores too", async () => {
    const a = await store("cb2:");
    const b = await store("cb2:");
    const key = "r t";
    a.record(key, policy, "failure", false);
    a.record(key, policy, "failure", false);
    await a.flush();
    b.record(key, policy, "success", false);
    await b.flush();
    a.record(key, policy, "failure", false);
    await a.flush();
    expect(a.snapshot(key, policy)).toMatchObject({ state: "closed", failures: 1, windowRequests: 4, windowFailures: 3 });
  });

  it("opens on the error rate over the window, counted across stores", async () => {
    const rate: BreakerPolicy = { failures: 100, errorRate: 0.5, windowMs: 30_000, minRequests: 4, openMs: 30_000 };
    const a = await store("cb3:");
    const b = await store("cb3:");
    const key = "r t";
    a.record(key, rate, "failure", false);
    b.record(key, rate, "success", false);
    await Promise.all([a.flush(), b.flush()]);
    a.record(key, rate, "failure", false);
    await a.flush();
    expect(a.snapshot(key, rate).state).toBe("closed");
    b.record(key, rate, "failure", false);
    await b.flush();
    expect(b.snapshot(key, rate)).toMatchObject({ state: "open", windowRequests: 4, windowFailures: 3 });
  });

  it("lets exactly one store probe a half-open breaker; its success closes it for both", async () => {
    const a = await store("cb4:");
    const b = await store("cb4:");
    const key = "r t";
    // At start a gateway tracks every breaker of its routes, so it follows them before its first request.
    b.track(key, policy);
    for (let i = 0; i < 3; i++) a.record(key, policy, "failure", false);
    await a.flush();
    await b.flush();
    await sleep(350);
    expect(a.snapshot(key, policy).state).toBe("half_open");
    // Both see it half-open and ask for the token at the same time; each first request is skipped.
    expect(a.admit(key, policy)).toMatchObject({ ok: false });
    expect(b.admit(key, policy)).toMatchObject({ ok: false });
    await Promise.all([a.flush(), b.flush()]);
    const admissions = [a, b, a, b, a, b].map((s) => s.admit(key, policy));
    expect(admissions.filter((x) => x.ok)).toEqual([{ ok: true, probe: true }]);
    expect(admissions.filter((x) => !x.ok).every((x) => !x.ok && x.reason === "circuit half-open, probe in flight")).toBe(true);
    const [prober, other] = admissions.findIndex((x) => x.ok) % 2 === 0 ? [a, b] : [b, a];
    // The token lives in Redis, with a lease.
    expect(await inspect.pttl(`cb4:cb:${key}:probe`)).toBeGreaterThan(0);
    prober.record(key, policy, "success", true);
    await prober.flush();
    await other.flush();
    expect(other.snapshot(key, policy)).toMatchObject({ state: "closed", failures: 0, openedAt: null, retryAt: null });
    expect(other.admit(key, policy)).toEqual({ ok: true, probe: false });
    expect(await inspect.exists(`cb4:cb:${key}`, `cb4:cb:${key}:probe`)).toBe(0);
  });

  it("a failed probe re-opens the breaker for everyone; a crashed prober's token expires with its lease", async () => {
    const a = await store("cb5:", { leaseMs: 300 });
    const b = await store("cb5:", { leaseMs: 300 });
    const key = "r t";
    b.track(key, policy);
    for (let i = 0; i < 3; i++) a.record(key, policy, "failure", false);
    await a.flush();
    await sleep(350);
    a.admit(key, policy);
    await a.flush();
    expect(a.admit(key, policy)).toEqual({ ok: true, probe: true });
    const opened = a.snapshot(key, policy).openedAt!;
    a.record(key, policy, "failure", true);
    await a.flush();
    await b.flush();
    const again = b.snapshot(key, policy);
    expect(again.state).toBe("open");
    expect(again.openedAt!).toBeGreaterThan(opened);

    // a takes the next probe and never reports it (its process died): b may probe once the lease is over.
    await sleep(350);
    a.admit(key, policy);
    await a.flush();
    expect(a.admit(key, policy)).toEqual({ ok: true, probe: true });
    a.close();
    b.admit(key, policy);
    await b.flush();
    expect(b.admit(key, policy)).toEqual({ ok: false, reason: "circuit half-open, probe in flight" });
    await sleep(350);
    b.admit(key, policy);
    await b.flush();
    expect(b.admit(key, policy)).toEqual({ ok: true, probe: true });
  });
});

describe("RedisBreakerStore without Redis", () => {
  it("shares breakers first named at run time (a glob target's models) once a sync has brought them", async () => {
    const a = await store("cb7:");
    const b = await store("cb7:");
    const key = "g oa:model-1";
    for (let i = 0; i < 3; i++) a.record(key, policy, "failure", false);
    await a.flush();
    expect(await inspect.hget(`cb7:cb:${key}`, "s")).toBe("1");
    // B never heard of the model: its first request is decided locally and brings the model into the sync.
    expect(b.admit(key, policy)).toMatchObject({ ok: true });
    await b.flush();
    expect(b.admit(key, policy)).toEqual({ ok: false, reason: "circuit open" });
    expect(b.snapshot(key, policy)).toMatchObject({ state: "open", failures: 3 });
    b.forget(key);
    expect(b.local.snapshot(key, policy).state).toBe("closed");
  });

  it("decides on local breakers while Redis is down, without waiting, and shares again when it is back", async () => {
    const warnings: string[] = [];
    const s = await store("cb6:", { syncMs: 50, staleMs: 500 }, warnings);
    const key = "r t";
    s.record(key, policy, "failure", false);
    await s.flush();
    expect(s.snapshot(key, policy)).toMatchObject({ state: "closed", failures: 1 });

    await server.stop("SIGKILL");
    await sleep(100);
    expect(s.scope()).toBe("local-fallback");
    // The local store has seen that first failure too: two more open its local breaker.
    expect(s.admit(key, policy)).toEqual({ ok: true, probe: false });
    s.record(key, policy, "failure", false);
    s.record(key, policy, "failure", false);
    expect(s.admit(key, policy)).toEqual({ ok: false, reason: "circuit open" });
    expect(s.snapshot(key, policy)).toMatchObject({ state: "open", failures: 3 });
    await sleep(350);
    // Half-open locally: this process's own probe.
    expect(s.admit(key, policy)).toEqual({ ok: true, probe: true });
    s.record(key, policy, "success", true);
    expect(s.snapshot(key, policy).state).toBe("closed");
    await sleep(200);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/is unavailable/);

    await server.start();
    const deadline = Date.now() + 10_000;
    while (s.scope() !== "shared" && Date.now() < deadline) await sleep(50);
    expect(s.scope()).toBe("shared");
    expect(warnings.at(-1)).toContain("is back");
    // Redis came back empty: the shared breaker starts closed and counts again.
    s.record(key, policy, "failure", false);
    await s.flush();
    expect(s.snapshot(key, policy)).toMatchObject({ state: "closed", failures: 1 });
    expect(await inspect.exists(`cb6:cb:${key}`)).toBe(1);
  });
});
