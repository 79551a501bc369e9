// The balancers of runtime/balance/ on their own: proportions over many picks, in-flight counting, latency
// preference and recovery, stickiness (stable per key, spread over keys), and the order across priority groups.
import { describe, expect, it } from "vitest";
import type { Target } from "../../runtime/contract.ts";
import type { ClientIdentity } from "../../runtime/access/client-identity.ts";
import { keyIdOf } from "../../runtime/access/client-identity.ts";
import { createBalancer } from "../../runtime/balance/balancer.ts";
import { weighted } from "../../runtime/balance/weighted.ts";
import { leastInflight } from "../../runtime/balance/least-inflight.ts";
import { latency } from "../../runtime/balance/latency.ts";
import { sticky } from "../../runtime/balance/sticky.ts";

function targets(...labels: string[]): Target[] {
  return labels.map((label) => ({ upstream: { kind: "scenario", name: label } as never, label, model: null, modelJson: null, translation: null, price: () => null }));
}
const anonymous: ClientIdentity = { key: null, keyId: null, account: null, ip: "127.0.0.1" };
const client = (key: string): ClientIdentity => ({ key, keyId: keyIdOf(key), account: null, ip: "127.0.0.1" });
const labels = (order: readonly Target[]) => order.map((t) => t.label);

function firstPicks(order: () => readonly Target[], n: number): Record<string, number> {
  const counts: Record<string, number> = {};
  for (let i = 0; i < n; i++) {
    const first = order()[0]!.label;
    counts[first] = (counts[first] ?? 0) + 1;
  }
  return counts;
}

describe("weighted (smooth weighted round robin)", () => {
  it("picks each target exactly in proportion to its weight over every cycle", () => {
    const balancer = createBalancer(targets("a", "b", "c"), { groups: [3], weights: [5, 1, 1] }, weighted());
    expect(firstPicks(() => balancer.order(anonymous), 700)).toEqual({ a: 500, b: 100, c: 100 });
  });

  it("interleaves a heavy target with the others (nginx's sequence for 5,1,1)", () => {
    const balancer = createBalancer(targets("a", "b", "c"), { groups: [3], weights: [5, 1, 1] }, weighted());
    const sequence = Array.from({ length: 7 }, () => balancer.order(anonymous)[0]!.label).join("");
    expect(sequence).toBe("aabacaa");
  });

  it("puts the rest of the group after the pick, then lower-priority groups as fallbacks", () => {
    const balancer = createBalancer(targets("a", "b", "c", "d", "e"), { groups: [3, 2], weights: [1, 1, 1, 1, 1] }, weighted());
    const orders = Array.from({ length: 3 }, () => labels(balancer.order(anonymous)));
    expect(orders.map((o) => o.slice(0, 3).sort().join(""))).toEqual(["abc", "abc", "abc"]);
    expect(orders.map((o) => o[0])).toEqual(["a", "b", "c"]);
    for (const order of orders) expect(order.slice(3).sort()).toEqual(["d", "e"]);
  });

  it("rejects a layout that does not cover the targets", () => {
    expect(() => createBalancer(targets("a", "b"), { groups: [1], weights: [1, 1] }, weighted())).toThrow(/covers 1 of 2/);
  });
});

describe("least in-flight", () => {
  it("sends the next attempt to the target with the fewest attempts under way", () => {
    const [a, b, c] = targets("a", "b", "c");
    const balancer = createBalancer([a!, b!, c!], { groups: [3], weights: [1, 1, 1] }, leastInflight());
    balancer.begin(a!);
    balancer.begin(a!);
    balancer.begin(c!);
    expect(labels(balancer.order(anonymous))).toEqual(["b", "c", "a"]);
    balancer.begin(b!);
    balancer.begin(b!);
    expect(balancer.order(anonymous)[0]!.label).toBe("c");
    balancer.end(a!, 10, false);
    balancer.end(a!, 10, false);
    expect(balancer.order(anonymous)[0]!.label).toBe("a");
    expect(balancer.slots.map((s) => s.inflight)).toEqual([0, 2, 1]);
  });

  it("weighs in-flight counts by weight", () => {
    const [a, b] = targets("a", "b");
    const balancer = createBalancer([a!, b!], { groups: [2], weights: [3, 1] }, leastInflight());
    balancer.begin(a!);
    balancer.begin(a!);
    balancer.begin(b!);
    // a: 2/3 busy, b: 1/1 busy.
    expect(balancer.order(anonymous)[0]!.label).toBe("a");
  });

  it("spreads sequential requests over idle targets instead of always taking the first", () => {
    const balancer = createBalancer(targets("a", "b", "c"), { groups: [3], weights: [1, 1, 1] }, leastInflight());
    expect(firstPicks(() => balancer.order(anonymous), 300)).toEqual({ a: 100, b: 100, c: 100 });
  });
});

describe("latency (moving average with exploration)", () => {
  /** A deterministic random: explores exactly every `period`-th pick. */
  function everyNth(period: number) {
    let calls = 0;
    let exploring = false;
    return () => {
      // latency() calls random() once per pick, and a second time to choose whom to explore.
      if (exploring) {
        exploring = false;
        return 0;
      }
      calls++;
      exploring = calls % period === 0;
      return exploring ? 0 : 0.99;
    };
  }

  it("measures untried targets first, then prefers the fastest", () => {
    const [a, b] = targets("a", "b");
    const balancer = createBalancer([a!, b!], { groups: [2], weights: [1, 1] }, latency({ explore: 0 }));
    expect(balancer.order(anonymous)[0]).toBe(a);
    balancer.begin(a!);
    balancer.end(a!, 300, false);
    expect(balancer.order(anonymous)[0]).toBe(b);
    balancer.begin(b!);
    balancer.end(b!, 40, false);
    expect(firstPicks(() => balancer.order(anonymous), 50)).toEqual({ b: 50 });
  });

  it("counts a failure as slow, however fast it failed", () => {
    const [a, b] = targets("a", "b");
    const balancer = createBalancer([a!, b!], { groups: [2], weights: [1, 1] }, latency({ explore: 0 }));
    const attempt = (t: Target, ms: number, failed: boolean) => {
      balancer.begin(t);
      balancer.end(t, ms, failed);
    };
    attempt(a!, 50, false);
    attempt(b!, 80, false);
    expect(balancer.order(anonymous)[0]).toBe(a);
    attempt(a!, 1, true); // 1 ms counts as 100 (twice the average): 50 → 65
    expect(balancer.slots[0]!.ewmaMs).toBeCloseTo(65);
    attempt(a!, 1, true); // 65 → 84.5, now slower than b
    expect(balancer.slots[0]!.ewmaMs).toBeGreaterThan(80);
    expect(balancer.order(anonymous)[0]).toBe(b);
  });

  it("keeps probing a slow target, so it wins again once it has recovered", () => {
    const [fast, slow] = targets("fast", "slow");
    const balancer = createBalancer([fast!, slow!], { groups: [2], weights: [1, 1] }, latency({ explore: 0.1, random: everyNth(10) }));
    const speed = new Map([[fast!, 50], [slow!, 500]]);
    const run = (n: number) => {
      const counts: Record<string, number> = {};
      for (let i = 0; i < n; i++) {
        const pick = balancer.order(anonymous)[0]!;
        counts[pick.label] = (counts[pick.label] ?? 0) + 1;
        balancer.begin(pick);
        balancer.end(pick, speed.get(pick)!, false);
      }
      return counts;
    };
    const before = run(100);
    expect(before.fast).toBeGreaterThanOrEqual(85);
    expect(before.slow).toBeGreaterThanOrEqual(5); // explored, though slow
    // The tables turn: "fast" degrades, "slow" recovers; exploration finds out.
    speed.set(fast!, 900);
    speed.set(slow!, 30);
    run(40);
    const after = run(100);
    expect(after.slow).toBeGreaterThanOrEqual(85);
  });
});

describe("sticky by client key (weighted rendezvous hashing)", () => {
  it("serves one key from the same target every time, and anonymous clients by the strategy", () => {
    const balancer = sticky(createBalancer(targets("a", "b", "c"), { groups: [3], weights: [1, 1, 1] }, weighted()));
    const alice = client("sk-alice-0001");
    const first = labels(balancer.order(alice));
    for (let i = 0; i < 20; i++) expect(labels(balancer.order(alice))).toEqual(first);
    expect(firstPicks(() => balancer.order(anonymous), 30)).toEqual({ a: 10, b: 10, c: 10 });
  });

  it("spreads many keys over the targets in proportion to their weights", () => {
    const balancer = sticky(createBalancer(targets("a", "b", "c"), { groups: [3], weights: [2, 1, 1] }, weighted()));
    const counts: Record<string, number> = {};
    for (let i = 0; i < 4000; i++) {
      const first = balancer.order(client(`sk-user-${i}`))[0]!.label;
      counts[first] = (counts[first] ?? 0) + 1;
    }
    expect(counts.a! / 4000).toBeCloseTo(0.5, 1);
    expect(counts.b! / 4000).toBeCloseTo(0.25, 1);
    expect(counts.c! / 4000).toBeCloseTo(0.25, 1);
  });

  it("moves only the keys of a removed target", () => {
    const all = targets("a", "b", "c");
    const three = sticky(createBalancer(all, { groups: [3], weights: [1, 1, 1] }, weighted()));
    const two = sticky(createBalancer([all[0]!, all[1]!], { groups: [2], weights: [1, 1] }, weighted()));
    let moved = 0;
    for (let i = 0; i < 1000; i++) {
      const who = client(`sk-user-${i}`);
      const before = three.order(who)[0]!.label;
      if (before !== "c" && two.order(who)[0]!.label !== before) moved++;
    }
    expect(moved).toBe(0);
  });

  it("keeps in-flight bookkeeping of the wrapped balancer", () => {
    const ts = targets("a", "b");
    const balancer = sticky(createBalancer(ts, { groups: [2], weights: [1, 1] }, leastInflight()));
    balancer.begin(ts[0]!);
    expect(balancer.slots[0]!.inflight).toBe(1);
    balancer.end(ts[0]!, 5, false);
    expect(balancer.slots[0]!.inflight).toBe(0);
  });
});

describe("latency samples", () => {
  it("take time to first byte for a relayed stream, the whole attempt otherwise, nothing when the client left", async () => {
    const { latencySample } = await import("../../runtime/balance/sample.ts");
    const relayed = { kind: "relayed" as const, status: 200, latencyMs: 900, ttfbMs: 80, summary: null, responseBody: undefined };
    expect(latencySample(relayed, true)).toBe(80);
    expect(latencySample(relayed, false)).toBe(900);
    expect(latencySample({ kind: "failed", status: 503, latencyMs: 12, reason: "503", timeout: false }, true)).toBe(12);
    expect(latencySample({ kind: "client-gone", latencyMs: 40 }, true)).toBeNull();
  });
});
