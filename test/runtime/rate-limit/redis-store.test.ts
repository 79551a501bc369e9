// The Redis side against a real redis-server: the Lua script agrees with bucket.ts, keys carry the prefix
// and expire, two connections share one limit, and an outage falls back to local state with one warning.
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SharedRedis } from "../../../runtime/redis/connection.ts";
import { RedisBucketStore } from "../../../runtime/rate-limit/redis-store.ts";
import { RateLimiter, type RateLimitTicket } from "../../../runtime/rate-limit/limiter.ts";
import { LocalBucketStore } from "../../../runtime/rate-limit/local-store.ts";
import type { RateLimits } from "../../../runtime/contract.ts";
import { startRedisServer, type RedisServer } from "../../support/redis-server.ts";

let server: RedisServer;
let inspect: Redis;
const opened: SharedRedis[] = [];

beforeAll(async () => {
  server = await startRedisServer();
  inspect = new Redis(server.url);
  inspect.on("error", () => {}); // the outage test kills the server under it
});
afterAll(async () => {
  for (const r of opened) r.close();
  inspect?.disconnect();
  await server?.stop();
});

async function shared(prefix: string, warnings: string[] = [], commandTimeoutMs?: number): Promise<SharedRedis> {
  const redis = new SharedRedis({ url: server.url, keyPrefix: prefix }, { warn: (m) => warnings.push(m), commandTimeoutMs });
  opened.push(redis);
  return redis;
}

const client = { key: "sk-x", keyId: "0123456789abcdef", account: null, ip: "127.0.0.1" };

describe("RedisBucketStore", () => {
  /** A plain check of one unit per bucket, no lease: what bucket.ts's charge does. */
  const check = (store: RedisBucketStore, buckets: Array<{ key: string; capacity: number; cost: number }>) =>
    store.send(true, buckets.map((b) => ({ key: b.key, capacity: b.capacity, pay: 0, need: Math.min(b.cost, b.capacity), take: b.cost, room: 0 })));

  it("allows exactly the capacity, refuses with the wait bucket.ts would compute, and prefixes and expires its keys", async () => {
    const redis = await shared("t1:");
    const store = new RedisBucketStore(redis, 0.1);
    expect(await redis.whenReady(5000)).toBe(true);
    const one = [{ key: "b", capacity: 6, cost: 1 }];
    for (let i = 0; i < 6; i++) expect((await check(store, one)).allowed).toBe(true);
    const refused = await check(store, one);
    expect(refused.allowed).toBe(false);
    // 10 s per unit at 6/min; a few ms passed between the calls.
    expect(refused.waitMs).toBeGreaterThan(9_000);
    expect(refused.waitMs).toBeLessThanOrEqual(10_000);
    expect(refused.reports[0]!.remaining).toBe(0);
    const ttl = await inspect.pttl("t1:b");
    expect(ttl).toBeGreaterThan(59_000);
    expect(ttl).toBeLessThanOrEqual(61_000);
    // Units handed back up to full delete the key: absent means full.
    await store.send(false, [{ key: "b", capacity: 6, pay: -6, need: 0, take: 0, room: 0 }]);
    expect(await inspect.exists("t1:b")).toBe(0);
  });

  it("checks all buckets or none, atomically, and applies a debt even when the check is refused", async () => {
    const redis = await shared("t2:");
    const store = new RedisBucketStore(redis, 0.1);
    await redis.whenReady(5000);
    const both = [
      { key: "roomy", capacity: 100, cost: 1 },
      { key: "tight", capacity: 1, cost: 1 },
    ];
    expect((await check(store, both)).allowed).toBe(true);
    const refused = await check(store, both);
    expect(refused.allowed).toBe(false);
    expect(refused.reports[0]!.remaining).toBe(99);
    const paid = await store.send(true, [
      { key: "roomy", capacity: 100, pay: 40, need: 1, take: 1, room: 0 },
      { key: "tight", capacity: 1, pay: 0, need: 1, take: 1, room: 0 },
    ]);
    expect(paid.allowed).toBe(false);
    expect(paid.reports[0]!.remaining).toBe(59);
  });

  it("leases a share of what is left, never more than the room asked for, and nothing from a small bucket", async () => {
    const redis = await shared("t6:");
    const store = new RedisBucketStore(redis, 0.1);
    await redis.whenReady(5000);
    // 1000 left after the take minus one: a tenth of 999 is 99; the room (the most an instance may hold) caps it.
    const first = await store.send(true, [{ key: "big", capacity: 1000, pay: 0, need: 1, take: 1, room: 100 }]);
    expect(first.granted).toEqual([99]);
    expect(first.reports[0]!.remaining).toBe(900);
    const capped = await store.send(false, [{ key: "big", capacity: 1000, pay: 0, need: 0, take: 0, room: 30 }]);
    expect(capped.granted).toEqual([30]);
    // The grant shrinks with the bucket: 870 left, a tenth is 87.
    expect((await store.send(false, [{ key: "big", capacity: 1000, pay: 0, need: 0, take: 0, room: 100 }])).granted).toEqual([87]);
    // A limit of 5: a tenth of what is left is under one unit, so every request is checked on its own.
    const small = await store.send(true, [{ key: "small", capacity: 5, pay: 0, need: 1, take: 1, room: 100 }]);
    expect(small.granted).toEqual([0]);
    expect(small.reports[0]!.remaining).toBe(4);
  });

  it("sends every operation of one turn in one EVALSHA, each answered on its own", async () => {
    const redis = await shared("t7:");
    const store = new RedisBucketStore(redis, 0.1);
    await redis.whenReady(5000);
    const before = store.calls;
    const results = await Promise.all(Array.from({ length: 8 }, () => check(store, [{ key: "turn", capacity: 5, cost: 1 }])));
    expect(store.calls - before).toBe(1);
    expect(results.map((r) => r.allowed)).toEqual([true, true, true, true, true, false, false, false]);
    expect(results.map((r) => r.reports[0]!.remaining)).toEqual([4, 3, 2, 1, 0, 0, 0, 0]);
  });

  it("is one limit for two connections: with leases off, concurrent checks never overspend and never stop short", async () => {
    const a = new RateLimiter(await shared("t3:"), new LocalBucketStore(), 0);
    const b = new RateLimiter(await shared("t3:"), new LocalBucketStore(), 0);
    await Promise.all(opened.slice(-2).map((r) => r.whenReady(5000)));
    const limits: RateLimits = { scope: "global", perKey: { requestsPerMinute: 25, tokensPerMinute: null }, perIp: null };
    const verdicts = await Promise.all(Array.from({ length: 60 }, (_, i) => (i % 2 ? a : b).check(limits, client, 0)));
    expect(verdicts.filter((v) => v.allowed)).toHaveLength(25);
    expect(await inspect.exists(`t3:rl:global:k:${client.keyId}:r`)).toBe(1);
  });
});

describe("leases", () => {
  const limits: RateLimits = { scope: "global", perKey: { requestsPerMinute: 1000, tokensPerMinute: 100_000 }, perIp: null };
  const key = `rl:global:k:${client.keyId}:`;
  /** The shared bucket's level as Redis holds it now (full when the key is absent). */
  async function level(prefix: string, suffix: string, capacity: number): Promise<number> {
    const [l, t] = await inspect.hmget(`${prefix}${key}${suffix}`, "l", "t");
    if (l === null || t === null) return capacity;
    const [seconds = 0, micros = 0] = (await inspect.time()).map(Number);
    return Math.min(capacity, Number(l) + ((Number(seconds) * 1000 + Number(micros) / 1000 - Number(t)) * capacity) / 60_000);
  }

  it("two instances check most requests without a round trip, spend no more than the one bucket allows, and return what they hold when idle", async () => {
    const a = new RateLimiter(await shared("t8:", [], 2000));
    const b = new RateLimiter(await shared("t8:", [], 2000));
    await Promise.all(opened.slice(-2).map((r) => r.whenReady(5000)));
    const started = performance.now();
    let synchronous = 0;
    let allowed = 0;
    for (let i = 0; i < 600; i++) {
      const pending = (i % 2 ? a : b).check(limits, client, 10);
      if (!(pending instanceof Promise)) synchronous++;
      const verdict = await pending;
      if (verdict.allowed) allowed++;
      if (verdict.allowed && verdict.ticket) (i % 2 ? a : b).settle(verdict.ticket, 10);
    }
    expect(allowed).toBe(600);
    // Each instance holds at most a tenth of the bucket (100 requests); it asks again at half.
    expect(synchronous).toBeGreaterThan(500);
    // Top-ups still in flight land first.
    await new Promise((r) => setTimeout(r, 50));
    // Redis has seen every request: what it lets through, plus at most what both hold.
    const held = a.shared!.held(`${key}r`) + b.shared!.held(`${key}r`);
    expect(held).toBeGreaterThan(0);
    expect(held).toBeLessThanOrEqual(200);
    const refill = ((performance.now() - started + 100) * 1000) / 60_000;
    expect(await level("t8:", "r", 1000)).toBeLessThanOrEqual(1000 - 600 - held + refill);
    expect(await level("t8:", "r", 1000)).toBeGreaterThanOrEqual(1000 - 600 - held - 1);
    // Unused for a second, the leases go back to the bucket.
    await new Promise((r) => setTimeout(r, 2200));
    expect(a.shared!.size + b.shared!.size).toBe(0);
    expect(await level("t8:", "r", 1000)).toBeGreaterThanOrEqual(1000 - 600);
  });

  it("a burst from both instances never gets past the shared bucket, and one instance is refused at most its lease early", async () => {
    // A generous command timeout: on a loaded machine a 50 ms one would send a burst to the local fallback,
    // which is another test's subject.
    const warnings: string[] = [];
    const a = new RateLimiter(await shared("t9:", warnings, 2000));
    const b = new RateLimiter(await shared("t9:", warnings, 2000));
    await Promise.all(opened.slice(-2).map((r) => r.whenReady(5000)));
    const started = performance.now();
    let allowed = 0;
    for (let round = 0; round < 6; round++) {
      const verdicts = await Promise.all(Array.from({ length: 400 }, (_, i) => (i % 2 ? a : b).check(limits, client, 0)));
      allowed += verdicts.filter((v) => v.allowed).length;
    }
    const refill = ((performance.now() - started + 100) * 1000) / 60_000;
    expect(warnings).toEqual([]);
    expect(allowed).toBeLessThanOrEqual(1000 + refill);
    expect(allowed).toBeGreaterThanOrEqual(1000 - 2 * 100);
    // Refused requests carry the wait Redis computed, as without leases.
    // An instance may still hold a few units; once spent, it is refused.
    let refused = await a.check(limits, client, 0);
    for (let i = 0; i < 100 && refused.allowed; i++) refused = await a.check(limits, client, 0);
    expect(refused.allowed).toBe(false);
    expect(Number(refused.headers["retry-after"])).toBeGreaterThanOrEqual(1);
    expect(refused.headers["x-ratelimit-remaining-requests"]).toBe("0");
  });

  it("settles tokens against the lease: extra usage becomes a debt paid to Redis, a refund past the lease goes back", async () => {
    const a = new RateLimiter(await shared("t10:", [], 2000));
    await opened.at(-1)!.whenReady(5000);
    const started = performance.now();
    const refill = () => ((performance.now() - started + 50) * 100_000) / 60_000;
    const first = await a.check(limits, client, 100);
    expect(first.allowed).toBe(true);
    const ticket = (first as { ticket: NonNullable<RateLimitTicket> }).ticket;
    // The check took 100 tokens and leased a tenth of what was left.
    expect(a.shared!.held(`${key}t`)).toBe(9_990);
    expect(await level("t10:", "t", 100_000)).toBeLessThan(100_000 - 100 - 9_990 + refill());
    // The answer used 30 000 tokens: 29 900 more than charged, more than the lease holds.
    a.settle(ticket, 30_000);
    await new Promise((r) => setTimeout(r, 50));
    expect(a.shared!.held(`${key}t`)).toBeGreaterThan(0);
    const afterDebt = await level("t10:", "t", 100_000);
    // The debt reached Redis: the bucket is down by what was used, plus what the instance holds again.
    expect(afterDebt + a.shared!.held(`${key}t`)).toBeLessThan(100_000 - 30_000 + refill());
    expect(afterDebt + a.shared!.held(`${key}t`)).toBeGreaterThan(100_000 - 30_000 - 10);
    // Every target failed: a refund of a whole request leaves the instance holding more than a lease; the rest goes back.
    const second = await a.check(limits, client, 5_000);
    a.settle((second as { ticket: NonNullable<RateLimitTicket> }).ticket, 0);
    await new Promise((r) => setTimeout(r, 50));
    expect(a.shared!.held(`${key}t`)).toBeLessThanOrEqual(10_000);
    const total = (await level("t10:", "t", 100_000)) + a.shared!.held(`${key}t`);
    expect(total).toBeGreaterThan(100_000 - 30_000 - 10);
    expect(total).toBeLessThan(100_000 - 30_000 + refill());
  });
});

describe("SharedRedis outage", () => {
  it("serves from local buckets while Redis is down, warns once, and resumes sharing when it is back", async () => {
    const warnings: string[] = [];
    const redis = await shared("t4:", warnings);
    const local = new LocalBucketStore();
    const limiter = new RateLimiter(redis, local);
    await redis.whenReady(5000);
    const limits: RateLimits = { scope: "global", perKey: null, perIp: { requestsPerMinute: 1000, tokensPerMinute: null } };
    expect((await limiter.check(limits, client, 0)).allowed).toBe(true);
    expect(local.size).toBe(0);

    await server.stop("SIGKILL");
    const started = performance.now();
    // More checks than the lease taken by the first (99 units) holds: units leased before the crash may be spent.
    for (let i = 0; i < 200; i++) expect((await limiter.check(limits, client, 0)).allowed).toBe(true);
    // No request waited for a dead Redis: at most one paid the command timeout.
    expect(performance.now() - started).toBeLessThan(500);
    expect(local.size).toBe(1);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/redis at redis:\/\/127\.0\.0\.1:\d+\/? is unavailable/);

    await server.start();
    expect(await redis.whenReady(10_000)).toBe(true);
    expect((await limiter.check(limits, client, 0)).allowed).toBe(true);
    expect(await inspect.exists(`t4:rl:global:i:${client.ip}:r`)).toBe(1);
    expect(warnings).toHaveLength(2);
    expect(warnings[1]).toContain("is back");
  });
});

describe("SharedRedis slowness", () => {
  it("a Redis that stops answering costs one command timeout, then requests go local at once until it answers again", async () => {
    const warnings: string[] = [];
    const redis = new SharedRedis({ url: server.url, keyPrefix: "t5:" }, { warn: (m) => warnings.push(m), commandTimeoutMs: 50, coolDownMs: 300 });
    opened.push(redis);
    const local = new LocalBucketStore();
    const limiter = new RateLimiter(redis, local);
    expect(await redis.whenReady(5000)).toBe(true);
    const limits: RateLimits = { scope: "global", perKey: null, perIp: { requestsPerMinute: 1000, tokensPerMinute: null } };
    // Every client's commands are held for 600 ms: Redis is alive but does not answer.
    await inspect.call("CLIENT", "PAUSE", "600", "ALL");
    let started = performance.now();
    expect((await limiter.check(limits, client, 0)).allowed).toBe(true);
    const first = performance.now() - started;
    expect(first).toBeGreaterThanOrEqual(45);
    // It gave up on its own timeout, well before the 600 ms pause would have answered it.
    expect(first).toBeLessThan(550);
    started = performance.now();
    for (let i = 0; i < 10; i++) expect((await limiter.check(limits, client, 0)).allowed).toBe(true);
    // None of them tried Redis: ten 50 ms timeouts would take 500 ms.
    expect(performance.now() - started).toBeLessThan(400);
    expect(local.size).toBe(1);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain("Command timed out");
    // After the pause and the cool-down, the next check goes to Redis again.
    await new Promise((r) => setTimeout(r, 700));
    expect((await limiter.check(limits, client, 0)).allowed).toBe(true);
    expect(await inspect.exists(`t5:rl:global:i:${client.ip}:r`)).toBe(1);
    expect(warnings).toHaveLength(2);
    expect(warnings[1]).toContain("is back");
  });

  it("routes.yaml's command_timeout_ms: a Redis that answers within it is waited for, not dropped", async () => {
    const warnings: string[] = [];
    // The setting as the built gateway passes it (redis.command_timeout_ms), with no override in the options.
    const redis = new SharedRedis({ url: server.url, keyPrefix: "t6:", commandTimeoutMs: 2000 }, { warn: (m) => warnings.push(m) });
    opened.push(redis);
    const local = new LocalBucketStore();
    const limiter = new RateLimiter(redis, local);
    expect(await redis.whenReady(5000)).toBe(true);
    const limits: RateLimits = { scope: "global", perKey: null, perIp: { requestsPerMinute: 1000, tokensPerMinute: null } };
    await inspect.call("CLIENT", "PAUSE", "300", "ALL");
    const started = performance.now();
    expect((await limiter.check(limits, client, 0)).allowed).toBe(true);
    // It waited out the pause (the default 50 ms would have gone local) and the bucket is in Redis.
    expect(performance.now() - started).toBeGreaterThanOrEqual(250);
    expect(await inspect.exists(`t6:rl:global:i:${client.ip}:r`)).toBe(1);
    expect(local.size).toBe(0);
    expect(warnings).toEqual([]);
  });
});
