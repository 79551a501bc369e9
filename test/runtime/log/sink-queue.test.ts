// The queue between the request log's writer and its sink, against a scripted sink: bounded admission with
// a truthful drop count, backoff and retry of a failed batch, one-at-a-time isolation of a record the sink
// refuses, and close() within its deadline.
import { describe, expect, it } from "vitest";
import { SinkQueue } from "../../../runtime/log/sink-queue.ts";
import type { LogEntry, LogSink } from "../../../runtime/log/sinks/types.ts";

class RefusedRecord extends Error {}

/** A sink whose writes succeed unless `down`; a record whose id is in `poison` makes its whole batch fail as a record error. */
class ScriptedSink implements LogSink {
  readonly kind = "sqlite";
  readonly where = "scripted";
  down = false;
  stall: Promise<void> | null = null;
  readonly poison = new Set<string>();
  readonly stored: string[] = [];
  readonly batches: number[] = [];
  attempts = 0;
  opens = 0;
  async open(): Promise<void> {
    this.opens++;
    if (this.down) throw new Error("connection refused");
  }
  async write(entries: readonly LogEntry[]): Promise<void> {
    this.attempts++;
    if (this.stall) await this.stall;
    if (this.down) throw new Error("connection refused");
    if (entries.some((e) => this.poison.has(e.id))) throw new RefusedRecord("invalid input syntax for type json");
    this.batches.push(entries.length);
    for (const e of entries) this.stored.push(e.id);
  }
  isRecordError(error: unknown): boolean {
    return error instanceof RefusedRecord;
  }
  async deleteBefore(): Promise<number> {
    return 0;
  }
  async close(): Promise<void> {}
}

function entry(id: string, line = `{"id":"${id}"}`): LogEntry {
  return { id, time: 0, keyId: null, route: null, model: null, status: 200, latencyMs: 1, inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, costUsd: null, line };
}

function offer(queue: SinkQueue, id: string): boolean {
  if (!queue.admit(100)) return false;
  queue.push(entry(id), 100);
  queue.pump();
  return true;
}

async function until(check: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe("SinkQueue", () => {
  it("writes batches, one in flight at a time", async () => {
    const sink = new ScriptedSink();
    let release!: () => void;
    sink.stall = new Promise((r) => (release = r));
    const queue = new SinkQueue(sink, { maxRecords: 100, maxChars: 1 << 20, report: () => {} });
    for (let i = 0; i < 10; i++) offer(queue, `r${i}`);
    await new Promise((r) => setTimeout(r, 30));
    expect(sink.attempts).toBe(1);
    sink.stall = null;
    release();
    await until(() => sink.stored.length === 10);
    // The first batch held one record; the nine queued behind it went as one batch.
    expect(sink.batches).toEqual([1, 9]);
    expect(queue.health()).toEqual({ sink: "sqlite", queued: 0, dropped: 0, state: "ok" });
  });

  it("drops and counts what does not fit while the sink is down, retries with backoff, then drains", async () => {
    const sink = new ScriptedSink();
    sink.down = true;
    const reports: string[] = [];
    const queue = new SinkQueue(sink, { maxRecords: 5, maxChars: 1 << 20, report: (m) => reports.push(m), retryBaseMs: 20, retryMaxMs: 40 });
    const accepted: string[] = [];
    for (let i = 0; i < 12; i++) if (offer(queue, `r${i}`)) accepted.push(`r${i}`);
    expect(accepted).toEqual(["r0", "r1", "r2", "r3", "r4"]);
    expect(queue.dropped()).toBe(7);
    await new Promise((r) => setTimeout(r, 200));
    // Backing off: a handful of attempts in 200 ms, not one per record or per turn.
    expect(sink.opens).toBeGreaterThanOrEqual(3);
    expect(sink.opens).toBeLessThan(15);
    expect(queue.health()).toMatchObject({ queued: 5, dropped: 7, state: "retrying" });
    sink.down = false;
    await until(() => sink.stored.length === 5);
    expect(sink.stored).toEqual(accepted);
    expect(queue.health()).toEqual({ sink: "sqlite", queued: 0, dropped: 7, state: "ok" });
    // The drops are known at once, the failure a moment later.
    expect(reports.slice(0, 2)).toEqual([
      "request log sink scripted: the queue is full; dropping records (1 so far, counted in /health log.dropped)",
      "request log sink scripted failed: connection refused; retrying with backoff, queueing up to 5 records",
    ]);
    expect(reports.at(-1)).toMatch(/^request log sink scripted recovered after [\d.]+ s; 7 records dropped meanwhile$/);
  });

  it("bounds the characters held too", () => {
    const sink = new ScriptedSink();
    sink.down = true;
    const queue = new SinkQueue(sink, { maxRecords: 1000, maxChars: 1000, report: () => {} });
    expect(queue.admit(600)).toBe(true);
    expect(queue.admit(600)).toBe(false);
    expect(queue.admit(300)).toBe(true);
    expect(queue.dropped()).toBe(1);
  });

  it("isolates a record the sink refuses: the others are stored, that one is dropped and counted", async () => {
    const sink = new ScriptedSink();
    sink.poison.add("r3");
    const reports: string[] = [];
    const queue = new SinkQueue(sink, { maxRecords: 100, maxChars: 1 << 20, report: (m) => reports.push(m) });
    // Held back until all six are queued, so they go as one batch.
    let release!: () => void;
    sink.stall = new Promise((r) => (release = r));
    offer(queue, "r0");
    for (let i = 1; i < 6; i++) offer(queue, `r${i}`);
    sink.stall = null;
    release();
    await until(() => sink.stored.length === 5);
    expect(sink.stored).toEqual(["r0", "r1", "r2", "r4", "r5"]);
    expect(queue.dropped()).toBe(1);
    expect(queue.health().queued).toBe(0);
    expect(reports).toEqual([expect.stringContaining("record r3 refused and dropped: invalid input syntax for type json")]);
    // Back to batches afterwards.
    for (let i = 6; i < 9; i++) offer(queue, `r${i}`);
    await until(() => sink.stored.length === 8);
  });

  it("close() writes what is queued, and counts what the deadline leaves as dropped", async () => {
    const up = new ScriptedSink();
    const queue = new SinkQueue(up, { maxRecords: 100, maxChars: 1 << 20, report: () => {} });
    for (let i = 0; i < 30; i++) {
      queue.admit(100);
      queue.push(entry(`r${i}`), 100);
    }
    await queue.close(Date.now() + 1000);
    expect(up.stored).toHaveLength(30);
    expect(queue.dropped()).toBe(0);
    expect(queue.admit(100)).toBe(false);

    const down = new ScriptedSink();
    down.down = true;
    const reports: string[] = [];
    const stuck = new SinkQueue(down, { maxRecords: 100, maxChars: 1 << 20, report: (m) => reports.push(m), retryBaseMs: 10 });
    for (let i = 0; i < 4; i++) offer(stuck, `r${i}`);
    const started = Date.now();
    await stuck.close(Date.now() + 150);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(stuck.dropped()).toBe(4);
    expect(stuck.health().queued).toBe(0);
    expect(reports.at(-1)).toBe("request log sink scripted: 4 records not written by the shutdown deadline");
  });
});
