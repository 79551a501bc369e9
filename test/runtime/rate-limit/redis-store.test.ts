// The Redis side against a real redis-server: the Lua script agrees with bucket.ts, keys carry the prefix
// and expire, two connections share one limit, and an outage falls back to local state with one warning.
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SharedRedis } from "../../../runtime/redis/connection.ts";
import { RedisBucketStore } from "../../../runtime/rate-limit/redis-store.ts";
import { RateLimiter } from "../../../runtime/rate-limit/limiter.ts";
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

async function shared(prefix: string, warnings: string[] = []): Promise<SharedRedis> {
  const redis = new SharedRedis({ url: server.url, keyPrefix: prefix }, { warn: (m) => warnings.push(m) });
  opened.push(redis);
  return redis;
}

const client = { key: "sk-x", keyId: "0123456789abcdef", account: null, ip: "127.0.0.1" };

describe("RedisBucketStore", () => {
  it("allows exactly the capacity, refuses with the wait bucket.ts would compute, and prefixes and expires its keys", async () => {
    const redis = await shared("t1:");
    const store = new RedisBucketStore(redis);
    expect(await redis.whenReady(5000)).toBe(true);
    const one = [{ key: "b", capacity: 6, cost: 1 }];
    for (let i = 0; i < 6; i++) expect((await store.charge(one, false)).allowed).toBe(true);
    const refused = await store.charge(one, false);
    expect(refused.allowed).toBe(false);
    // 10 s per unit at 6/min; a few ms passed between the calls.
    expect(refused.waitMs).toBeGreaterThan(9_000);
    expect(refused.waitMs).toBeLessThanOrEqual(10_000);
    expect(refused.reports[0]!.remaining).toBe(0);
    const ttl = await inspect.pttl("t1:b");
    expect(ttl).toBeGreaterThan(59_000);
    expect(ttl).toBeLessThanOrEqual(61_000);
    // A refund back to full deletes the key: absent means full.
    await store.charge([{ key: "b", capacity: 6, cost: -6 }], true);
    expect(await inspect.exists("t1:b")).toBe(0);
  });

  it("checks all buckets or none, atomically", async () => {
    const redis = await shared("t2:");
    const store = new RedisBucketStore(redis);
    await redis.whenReady(5000);
    const both = [
      { key: "roomy", capacity: 100, cost: 1 },
      { key: "tight", capacity: 1, cost: 1 },
    ];
    expect((await store.charge(both, false)).allowed).toBe(true);
    const refused = await store.charge(both, false);
    expect(refused.allowed).toBe(false);
    expect(refused.reports[0]!.remaining).toBe(99);
  });

  it("is one limit for two connections: concurrent checks never overspend", async () => {
    const a = new RateLimiter(await shared("t3:"));
    const b = new RateLimiter(await shared("t3:"));
    await Promise.all(opened.slice(-2).map((r) => r.whenReady(5000)));
    const limits: RateLimits = { scope: "global", perKey: { requestsPerMinute: 25, tokensPerMinute: null }, perIp: null };
    const verdicts = await Promise.all(Array.from({ length: 60 }, (_, i) => (i % 2 ? a : b).check(limits, client, 0)));
    expect(verdicts.filter((v) => v.allowed)).toHaveLength(25);
    expect(await inspect.exists(`t3:rl:global:k:${client.keyId}:r`)).toBe(1);
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
    for (let i = 0; i < 20; i++) expect((await limiter.check(limits, client, 0)).allowed).toBe(true);
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
});
