// Token-bucket arithmetic with an injected clock: exact allowances, continuous refill, all-or-nothing
// checks across buckets, debt from settling, and the headers a decision produces.
import { describe, expect, it } from "vitest";
import { charge, type BucketState } from "../../../runtime/rate-limit/bucket.ts";
import { LocalBucketStore } from "../../../runtime/rate-limit/local-store.ts";
import { formatDuration, RateLimiter } from "../../../runtime/rate-limit/limiter.ts";
import type { RateLimits } from "../../../runtime/contract.ts";
import type { ClientIdentity } from "../../../runtime/access/client-identity.ts";

function clock(start = 1_000_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => void (now += ms) };
}

const client: ClientIdentity = { key: "sk-a", keyId: "aaaaaaaaaaaaaaaa", account: null, ip: "127.0.0.1" };
const anonymous: ClientIdentity = { key: null, keyId: null, account: null, ip: "127.0.0.1" };

function limiter(limits: Partial<RateLimits>) {
  const time = clock();
  const store = new LocalBucketStore(time.now);
  const rl = new RateLimiter(null, store);
  const full: RateLimits = { scope: "global", perKey: null, perIp: null, ...limits };
  return { time, store, check: (who: ClientIdentity, tokens = 0) => rl.check(full, who, tokens), settle: rl.settle.bind(rl) };
}

describe("charge", () => {
  it("allows exactly capacity units at once, then refills continuously at capacity per minute", () => {
    const states = new Map<string, BucketState>();
    const one = [{ key: "b", capacity: 6, cost: 1 }];
    for (let i = 0; i < 6; i++) expect(charge(states, one, 0, false).allowed).toBe(true);
    const refused = charge(states, one, 0, false);
    expect(refused).toMatchObject({ allowed: false, waitMs: 10_000, reports: [{ remaining: 0, resetMs: 60_000 }] });
    expect(charge(states, one, 9_999, false).allowed).toBe(false);
    expect(charge(states, one, 10_000, false).allowed).toBe(true);
    expect(charge(states, one, 10_001, false).allowed).toBe(false);
  });

  it("takes from every bucket or from none", () => {
    const states = new Map<string, BucketState>();
    const both = [
      { key: "roomy", capacity: 100, cost: 1 },
      { key: "tight", capacity: 1, cost: 1 },
    ];
    expect(charge(states, both, 0, false).allowed).toBe(true);
    const refused = charge(states, both, 0, false);
    expect(refused.allowed).toBe(false);
    // The roomy bucket was not charged for the refused request.
    expect(refused.reports[0]!.remaining).toBe(99);
  });

  it("lets a request bigger than a minute's budget through on a full bucket, leaving it in debt", () => {
    const states = new Map<string, BucketState>();
    const big = [{ key: "t", capacity: 100, cost: 250 }];
    expect(charge(states, big, 0, false).allowed).toBe(true);
    expect(states.get("t")!.level).toBe(-150);
    // Debt is paid back at 100 per minute before even a free request passes: 1.5 minutes.
    expect(charge(states, [{ key: "t", capacity: 100, cost: 0 }], 0, false).waitMs).toBe(90_000);
    expect(charge(states, [{ key: "t", capacity: 100, cost: 0 }], 90_000, false).allowed).toBe(true);
  });

  it("forgets a bucket once it is full again (absent = full)", () => {
    const states = new Map<string, BucketState>();
    charge(states, [{ key: "b", capacity: 2, cost: 1 }], 0, false);
    expect(states.size).toBe(1);
    charge(states, [{ key: "b", capacity: 2, cost: -1 }], 0, true);
    expect(states.size).toBe(0);
  });
});

describe("LocalBucketStore", () => {
  it("sweeps buckets that refilled, at most once a window", () => {
    const time = clock();
    const store = new LocalBucketStore(time.now);
    store.charge([{ key: "a", capacity: 10, cost: 1 }], false);
    store.charge([{ key: "b", capacity: 10, cost: 1 }], false);
    expect(store.size).toBe(2);
    time.advance(60_000);
    store.charge([{ key: "c", capacity: 10, cost: 1 }], false);
    expect(store.size).toBe(1);
  });
});

describe("RateLimiter", () => {
  it("limits requests per key, and each key separately", async () => {
    const { check } = limiter({ perKey: { requestsPerMinute: 3, tokensPerMinute: null } });
    for (let i = 0; i < 3; i++) expect((await check(client)).allowed).toBe(true);
    const refused = await check(client);
    expect(refused.allowed).toBe(false);
    if (refused.allowed) return;
    expect(refused.error).toMatchObject({ status: 429, code: "rate_limit_exceeded" });
    expect(refused.error.message).toContain("per_key requests per minute (limit 3)");
    expect(refused.headers).toMatchObject({
      "retry-after": "20",
      "retry-after-ms": "20000",
      "x-ratelimit-limit-requests": "3",
      "x-ratelimit-remaining-requests": "0",
      "x-ratelimit-reset-requests": "60s",
    });
    expect((await check({ ...client, key: "sk-b", keyId: "bbbbbbbbbbbbbbbb" })).allowed).toBe(true);
  });

  it("puts requests without a key under per_ip only", async () => {
    const { check } = limiter({ perKey: { requestsPerMinute: 1, tokensPerMinute: null }, perIp: { requestsPerMinute: 2, tokensPerMinute: null } });
    expect((await check(anonymous)).allowed).toBe(true);
    expect((await check(anonymous)).allowed).toBe(true);
    const refused = await check(anonymous);
    expect(refused.allowed).toBe(false);
    if (!refused.allowed) expect(refused.error.message).toContain("per_ip requests");
  });

  it("reports the most constraining bucket of each kind in the headers", async () => {
    const { check } = limiter({ perKey: { requestsPerMinute: 10, tokensPerMinute: 1000 }, perIp: { requestsPerMinute: 4, tokensPerMinute: null } });
    const verdict = await check(client, 100);
    expect(verdict.headers).toEqual({
      "x-ratelimit-limit-requests": "4",
      "x-ratelimit-remaining-requests": "3",
      "x-ratelimit-reset-requests": "15s",
      "x-ratelimit-limit-tokens": "1000",
      "x-ratelimit-remaining-tokens": "900",
      "x-ratelimit-reset-tokens": "6s",
    });
  });

  it("charges the estimate, then settles to the usage reported", async () => {
    const { check, settle } = limiter({ perKey: { requestsPerMinute: null, tokensPerMinute: 1000 } });
    const first = await check(client, 100);
    expect(first.allowed && first.ticket).toBeTruthy();
    if (!first.allowed || first.ticket === null) return;
    // The upstream reported 700 tokens: 600 more than estimated are booked.
    settle(first.ticket, 700);
    const second = await check(client, 301);
    expect(second.allowed).toBe(false);
    expect(second.headers["x-ratelimit-remaining-tokens"]).toBe("300");
    const third = await check(client, 300);
    expect(third.allowed).toBe(true);
    expect(third.headers["x-ratelimit-remaining-tokens"]).toBe("0");
  });

  it("refunds the estimate when nothing was used", async () => {
    const { check, settle } = limiter({ perIp: { requestsPerMinute: null, tokensPerMinute: 100 } });
    const first = await check(anonymous, 100);
    if (!first.allowed || first.ticket === null) throw new Error("expected a ticket");
    expect((await check(anonymous, 1)).allowed).toBe(false);
    settle(first.ticket, 0);
    expect((await check(anonymous, 100)).allowed).toBe(true);
  });

  it("passes requests no limit applies to without touching any bucket", async () => {
    const { check, store } = limiter({ perKey: { requestsPerMinute: 1, tokensPerMinute: null } });
    const verdict = await check(anonymous);
    expect(verdict).toEqual({ allowed: true, headers: {}, ticket: null });
    expect(store.size).toBe(0);
  });

  it("keeps scopes apart: a route with its own limits has its own buckets", async () => {
    const time = clock();
    const rl = new RateLimiter(null, new LocalBucketStore(time.now));
    const rule = { requestsPerMinute: 1, tokensPerMinute: null };
    expect((await rl.check({ scope: "global", perKey: rule, perIp: null }, client, 0)).allowed).toBe(true);
    expect((await rl.check({ scope: "route/a", perKey: rule, perIp: null }, client, 0)).allowed).toBe(true);
    expect((await rl.check({ scope: "global", perKey: rule, perIp: null }, client, 0)).allowed).toBe(false);
  });
});

describe("formatDuration", () => {
  it.each([
    [0, "0ms"],
    [250, "250ms"],
    [1000, "1s"],
    [1500, "1.5s"],
    [59_999, "59.999s"],
  ])("%d ms → %s", (ms, text) => expect(formatDuration(ms)).toBe(text));
});
