// The bounded wait for a provider's connections (runtime/upstream/connection-queue.ts) on its own: the free
// path, first come first served hand-off, a full queue, the wait running out, a client leaving, /health's view.
import { describe, expect, it } from "vitest";
import { ConnectionQueue, connectionHealth, type AbortWatch } from "../../runtime/upstream/connection-queue.ts";

/** A client the test can make leave. */
function client(): AbortWatch & { leave(): void } {
  let handler: (() => void) | null = null;
  const c = {
    aborted: false,
    onAbort(h: (() => void) | null) {
      handler = h;
    },
    leave() {
      c.aborted = true;
      handler?.();
    },
  };
  return c;
}

describe("ConnectionQueue", () => {
  it("hands out max_connections at once, then queues; each release goes to the first waiter in order", async () => {
    const queue = new ConnectionQueue(2, 2, 5000);
    expect([queue.tryAcquire(), queue.tryAcquire(), queue.tryAcquire()]).toEqual([true, true, false]);
    const order: string[] = [];
    const first = queue.wait(client()).then((r) => order.push(`first ${r}`));
    const second = queue.wait(client()).then((r) => order.push(`second ${r}`));
    expect(queue.depth).toBe(2);
    // A third waiter finds the queue full and is turned away at once.
    expect(await queue.wait(client())).toBe("full");
    queue.release();
    await first;
    expect(queue.tryAcquire()).toBe(false);
    queue.release();
    await second;
    expect(order).toEqual(["first ready", "second ready"]);
    expect([queue.inFlight, queue.depth, queue.rejectedFull]).toEqual([2, 0, 1]);
    queue.release();
    queue.release();
    expect(queue.inFlight).toBe(0);
  });

  it("max 0: nothing waits", async () => {
    const queue = new ConnectionQueue(1, 0, 5000);
    queue.tryAcquire();
    expect(await queue.wait(client())).toBe("full");
  });

  it("a waiter whose timeout_ms runs out leaves the queue with \"timeout\"; the next release goes back to the pool", async () => {
    const queue = new ConnectionQueue(1, 4, 60);
    queue.tryAcquire();
    const started = performance.now();
    expect(await queue.wait(client())).toBe("timeout");
    expect(performance.now() - started).toBeGreaterThanOrEqual(55);
    expect([queue.depth, queue.rejectedTimeout]).toEqual([0, 1]);
    queue.release();
    expect(queue.inFlight).toBe(0);
  });

  it("a client that leaves while waiting frees its place", async () => {
    const queue = new ConnectionQueue(1, 4, 5000);
    queue.tryAcquire();
    const c = client();
    const waiting = queue.wait(c);
    c.leave();
    expect(await waiting).toBe("gone");
    expect(queue.depth).toBe(0);
    expect(await queue.wait({ aborted: true, onAbort() {} })).toBe("gone");
  });

  it("connectionHealth lists HTTP providers only, with their counts", () => {
    const queue = new ConnectionQueue(2, 3, 400);
    queue.tryAcquire();
    expect(connectionHealth([{ kind: "http", name: "a", queue }, { kind: "scenario", name: "demo" }])).toEqual([
      { provider: "a", in_flight: 1, max_connections: 2, queued: 0, queue_max: 3, queue_timeout_ms: 400, rejected_full: 0, rejected_timeout: 0 },
    ]);
  });
});
