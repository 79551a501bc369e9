import { describe, expect, it } from "vitest";
import { createConcurrencyLimiter, type Release } from "../../../runtime/command/limiter.ts";

const slot = async (promise: Promise<Release | "busy" | "aborted">): Promise<Release> => {
  const result = await promise;
  if (typeof result !== "function") throw new Error(`expected a slot, got ${result}`);
  return result;
};

describe("createConcurrencyLimiter", () => {
  it("grants maxConcurrent slots at once, queues up to maxQueued, then answers busy", async () => {
    const limiter = createConcurrencyLimiter(2, 1);
    await slot(limiter.acquire());
    await slot(limiter.acquire());
    const queued = limiter.acquire();
    expect(limiter.running).toBe(2);
    expect(limiter.waiting).toBe(1);
    expect(await limiter.acquire()).toBe("busy");
    void queued;
  });

  it("defaults the queue to 4 × maxConcurrent", () => {
    expect(createConcurrencyLimiter(3).maxQueued).toBe(12);
  });

  it("hands slots to waiters in arrival order", async () => {
    const limiter = createConcurrencyLimiter(1, 3);
    const first = await slot(limiter.acquire());
    const order: number[] = [];
    const waiters = [1, 2, 3].map((n) =>
      slot(limiter.acquire()).then((release) => {
        order.push(n);
        setTimeout(release, 1);
      }),
    );
    first();
    await Promise.all(waiters);
    expect(order).toEqual([1, 2, 3]);
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(limiter.running).toBe(0);
  });

  it("a waiter whose signal fires leaves the queue, and its place is not granted", async () => {
    const limiter = createConcurrencyLimiter(1, 1);
    const held = await slot(limiter.acquire());
    const gate = new AbortController();
    const waiting = limiter.acquire(gate.signal);
    gate.abort();
    expect(await waiting).toBe("aborted");
    expect(limiter.waiting).toBe(0);
    const next = limiter.acquire();
    held();
    await slot(next);
    expect(limiter.running).toBe(1);
  });

  it("an already aborted signal gets no slot", async () => {
    const gate = new AbortController();
    gate.abort();
    expect(await createConcurrencyLimiter(1).acquire(gate.signal)).toBe("aborted");
  });

  it("releasing twice frees one slot", async () => {
    const limiter = createConcurrencyLimiter(2, 0);
    const release = await slot(limiter.acquire());
    await slot(limiter.acquire());
    release();
    release();
    expect(limiter.running).toBe(1);
  });
});
